import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { CommandIo } from '../../../src/cli/output';
import { previewMappingAction, registerMappingCommand, validateMappingAction } from '../../../src/cli/commands/mapping';
import type { MappingPreview } from '../../../src/mapping/check/preview';

const repo = path.join(__dirname, '../../..');
const defaultMapping = path.join(repo, 'mappings/default.json');
const strokeChannel = path.join(repo, 'test/fixtures/mapping-channels/stroke.json');
const manyErrors = path.join(repo, 'test/fixtures/mappings/invalid-many-errors.json');

function collector(): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mapping-command-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('mapping validate', () => {
  it('says OK with the name, version and number of observations', () => {
    const io = collector();
    expect(validateMappingAction(defaultMapping, io)).toBe(0);
    expect(io.stdout).toBe('OK: Default stroke and STEMI mapping v1.1.0, 9 observations and the summary document\n');
  });

  it('prints every problem with its path and exits 1', () => {
    const io = collector();
    expect(validateMappingAction(manyErrors, io)).toBe(1);
    const lines = io.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${manyErrors}: 15 problems`);
    expect(lines.slice(1)).toHaveLength(15);
    expect(lines).toContain("  $.observations[0].tme: unknown field 'tme' — did you mean 'time'?");
  });

  it('exits 1 on a missing file', () => {
    const io = collector();
    expect(validateMappingAction(path.join(tmp, 'absent.json'), io)).toBe(1);
    expect(io.stdout).toMatch(/the file does not exist/);
  });
});

describe('mapping preview', () => {
  const now = new Date('2026-11-25T19:05:00Z');

  it('prints the Observations without a PDF, and says the document is left out', () => {
    const io = collector();
    expect(previewMappingAction(defaultMapping, { channel: strokeChannel, now }, io)).toBe(0);
    const preview = JSON.parse(io.stdout) as MappingPreview;
    expect(preview.mapping).toBe('Default stroke and STEMI mapping v1.1.0');
    expect(preview.channel).toBe('pc_7f3a9c21');
    expect(preview.documentReference).toBeUndefined();
    expect(preview.observations.filter((o) => o.resource).map((o) => o.key)).toEqual([
      'first_medical_contact',
      'last_known_well',
      'ed_arrival',
    ]);
    const notWritten = (key: string): string | undefined => preview.observations.find((o) => o.key === key)?.notWritten;
    expect(notWritten('ct_complete')).toBe(
      "time: the channel's timeline entry 'ct_complete' is not set yet; an Observation written earlier would be marked entered-in-error",
    );
    // The STEMI entries are limited to STEMI channels: not written, and what was filed stays.
    expect(notWritten('ecg')).toBe(
      'not for this channel: applies to stemi channels; this channel is stroke; an Observation written earlier would be kept',
    );
    expect(preview.warnings).toEqual([]);
    expect(preview.observations[0].resource?.subject).toEqual({ reference: 'Patient/preview-patient' });
    expect(io.stderr).toContain('note: no --pdf given: the summary DocumentReference is not shown');
    expect(io.stderr).toContain('note: 3 of 9 observations would be written; nothing was posted');
  });

  it('tells a key the channel lacks from one not set yet, and hints at patientTypes, without conditions', () => {
    const mapping = JSON.parse(fs.readFileSync(defaultMapping, 'utf8')) as {
      $schema?: string;
      observations: { patientTypes?: string[] }[];
    };
    delete mapping.$schema;
    mapping.observations.forEach((o) => delete o.patientTypes);
    const file = path.join(tmp, 'unconditioned.json');
    fs.writeFileSync(file, JSON.stringify(mapping));
    const io = collector();
    expect(previewMappingAction(file, { channel: strokeChannel, now }, io)).toBe(0);
    const preview = JSON.parse(io.stdout) as MappingPreview;
    const ecg = preview.observations.find((o) => o.key === 'ecg');
    // The stroke channel has no STEMI timeline entries at all: the preview says which programme the key is of.
    expect(ecg?.notWritten).toBe(
      'time: the channel has no timeline entry \'first_ecg\' (not set yet, or not used by this organisation); it is a stemi key and this channel is stroke: add "patientTypes": ["stemi"] to this entry so that it applies to stemi channels only; an Observation written earlier would be marked entered-in-error',
    );
    expect(ecg?.skipReason).toBe('no-timeline-entry');
    expect(preview.warnings.filter((w) => w.kind === 'missing-timeline-entry').map((w) => w.entry)).toEqual([
      'ecg',
      'stemi_activation',
      'cath_lab_arrival',
    ]);
  });

  it('shows the DocumentReference with the PDF data cut short and its size', () => {
    const pdfPath = path.join(tmp, 'psr.pdf');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 0x41), Buffer.from('\n%%EOF\n')]);
    fs.writeFileSync(pdfPath, pdf);
    const io = collector();
    expect(
      previewMappingAction(
        defaultMapping,
        { channel: strokeChannel, pdf: pdfPath, patient: 'Patient/42', encounter: 'Encounter/7', now },
        io,
      ),
    ).toBe(0);
    const preview = JSON.parse(io.stdout) as MappingPreview;
    const attachment = preview.documentReference?.content[0].attachment;
    expect(attachment?.size).toBe(pdf.length);
    expect(attachment?.hash).toBe(createHash('sha1').update(pdf).digest('base64'));
    expect(attachment?.data).toBe(
      `${pdf.toString('base64').slice(0, 24)}…[truncated in this preview: ${pdf.length} bytes of PDF, ${pdf.toString('base64').length} base64 characters]`,
    );
    expect(preview.documentReference?.context?.encounter).toEqual([{ reference: 'Encounter/7' }]);
    expect(io.stderr).not.toContain('placeholder');
  });

  it.each([
    ['a missing channel file', { channel: 'absent.json' }, /cannot read the channel file .*absent\.json: no such file/],
    ['a webhook event instead of a channel', { channel: 'event.json' }, /looks like a webhook event/],
    ['a channel that is not JSON', { channel: 'broken.json' }, /is not valid JSON at line 2, column 7/],
    ['a PDF that is not a PDF', { channel: 'stroke', pdf: 'fake.pdf' }, /fake\.pdf is not a PDF/],
    [
      'a bad patient reference',
      { channel: 'stroke', patient: 'E4410982' },
      /--patient must be a reference such as Patient\/123/,
    ],
  ])('exits 1 with a clear message on %s', (_label, opts, expected) => {
    fs.writeFileSync(
      path.join(tmp, 'event.json'),
      JSON.stringify({ id: 'evt_1', type: 'patient_channel.identifier.updated', data: {} }),
    );
    fs.writeFileSync(path.join(tmp, 'broken.json'), '{\n"id": }');
    fs.writeFileSync(path.join(tmp, 'fake.pdf'), 'not a pdf');
    const resolved = (name: string): string => (name === 'stroke' ? strokeChannel : path.join(tmp, name));
    const io = collector();
    const code = previewMappingAction(
      defaultMapping,
      {
        ...opts,
        channel: resolved(opts.channel),
        ...('pdf' in opts && opts.pdf ? { pdf: resolved(opts.pdf) } : {}),
        now,
      },
      io,
    );
    expect(code).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(expected);
  });

  it('exits 1 naming the entry when the mapping builds something invalid', () => {
    const mapping = JSON.parse(fs.readFileSync(defaultMapping, 'utf8')) as {
      $schema?: string;
      observations: { time: string }[];
    };
    delete mapping.$schema;
    mapping.observations[1].time = 'timeline.time';
    const file = path.join(tmp, 'too-broad.json');
    fs.writeFileSync(file, JSON.stringify(mapping));
    const io = collector();
    expect(previewMappingAction(file, { channel: strokeChannel, now }, io)).toBe(1);
    expect(io.stderr).toMatch(/observations\[key=last_known_well\]\.time: the expression gave 3 values/);
  });

  it('exits 1 with the problem list when the mapping itself is invalid', () => {
    const io = collector();
    expect(previewMappingAction(manyErrors, { channel: strokeChannel, now }, io)).toBe(1);
    expect(io.stdout).toMatch(/15 problems/);
  });
});

describe('registerMappingCommand', () => {
  it('adds mapping validate and mapping preview with its options', () => {
    const program = new Command();
    registerMappingCommand(program);
    const mapping = program.commands.find((c) => c.name() === 'mapping');
    expect(mapping?.commands.map((c) => c.name())).toEqual(['validate', 'preview']);
    const preview = mapping?.commands.find((c) => c.name() === 'preview');
    expect(preview?.options.map((o) => o.long)).toEqual([
      '--channel',
      '--pdf',
      '--patient',
      '--encounter',
      '--ehr',
      '--strict',
      '--format',
    ]);
  });

  it('sets the exit code from the validate action', async () => {
    const program = new Command().exitOverride();
    registerMappingCommand(program);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const before = process.exitCode;
    try {
      await program.parseAsync(['mapping', 'validate', manyErrors], { from: 'user' });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
      write.mockRestore();
    }
  });
});
