import fs from 'node:fs';
import path from 'node:path';
import { buildResources } from '../../../../src/mapping/build/build-resources';
import { loadMapping } from '../../../../src/mapping/check/loader';
import type { MappingFile, MappingWarning } from '../../../../src/mapping/types';
import type { PatientChannel } from '../../../../src/pulsara/types';

/*
 * Each warning of the builder (which preview shows and the ledger keeps) on a broken
 * channel fixture (test/fixtures/mapping-channels/broken/), with its exact words, and what
 * the mapping then did: written anyway, skipped (onImplausible: skip), or not written.
 */
const repo = path.join(__dirname, '../../../..');
const stroke = loadMapping(path.join(repo, 'mappings/examples/stroke.json'));
const stemi = loadMapping(path.join(repo, 'mappings/examples/stemi.json'));
const channel = (name: string): PatientChannel =>
  JSON.parse(
    fs.readFileSync(path.join(repo, 'test/fixtures/mapping-channels/broken', `${name}.json`), 'utf8'),
  ) as PatientChannel;
const example = (name: string): PatientChannel =>
  JSON.parse(fs.readFileSync(path.join(repo, 'mappings/examples/channels', `${name}.json`), 'utf8')) as PatientChannel;
const copy = (mapping: MappingFile): MappingFile => JSON.parse(JSON.stringify(mapping)) as MappingFile;

function build(mapping: MappingFile, ch: PatientChannel) {
  return buildResources(mapping, {
    channel: ch,
    patient: { reference: 'Patient/p1' },
    now: new Date('2026-11-25T21:00:00Z'),
  });
}
const summary = (warnings: MappingWarning[] | undefined): [string, string, string, string][] =>
  (warnings ?? []).map((w) => [w.entry, w.kind, w.action, w.message]);
const entry = (built: ReturnType<typeof build>, key: string) => built.observations.find((o) => o.key === key);

describe('the example channels raise no warning with their mappings', () => {
  it.each(['stroke', 'stemi', 'trauma', 'sepsis'])('%s', (name) => {
    const mapping = loadMapping(path.join(repo, `mappings/examples/${name}.json`));
    expect(build(mapping, example(name)).warnings).toBeUndefined();
  });
});

