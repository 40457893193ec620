import path from 'node:path';
import { buildResources } from '../../../../src/mapping/build/build-resources';
import { loadMapping } from '../../../../src/mapping/check/loader';
import { missingTimeText, whyNoTime } from '../../../../src/mapping/build/missing-time';
import { toPreview } from '../../../../src/mapping/check/preview';
import type { MappingFile } from '../../../../src/mapping/types';
import type { PatientChannel } from '../../../../src/pulsara/types';

const channel: PatientChannel = {
  id: 'pc_test',
  timeline: [
    { key: 'ed_arrival', time: '2026-11-25T18:41:05Z' },
    { key: 'ct_complete', time: null },
  ],
};

describe('whyNoTime', () => {
  it('tells a timeline key the channel does not have from one whose time is empty', () => {
    expect(whyNoTime('time', "timeline.where(key='ct_compelte').time", channel)).toEqual({
      field: 'time',
      reason: 'no-timeline-entry',
      timelineKey: 'ct_compelte',
    });
    expect(whyNoTime('time', "timeline.where(key='ct_complete').time", channel)).toEqual({
      field: 'time',
      reason: 'not-set-yet',
      timelineKey: 'ct_complete',
    });
  });

  it('reads the key with spaces around the parts and further steps after it', () => {
    expect(whyNoTime('value.from', " timeline . where ( key = 'door' ) .time.first()", channel)).toEqual({
      field: 'value.from',
      reason: 'no-timeline-entry',
      timelineKey: 'door',
    });
  });

  it('says only that nothing was found for any other expression, or when the entry has a time', () => {
    expect(whyNoTime('time', "extension.where(url='x').valueDateTime", channel)).toEqual({
      field: 'time',
      reason: 'no-result',
    });
    expect(whyNoTime('time', "timeline.where(key='ed_arrival').time.where($this > @2030-01-01)", channel)).toEqual({
      field: 'time',
      reason: 'no-result',
    });
    expect(whyNoTime('time', "timeline.where(key='ct_complete' or key='ed_arrival').time", channel)).toEqual({
      field: 'time',
      reason: 'no-result',
    });
  });

  it('takes a channel without a timeline as having no entries', () => {
    expect(whyNoTime('time', "timeline.where(key='ed_arrival').time", { id: 'pc_empty' })).toMatchObject({
      reason: 'no-timeline-entry',
      timelineKey: 'ed_arrival',
    });
  });
});

describe('missingTimeText', () => {
  it.each([
    [
      { field: 'time', reason: 'no-timeline-entry', timelineKey: 'ct_compelte' },
      "time: the channel has no timeline entry 'ct_compelte' (misspelt key, or not used by this organisation)",
    ],
    [
      { field: 'value.from', reason: 'not-set-yet', timelineKey: 'ed_arrival' },
      "value.from: the channel's timeline entry 'ed_arrival' is not set yet",
    ],
    [{ field: 'time', reason: 'no-result' }, 'time: the expression found no time in this channel'],
  ] as const)('words %j', (missing, text) => {
    expect(missingTimeText(missing)).toBe(text);
  });
});

describe('an entry without its time, built and previewed', () => {
  const base = loadMapping(path.join(__dirname, '../../../fixtures/mappings/minimal.json'));

  function previewOf(observation: Partial<MappingFile['observations'][number]>): string | undefined {
    const mapping = JSON.parse(JSON.stringify(base)) as MappingFile;
    Object.assign(mapping.observations[0], observation);
    const built = buildResources(mapping, {
      channel,
      patient: { reference: 'Patient/p1' },
      now: new Date('2026-11-25T19:05:00Z'),
    });
    return toPreview(mapping, channel.id, built).observations[0].notWritten;
  }

  it('says when the time reads a timeline key the channel lacks', () => {
    expect(previewOf({ time: "timeline.where(key='ct_compelte').time" })).toBe(
      "time: the channel has no timeline entry 'ct_compelte' (misspelt key, or not used by this organisation); an Observation written earlier would be marked entered-in-error",
    );
  });

  it('says when the time is there but not entered yet', () => {
    expect(previewOf({ time: "timeline.where(key='ct_complete').time", onRemoved: 'keep' })).toBe(
      "time: the channel's timeline entry 'ct_complete' is not set yet; an Observation written earlier would be kept",
    );
  });

  it("names value.from when an interval's start is what is missing", () => {
    const text = previewOf({
      time: "timeline.where(key='ed_arrival').time",
      value: { type: 'minutesSince', from: "timeline.where(key='door').time" },
    });
    expect(text).toMatch(/^value\.from: the channel has no timeline entry 'door' /);
  });

  it('keeps the general wording for other expressions', () => {
    expect(previewOf({ time: "timeline.where(key='ed_arrival').time.where($this > @2030-01-01T00:00:00Z)" })).toMatch(
      /^time: the expression found no time in this channel;/,
    );
  });
});
