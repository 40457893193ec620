import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { previewMappingAction, validateMappingAction } from '../../../src/cli/commands/mapping';
import type { PreviewReport } from '../../../src/cli/commands/mapping';
import type { CommandIo } from '../../../src/cli/output';
import { renderSummaryReport } from '../../../src/tools/simulator/summary-report';
import type { PatientChannel } from '../../../src/pulsara/types';

const repo = path.join(__dirname, '../../..');
const example = (name: string): string => path.join(repo, 'mappings/examples', `${name}.json`);
const exampleChannel = (name: string): string => path.join(repo, 'mappings/examples/channels', `${name}.json`);
const samplePdf = path.join(repo, 'mappings/examples/sample-psr.pdf');
const now = new Date('2026-11-25T21:00:00Z');

function collector(): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

describe('the ready mappings under mappings/examples/', () => {
  it.each(['stroke', 'stemi', 'trauma', 'sepsis'])(
    '%s validates, and previews its example channel cleanly in --strict mode',
    (name) => {
      const validated = collector();
      expect(validateMappingAction(example(name), validated)).toBe(0);
      const io = collector();
      const code = previewMappingAction(
        example(name),
        { channel: exampleChannel(name), pdf: samplePdf, strict: true, format: 'json', now },
        io,
      );
      expect(io.stderr).not.toMatch(/--strict|mapping preview:/);
      expect(code).toBe(0);
      const report = JSON.parse(io.stdout) as PreviewReport;
      expect(report.warnings).toEqual([]);
      expect(report.errors).toEqual([]);
      expect(report.lookup.ignored).toBeUndefined();
      expect(report.document.status).toBe('written');
      expect(report.observations.filter((o) => o.status === 'written').length).toBeGreaterThanOrEqual(8);
    },
  );

  it('ships a sample PSR that is what the simulator renders from the example stroke channel', async () => {
    const channel = JSON.parse(fs.readFileSync(exampleChannel('stroke'), 'utf8')) as PatientChannel;
    expect((await renderSummaryReport(channel)).equals(fs.readFileSync(samplePdf))).toBe(true);
  });
});