describe('sanity warnings', () => {
  it('a bolus before the door: negative door-to-needle, skipped as the entry says; both times out of order', () => {
    const built = build(stroke, channel('stroke-bolus-before-door'));
    expect(summary(built.warnings)).toEqual([
      [
        'ed_arrival',
        'out-of-order',
        'written',
        'the ed_arrival time is 12.3 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
      ],
      [
        'thrombolytic_bolus',
        'out-of-order',
        'written',
        'the ed_arrival time is 12.3 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
      ],
      [
        'thrombolytic_bolus',
        'out-of-order',
        'written',
        'the thrombolytic_decision time is 38.7 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
      ],
      [
        'door_to_needle',
        'negative-interval',
        'skipped',
        'the interval is negative (-12 min): the thrombolytic_bolus time is before the ed_arrival time; check both times in Pulsara',
      ],
    ]);
    // The times behind it, in the site's offset, for the preview (never for the ledger).
    expect(built.warnings?.[3].times).toEqual([
      { key: 'ed_arrival', time: '2026-11-25T13:02:40-06:00' },
      { key: 'thrombolytic_bolus', time: '2026-11-25T12:50:20-06:00' },
    ]);
    const needle = entry(built, 'door_to_needle');
    expect(needle?.resource).toBeUndefined();
    expect(needle?.skippedForWarnings).toBe(true);
    // Skipped for its warnings: what was filed before is treated as onRemoved says.
    expect(needle?.onRemoved).toBe('entered-in-error');
    expect(entry(built, 'thrombolytic_bolus')?.resource).toBeDefined();
  });

  it('written anyway when the entry does not say skip', () => {
    const mapping = copy(stroke);
    delete mapping.observations.find((o) => o.key === 'door_to_needle')?.onImplausible;
    const built = build(mapping, channel('stroke-bolus-before-door'));
    expect(entry(built, 'door_to_needle')?.resource?.valueQuantity?.value).toBe(-12);
    expect(built.warnings?.find((w) => w.entry === 'door_to_needle')?.action).toBe('written');
  });

  it('last known well 62 minutes after the door: every pair it breaks, and a negative hours interval', () => {
    const built = build(stroke, channel('stroke-lkw-after-door'));
    expect(summary(built.warnings)).toEqual([
      [
        'last_known_well',
        'out-of-order',
        'written',
        'the last_known_well time is 104.7 min after the symptom_discovery time, but is expected before it; check both times in Pulsara',
      ],
      [
        'last_known_well',
        'out-of-order',
        'written',
        'the last_known_well time is 85.7 min after the first_medical_contact time, but is expected before it; check both times in Pulsara',
      ],
      [
        'last_known_well',
        'out-of-order',
        'written',
        'the last_known_well time is 62 min after the ed_arrival time, but is expected before it; check both times in Pulsara',
      ],
      [
        'last_known_well',
        'out-of-order',
        'written',
        'the last_known_well time is 27.8 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
      ],
      [
        'ed_arrival',
        'out-of-order',
        'written',
        'the last_known_well time is 62 min after the ed_arrival time, but is expected before it; check both times in Pulsara',
      ],
      [
        'thrombolytic_bolus',
        'out-of-order',
        'written',
        'the last_known_well time is 27.8 min after the thrombolytic_bolus time, but is expected before it; check both times in Pulsara',
      ],
      [
        'lkw_to_door',
        'negative-interval',
        'written',
        'the interval is negative (-1.03 h): the ed_arrival time is before the last_known_well time; check both times in Pulsara',
      ],
    ]);
  });

  it('an interval above its expected range', () => {
    const built = build(stroke, channel('stroke-groin-next-morning'));
    expect(summary(built.warnings)).toEqual([
      [
        'door_to_groin',
        'implausible-interval',
        'skipped',
        'the interval is 568 min, above the expected maximum of 480 min; check both times in Pulsara, or change "expectedRange" if such values are real',
      ],
    ]);
  });

  it('an interval below a minimum above zero, and a negative one its range allows', () => {
    const mapping = copy(stroke);
    const doorToCt = mapping.observations.find((o) => o.key === 'door_to_ct');
    if (doorToCt?.value?.type !== 'minutesSince') throw new Error('door_to_ct is an interval');
    doorToCt.value.expectedRange = { min: 10, max: 240 };
    const needle = mapping.observations.find((o) => o.key === 'door_to_needle');
    if (needle?.value?.type !== 'minutesSince') throw new Error('door_to_needle is an interval');
    needle.value.expectedRange = { min: -30 };
    const built = build(mapping, channel('stroke-bolus-before-door'));
    expect(summary(built.warnings).filter(([key]) => key === 'door_to_ct' || key === 'door_to_needle')).toEqual([
      [
        'door_to_ct',
        'implausible-interval',
        'written',
        'the interval is 8 min, below the expected minimum of 10 min; check both times in Pulsara, or change "expectedRange" if such values are real',
      ],
    ]);
    expect(entry(built, 'door_to_needle')?.resource?.valueQuantity?.value).toBe(-12);
  });
});

describe('time zone warnings', () => {
  it('reads a time without an offset in the site zone, keeps the instant, and says so for every entry reading it', () => {
    const built = build(stroke, channel('stroke-door-without-offset'));
    expect(summary(built.warnings)).toEqual([
      [
        'ed_arrival',
        'time-without-offset',
        'written',
        'the time (ed_arrival) was sent without a time zone offset; it was read as America/Chicago local time',
      ],
      ...['door_to_ct', 'door_to_needle', 'door_to_groin'].map((key) => [
        key,
        'time-without-offset',
        'written',
        'the value.from time (ed_arrival) was sent without a time zone offset; it was read as America/Chicago local time',
      ]),
      [
        'lkw_to_door',
        'time-without-offset',
        'written',
        'the time (ed_arrival) was sent without a time zone offset; it was read as America/Chicago local time',
      ],
    ]);
    expect(entry(built, 'ed_arrival')?.resource?.valueDateTime).toBe('2026-11-25T13:02:40-06:00');
    expect(entry(built, 'door_to_needle')?.resource?.valueQuantity?.value).toBe(34);
  });

  it('without a site zone, does not write it (and keeps what was filed), instead of failing the whole case', () => {
    const mapping = copy(stroke);
    delete mapping.timeZone;
    const built = build(mapping, channel('stroke-door-without-offset'));
    expect(summary(built.warnings)[0]).toEqual([
      'ed_arrival',
      'time-without-offset',
      'not-written',
      'the time (ed_arrival) was sent without a time zone offset and the mapping has no "timeZone" to read it in, so the entry is not written; set "timeZone" at the top of the mapping (e.g. "America/Chicago")',
    ]);
    expect(built.warnings).toHaveLength(5);
    const door = entry(built, 'ed_arrival');
    expect(door?.resource).toBeUndefined();
    expect(door?.onRemoved).toBe('keep');
    expect(door?.missingTime).toEqual({ field: 'time', reason: 'no-time-zone', timelineKey: 'ed_arrival' });
    expect(entry(built, 'last_known_well')?.resource?.valueDateTime).toBe('2026-11-25T12:05:00-06:00');
  });
});

