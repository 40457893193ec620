import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildResources } from '../../../../src/mapping/build/build-resources';
import { loadMapping } from '../../../../src/mapping/check/loader';
import type { MappingFile, MappingInput } from '../../../../src/mapping/types';
import type { PatientChannel } from '../../../../src/pulsara/types';
import { BridgeError } from '../../../../src/shared/errors';

const repo = path.join(__dirname, '../../../..');
const stroke = (): PatientChannel =>
  JSON.parse(fs.readFileSync(path.join(repo, 'test/fixtures/mapping-channels/stroke.json'), 'utf8')) as PatientChannel;
const mutable = (mapping: MappingFile): MappingFile => JSON.parse(JSON.stringify(mapping)) as MappingFile;

const defaultMapping = loadMapping(path.join(repo, 'mappings/default.json'));
const pdf = Buffer.from('%PDF-1.7\n% a tiny stand-in for the PSR\n%%EOF\n');
const now = new Date('2026-11-25T19:05:00.000Z');

function input(overrides: Partial<MappingInput> = {}): MappingInput {
  return {
    channel: stroke(),
    patient: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/e1' },
    summary: pdf,
    now,
    ...overrides,
  };
}

function permanentError(run: () => unknown): BridgeError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError);
    return err as BridgeError;
  }
  throw new Error('expected a BridgeError');
}

describe('buildResources with the default mapping and the stroke channel', () => {
  const built = buildResources(defaultMapping, input());

  it('builds the DocumentReference with its identifiers, hash, size and period', () => {
    const sha1 = createHash('sha1').update(pdf);
    const sha1Hex = sha1.copy().digest('hex');
    const doc = built.documentReference;
    expect(doc?.resourceType).toBe('DocumentReference');
    expect(doc?.masterIdentifier).toEqual({
      system: 'https://pulsara-fhir-bridge.example.org/fhir/psr-version',
      value: `pc_7f3a9c21.${sha1Hex}`,
    });
    expect(doc?.identifier).toEqual([
      { system: 'https://pulsara-fhir-bridge.example.org/fhir/psr', value: 'pc_7f3a9c21' },
    ]);
    expect(built.documentVersionIdentifier).toEqual(doc?.masterIdentifier);
    expect(built.documentChannelIdentifier).toEqual(doc?.identifier?.[0]);
    expect(doc?.status).toBe('current');
    expect(doc?.docStatus).toBe('final');
    expect(doc?.type?.coding).toEqual([
      { system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' },
    ]);
    expect(doc?.category?.[0].coding?.[0].code).toBe('clinical-note');
    expect(doc?.subject).toEqual({ reference: 'Patient/p1' });
    expect(doc?.date).toBe('2026-11-25T19:05:00.000Z');
    expect(doc?.context).toEqual({
      encounter: [{ reference: 'Encounter/e1' }],
      period: { start: '2026-11-25T18:41:05Z', end: '2026-11-25T19:03:11Z' },
    });
    const attachment = doc?.content[0].attachment;
    expect(attachment).toEqual({
      contentType: 'application/pdf',
      data: pdf.toString('base64'),
      size: pdf.length,
      hash: createHash('sha1').update(pdf).digest('base64'),
      title: 'Pulsara Summary Report',
      creation: '2026-11-25T19:03:11Z',
    });
  });

  it('returns one entry per mapping entry, with a resource only for the times that are set', () => {
    expect(built.observations.map((o) => o.key)).toEqual(defaultMapping.observations.map((o) => o.key));
    const written = built.observations.filter((o) => o.resource).map((o) => o.key);
    expect(written).toEqual(['first_medical_contact', 'last_known_well', 'ed_arrival']);
    const ct = built.observations.find((o) => o.key === 'ct_complete');
    expect(ct?.resource).toBeUndefined();
    expect(ct?.identifier).toEqual({
      system: 'https://pulsara-fhir-bridge.example.org/fhir/timeline',
      value: 'pc_7f3a9c21.ct_complete',
    });
    expect(ct?.onRemoved).toBe('entered-in-error');
    // door_to_ct needs the CT time too.
    expect(built.observations.find((o) => o.key === 'door_to_ct')?.resource).toBeUndefined();
  });

  it('keeps the time as Pulsara wrote it, offset included', () => {
    const lkw = built.observations.find((o) => o.key === 'last_known_well')?.resource;
    expect(lkw).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      identifier: [
        { system: 'https://pulsara-fhir-bridge.example.org/fhir/timeline', value: 'pc_7f3a9c21.last_known_well' },
      ],
      subject: { reference: 'Patient/p1' },
      encounter: { reference: 'Encounter/e1' },
      effectiveDateTime: '2026-11-25T12:05:00-06:00',
      valueDateTime: '2026-11-25T12:05:00-06:00',
    });
    expect(lkw?.code.coding?.[0].code).toBe('last-known-well');
    expect(lkw?.category?.map((c) => c.coding?.[0].code)).toEqual(['exam', 'care-timeline']);
  });

  it("tags every resource with the mapping's name and version", () => {
    const tag = {
      system: 'https://pulsara-fhir-bridge.example.org/fhir/mapping',
      code: '1.1.0',
      display: 'Default stroke and STEMI mapping',
    };
    expect(built.documentReference?.meta).toEqual({ tag: [tag] });
    for (const observation of built.observations.filter((o) => o.resource)) {
      expect(observation.resource?.meta).toEqual({ tag: [tag] });
    }
  });

  it('folds whitespace in the tag, as a FHIR code allows single spaces only', () => {
    const mapping = mutable(defaultMapping);
    mapping.version = ' 2026-12-01  second\tdraft ';
    const doc = buildResources(mapping, input()).documentReference;
    expect(doc?.meta?.tag?.[0].code).toBe('2026-12-01 second draft');
  });

  it('is deterministic', () => {
    expect(buildResources(defaultMapping, input())).toEqual(built);
  });
});