describe('mapping preview --strict', () => {
  it('exits 2 on a warning, and 0 without --strict', () => {
    const channel = path.join(repo, 'test/fixtures/mapping-channels/broken/stroke-bolus-before-door.json');
    const strict = collector();
    expect(previewMappingAction(example('stroke'), { channel, strict: true, format: 'json', now }, strict)).toBe(2);
    expect(strict.stderr).toContain(
      'mapping preview: --strict: there are warnings, or the delivery would stop (see above); exit 2\n',
    );
    expect(previewMappingAction(example('stroke'), { channel, format: 'json', now }, collector())).toBe(0);
  });

  it('exits 2 when a delivery would be ignored for an empty MRN', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-strict-'));
    try {
      const channel = JSON.parse(fs.readFileSync(exampleChannel('stemi'), 'utf8')) as PatientChannel;
      channel.identifiers = channel.identifiers?.map((i) => (i.name === 'MRN' ? { ...i, value: null } : i));
      const file = path.join(tmp, 'no-mrn.json');
      fs.writeFileSync(file, JSON.stringify(channel));
      expect(
        previewMappingAction(example('stemi'), { channel: file, strict: true, format: 'json', now }, collector()),
      ).toBe(2);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('mapping preview --format text', () => {
  it('reads as sections in local times, with skipped entries, warnings and unmapped times', () => {
    const io = collector();
    const channel = path.join(repo, 'test/fixtures/mapping-channels/broken/stroke-bolus-before-door.json');
    expect(
      previewMappingAction(
        example('stroke'),
        { channel, pdf: samplePdf, patient: 'Patient/123', encounter: 'Encounter/456', format: 'text', now },
        io,
      ),
    ).toBe(0);
    expect(io.stdout).toBe(
      [
        'Mapping  Mercy General stroke programme (Epic flowsheet rows) v2026-12-01, time zone America/Chicago',
        'Channel  pc_ex_stroke_01, patient type stroke',
        '',
        'Lookup',
        '  patient  Patient?identifier=urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14|<MRN>  (MRN filled in)',
        '  visit    Encounter?identifier=urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8|<CSN>&patient=<the patient found>  (CSN filled in; required)',
        '',
        'Document',
        `  write  DocumentReference "Pulsara Summary Report" (34133-9), ${fs.statSync(samplePdf).size} bytes of PDF`,
        '',
        'Observations: 10 written, 2 skipped',
        '  write  last_known_well     2026-11-25 12:05:00 CST',
        '  write  ed_arrival          2026-11-25 13:02:40 CST',
        '  write  neuro_at_bedside    2026-11-25 13:06:00 CST',
        '  write  ct_start            2026-11-25 13:10:15 CST',
        '  write  ct_complete         2026-11-25 13:18:22 CST',
        '  write  thrombolytic_bolus  2026-11-25 12:50:20 CST',
        '  write  groin_puncture      2026-11-25 14:21:00 CST',
        "  skip   reperfusion         time: the channel's timeline entry 'reperfusion' is not set yet; an Observation written earlier would be marked entered-in-error",
        '  write  door_to_ct          8 min',
        '  skip   door_to_needle      skipped for its warnings (onImplausible: skip); an Observation written earlier would be marked entered-in-error',
        '  write  door_to_groin       79 min',
        '  write  lkw_to_door         0.96 h',
        '',
        'Warnings: 4',
        '  ! ed_arrival  out-of-order (written)',
        '    the ed_arrival time is 12.3 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
        '    ed_arrival 2026-11-25 13:02:40 CST; thrombolytic_bolus 2026-11-25 12:50:20 CST',
        '  ! thrombolytic_bolus  out-of-order (written)',
        '    the ed_arrival time is 12.3 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
        '    ed_arrival 2026-11-25 13:02:40 CST; thrombolytic_bolus 2026-11-25 12:50:20 CST',
        '  ! thrombolytic_bolus  out-of-order (written)',
        '    the thrombolytic_decision time is 38.7 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
        '    thrombolytic_decision 2026-11-25 13:29:00 CST; thrombolytic_bolus 2026-11-25 12:50:20 CST',
        '  ! door_to_needle  negative-interval (skipped)',
        '    the interval is negative (-12 min): the thrombolytic_bolus time is before the ed_arrival time; check both times in Pulsara',
        '    ed_arrival 2026-11-25 13:02:40 CST; thrombolytic_bolus 2026-11-25 12:50:20 CST',
        '',
        'Times in the channel that no entry writes: 11',
        '  first_medical_contact  2026-11-25 12:39:00 CST  (First medical contact)',
        '  dispatch               2026-11-25 12:31:00 CST  (Dispatch)',
        '  ems_on_scene           2026-11-25 12:38:30 CST  (EMS on scene)',
        '  ems_depart_scene       2026-11-25 12:52:00 CST  (EMS departed scene)',
        '  symptom_discovery      2026-11-25 12:20:00 CST  (Symptom discovery)',
        '  stroke_alert           2026-11-25 12:45:00 CST  (Stroke alert)',
        '  ct_read                2026-11-25 13:24:00 CST  (CT read)',
        '  cta_complete           2026-11-25 13:27:00 CST  (CTA complete)',
        '  lvo_identified         2026-11-25 13:33:00 CST  (LVO identified)',
        '  thrombolytic_decision  2026-11-25 13:29:00 CST  (Thrombolytic decision)',
        '  ir_activation          2026-11-25 13:35:00 CST  (IR activation)',
        '',
      ].join('\n'),
    );
    expect(io.stderr).toBe('note: 10 of 12 observations would be written; nothing was posted\n');
  });
});
