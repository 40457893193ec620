/**
 * The channels the simulator starts with: the contract's sample stroke case, byte for
 * byte (CT still pending, so one `time: null`), and a STEMI case with every time set.
 * test/fixtures/channels/stroke-ct-pending.json and stemi.json hold the same JSON; a unit
 * test keeps them in step.
 */
import type { PatientChannel } from '../../pulsara/types';

/** Id of the contract's sample stroke channel. */
export const STROKE_CHANNEL_ID = 'pc_7f3a9c21';
/** Id of the seeded STEMI channel. */
export const STEMI_CHANNEL_ID = 'pc_5b21e8d4';

const STROKE_CHANNEL: PatientChannel = {
  id: STROKE_CHANNEL_ID,
  status: 'active',
  patient_type: 'stroke',
  method_of_arrival: 'ems',
  created_at: '2026-11-25T18:41:05Z',
  updated_at: '2026-11-25T19:03:11Z',
  organization: { id: 'org_12', name: 'Mercy General Hospital' },
  patient: {
    first_name: 'Ana',
    last_name: 'Ruiz',
    dob: '1951-04-09',
    gender: 'female',
    age: 75,
  },
  identifiers: [
    { id: 'cid_501', name: 'MRN', category: 'hospital', value: 'E4410982' },
    { id: 'cid_502', name: 'CSN', category: 'hospital', value: '300018842' },
  ],
  timeline: [
    { key: 'first_medical_contact', label: 'First Contact', time: '2026-11-25T18:39:00Z', set_by: 'Metro EMS' },
    { key: 'last_known_well', label: 'Last Known Well', time: '2026-11-25T18:05:00-06:00', set_by: 'Metro EMS' },
    { key: 'ed_arrival', label: 'ER Door', time: '2026-11-25T19:02:40Z', set_by: 'Mercy General Hospital' },
    { key: 'ct_complete', label: 'CT/CTA Complete', time: null, set_by: null },
  ],
};

const STEMI_CHANNEL: PatientChannel = {
  id: STEMI_CHANNEL_ID,
  status: 'stopped',
  patient_type: 'stemi',
  method_of_arrival: 'ems',
  created_at: '2026-11-26T07:12:30Z',
  updated_at: '2026-11-26T08:20:02Z',
  organization: { id: 'org_12', name: 'Mercy General Hospital' },
  patient: {
    first_name: 'Walter',
    last_name: 'Okafor',
    dob: '1960-02-17',
    gender: 'male',
    age: 66,
  },
  identifiers: [
    { id: 'cid_501', name: 'MRN', category: 'hospital', value: 'E5520417' },
    { id: 'cid_502', name: 'CSN', category: 'hospital', value: '300021907' },
  ],
  timeline: [
    { key: 'first_medical_contact', label: 'First Contact', time: '2026-11-26T07:05:00Z', set_by: 'Metro EMS' },
    { key: 'first_ecg', label: 'First ECG', time: '2026-11-26T07:09:00Z', set_by: 'Metro EMS' },
    { key: 'stemi_activation', label: 'STEMI Activation', time: '2026-11-26T07:11:00Z', set_by: 'Metro EMS' },
    { key: 'ed_arrival', label: 'ER Door', time: '2026-11-26T07:31:10Z', set_by: 'Mercy General Hospital' },
    {
      key: 'cath_lab_arrival',
      label: 'Cath Lab Arrival',
      time: '2026-11-26T07:44:00Z',
      set_by: 'Mercy General Hospital',
    },
    { key: 'device_time', label: 'Device Time', time: '2026-11-26T07:58:00Z', set_by: 'Mercy General Hospital' },
  ],
};

/** Fresh deep copies of the seeded channels (callers may mutate them freely). */
export function seedChannels(): PatientChannel[] {
  return [structuredClone(STROKE_CHANNEL), structuredClone(STEMI_CHANNEL)];
}
