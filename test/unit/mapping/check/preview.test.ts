import fs from 'node:fs';
import path from 'node:path';
import { loadMapping } from '../../../../src/mapping/check/loader';
import { previewMapping } from '../../../../src/mapping/check/preview';
import type { MappingFile } from '../../../../src/mapping/types';
import type { PatientChannel } from '../../../../src/pulsara/types';

const repo = path.join(__dirname, '../../../..');
const stroke = loadMapping(path.join(repo, 'mappings/examples/stroke.json'));
const channel = (): PatientChannel =>
  JSON.parse(fs.readFileSync(path.join(repo, 'mappings/examples/channels/stroke.json'), 'utf8')) as PatientChannel;
const pdf = fs.readFileSync(path.join(repo, 'mappings/examples/sample-psr.pdf'));
const now = new Date('2026-11-25T21:00:00Z');

describe('previewMapping', () => {
  it('shows the lookup it would make without the identifier values', () => {
    const preview = previewMapping(stroke, channel(), { now });
    expect(preview.lookup).toEqual({
      patient: {
        identifierName: 'MRN',
        system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14',
        filledIn: true,
        search: 'Patient?identifier=urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14|<MRN>',
      },
      encounter: {
        identifierName: 'CSN',
        system: 'urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8',
        filledIn: true,
        required: true,
        search: 'Encounter?identifier=urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8|<CSN>&patient=<the patient found>',
      },
    });
    expect(JSON.stringify(preview)).not.toContain('E4410982');
    expect(JSON.stringify(preview)).not.toContain('300018842');
  });

  it('says when a delivery would be ignored: no MRN, or no visit number the mapping requires', () => {
    const noMrn = channel();
    noMrn.identifiers = noMrn.identifiers?.map((i) => (i.name === 'MRN' ? { ...i, value: '' } : i));
    expect(previewMapping(stroke, noMrn, { now }).lookup.ignored).toBe(
      'the channel\'s "MRN" identifier is empty, so a delivery would end ignored (identifier-empty) until it is filled in',
    );
    const noCsn = channel();
    noCsn.identifiers = noCsn.identifiers?.filter((i) => i.name !== 'CSN');
    expect(previewMapping(stroke, noCsn, { now }).lookup.ignored).toBe(
      'the channel\'s "CSN" identifier is empty, so a delivery would end ignored (identifier-empty) until it is filled in',
    );
    const optional = JSON.parse(JSON.stringify(stroke)) as MappingFile;
    if (optional.encounter) optional.encounter.required = false;
    expect(previewMapping(optional, noCsn, { now }).lookup.ignored).toBeUndefined();
  });

  it('lists the set times that no applicable entry writes, in local time', () => {
    const preview = previewMapping(stroke, channel(), { now });
    expect(preview.unmappedTimes.map((t) => t.key)).toEqual([
      'first_medical_contact',
      'dispatch',
      'ems_on_scene',
      'ems_depart_scene',
      'symptom_discovery',
      'stroke_alert',
      'ct_read',
      'cta_complete',
      'lvo_identified',
      'thrombolytic_decision',
      'ir_activation',
    ]);
    expect(preview.unmappedTimes[0]).toEqual({
      key: 'first_medical_contact',
      label: 'First medical contact',
      time: '2026-11-25T18:39:00Z',
      local: '2026-11-25 12:39:00 CST',
    });
  });

  it("says why each entry is skipped, and shows written values in the site's local time", () => {
    const preview = previewMapping(stroke, channel(), { now, summary: pdf });
    const byKey = new Map(preview.observations.map((o) => [o.key, o]));
    expect(byKey.get('ed_arrival')).toMatchObject({ status: 'written', valueText: '2026-11-25 13:02:40 CST' });
    expect(byKey.get('door_to_needle')).toMatchObject({ status: 'written', valueText: '34 min' });
    expect(byKey.get('lkw_to_door')).toMatchObject({ status: 'written', valueText: '0.96 h' });
    expect(byKey.get('reperfusion')).toMatchObject({
      status: 'skipped',
      skipReason: 'time-not-set',
      notWritten:
        "time: the channel's timeline entry 'reperfusion' is not set yet; an Observation written earlier would be marked entered-in-error",
    });
    expect(preview.document).toEqual({ status: 'written' });
    expect(preview.documentReference?.content[0].attachment.size).toBe(pdf.length);
    expect(preview.warnings).toEqual([]);
    expect(preview.errors).toEqual([]);
  });

  it('lists an entry that fails on this channel instead of stopping the whole preview', () => {
    const mapping = JSON.parse(JSON.stringify(stroke)) as MappingFile;
    mapping.observations[1].time = 'timeline.time';
    const preview = previewMapping(mapping, channel(), { now });
    expect(preview.errors).toEqual([
      {
        entry: 'observations[key=ed_arrival]',
        message:
          'Mapping entry observations[key=ed_arrival].time: the expression gave 18 values, expected one date-time; narrow it (e.g. with .first() or a more specific where())',
      },
    ]);
    expect(preview.observations[1]).toMatchObject({ key: 'ed_arrival', status: 'skipped', skipReason: 'error' });
    expect(preview.observations.filter((o) => o.status === 'written')).toHaveLength(10);
  });
});