describe('buildResources edge cases', () => {
  it('computes minutesSince across offsets (-06:00 against Z)', () => {
    const channel = stroke();
    // CT at 13:20:10 local (-06:00) = 19:20:10Z; door at 19:02:40Z: 17.5 minutes.
    channel.timeline = channel.timeline?.map((t) =>
      t.key === 'ct_complete' ? { ...t, time: '2026-11-25T13:20:10-06:00' } : t,
    );
    const doorToCt = buildResources(defaultMapping, input({ channel })).observations.find(
      (o) => o.key === 'door_to_ct',
    );
    expect(doorToCt?.resource?.valueQuantity).toEqual({
      value: 17.5,
      unit: 'min',
      system: 'http://unitsofmeasure.org',
      code: 'min',
    });
    expect(doorToCt?.resource?.effectiveDateTime).toBe('2026-11-25T13:20:10-06:00');
    expect(doorToCt?.resource?.valueDateTime).toBeUndefined();
  });

  it('writes whole minutes as integers', () => {
    const channel = stroke();
    channel.timeline = channel.timeline?.map((t) =>
      t.key === 'ct_complete' ? { ...t, time: '2026-11-25T19:24:40Z' } : t,
    );
    const doorToCt = buildResources(defaultMapping, input({ channel })).observations.find(
      (o) => o.key === 'door_to_ct',
    );
    expect(doorToCt?.resource?.valueQuantity?.value).toBe(22);
  });

  it("builds and validates a DocumentReference for a PDF over the validator's 1 MiB string limit", () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x25);
    const started = Date.now();
    const doc = buildResources(defaultMapping, input({ summary: big })).documentReference;
    expect(doc?.content[0].attachment.size).toBe(big.length);
    expect(doc?.content[0].attachment.data).toBe(big.toString('base64'));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('omits the document without a PDF or without a document section, and the encounter when not given', () => {
    const noPdf = buildResources(defaultMapping, input({ summary: undefined, encounter: undefined }));
    expect(noPdf.documentReference).toBeUndefined();
    expect(noPdf.documentVersionIdentifier).toBeUndefined();
    expect(noPdf.observations.find((o) => o.resource)?.resource?.encounter).toBeUndefined();
    const mapping = mutable(defaultMapping);
    delete mapping.document;
    expect(buildResources(mapping, input()).documentReference).toBeUndefined();
  });

  it('omits context.period when the channel has no times for it, and uses now as the creation', () => {
    const channel = stroke();
    delete channel.created_at;
    delete channel.updated_at;
    const doc = buildResources(defaultMapping, input({ channel, encounter: undefined })).documentReference;
    expect(doc?.context).toBeUndefined();
    expect(doc?.content[0].attachment.creation).toBe(now.toISOString());
  });

  it('fails naming the entry when an expression gives several values, without the values', () => {
    const mapping = mutable(defaultMapping);
    mapping.observations[1].time = 'timeline.time';
    const err = permanentError(() => buildResources(mapping, input()));
    expect(err.code).toBe('mapping-invalid-resource');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/observations\[key=last_known_well\]\.time: the expression gave 3 values/);
    expect(err.message).not.toContain('2026');
  });

  it('fails naming the entry when an expression gives text that is not a date, without the text', () => {
    const mapping = mutable(defaultMapping);
    mapping.observations[0].time = 'patient.last_name';
    const err = permanentError(() => buildResources(mapping, input()));
    expect(err.message).toBe(
      'Mapping entry observations[key=first_medical_contact].time: the expression gave text that is not a FHIR dateTime, expected a FHIR dateTime such as 2026-11-25T18:05:00-06:00',
    );
    expect(err.message).not.toContain('Ruiz');
  });

  it('fails with the validator message naming the entry when a built resource is invalid', () => {
    const mapping = mutable(defaultMapping);
    // A code with an inner newline passes the schema only if someone bypasses it; the FHIR validator catches it.
    mapping.codes.last_known_well = { system: 'https://x.example.org', code: 'a\nb' };
    const err = permanentError(() => buildResources(mapping, input()));
    expect(err.code).toBe('mapping-invalid-resource');
    expect(err.message).toMatch(
      /^Mapping entry observations\[key=last_known_well\] built an invalid Observation: Invalid code format \(Observation.code.coding\[0\].code\)/,
    );
    expect(err.detail).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});