describe('missing timeline entries', () => {
  it("warns about an organisation's own key the channel lacks, but not about a Pulsara key of its programme", () => {
    const mapping = copy(stroke);
    mapping.codes.neuro_consult = { system: 'https://fhir.mercy-general.example.org/CodeSystem/local', code: 'nc' };
    mapping.observations.push({
      key: 'neuro_consult',
      code: 'neuro_consult',
      category: ['procedure'],
      time: "timeline.where(key='org_neuro_consult').time",
      customTimelineKeys: ['org_neuro_consult'],
    });
    const ch = example('stroke');
    ch.timeline = ch.timeline?.filter((t) => t.key !== 'reperfusion');
    const built = build(mapping, ch);
    expect(summary(built.warnings)).toEqual([
      [
        'neuro_consult',
        'missing-timeline-entry',
        'not-written',
        "time: the channel has no timeline entry 'org_neuro_consult' (misspelt key, or not used by this organisation)",
      ],
    ]);
    expect(entry(built, 'reperfusion')?.missingTime?.reason).toBe('no-timeline-entry');
  });
});

describe('conditions', () => {
  it('compares patient types without regard to case: a channel typed STEMI gets every STEMI entry', () => {
    const lower = build(stemi, example('stemi'));
    const upper = build(stemi, channel('stemi-type-in-capitals'));
    const written = (b: ReturnType<typeof build>) => b.observations.filter((o) => o.resource).map((o) => o.key);
    expect(written(upper)).toEqual(written(lower));
    expect(written(upper)).toHaveLength(10);
  });

  it('a channel whose type changed keeps what was filed under the old type, unless the entry says otherwise', () => {
    const retyped = channel('stroke-retyped-as-trauma');
    const built = build(stroke, retyped);
    expect(built.observations.every((o) => o.resource === undefined && o.onRemoved === 'keep')).toBe(true);
    expect(entry(built, 'ct_complete')?.notApplicable).toBe('applies to stroke channels; this channel is trauma');
    expect(built.documentNotApplicable).toBe('applies to stroke channels; this channel is trauma');

    const mapping = copy(stroke);
    const ct = mapping.observations.find((o) => o.key === 'ct_complete');
    if (ct) ct.onNotApplicable = 'entered-in-error';
    expect(entry(build(mapping, retyped), 'ct_complete')?.onRemoved).toBe('entered-in-error');
  });

  it('a when condition decides with the channel; a non-boolean result names the entry', () => {
    const walkIn = example('stemi');
    walkIn.method_of_arrival = 'walk_in';
    expect(entry(build(stemi, walkIn), 'door_to_ecg')?.notApplicable).toBeUndefined();
    expect(entry(build(stemi, example('stemi')), 'door_to_ecg')?.notApplicable).toBe(
      'its "when" condition is false for this channel',
    );
    const mapping = copy(stemi);
    const doorToEcg = mapping.observations.find((o) => o.key === 'door_to_ecg');
    if (doorToEcg) doorToEcg.when = 'method_of_arrival';
    expect(() => build(mapping, example('stemi'))).toThrow(
      "Mapping entry observations[key=door_to_ecg].when: the condition gave text, expected true or false; compare something, e.g. method_of_arrival = 'ems'",
    );
  });
});
