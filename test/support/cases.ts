import { randomBytes } from 'node:crypto';
import type { Bundle, DocumentReference, Observation, Resource } from '@medplum/fhirtypes';
import type { PatientChannel } from '../../src/pulsara/types';
import { seedSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox } from '../../src/tools/sandbox';
import { seedChannels, STROKE_CHANNEL_ID } from '../../src/tools/simulator';
import type { RunningSimulator } from '../../src/tools/simulator';

/**
 * Pulsara cases of their own for tests that share a simulator and an EHR sandbox, so that
 * no test reads or changes another's channel, patient or written resources.
 */

/** One Pulsara case: a channel in the simulator and its patient and visit in the EHR. */
export interface CaseFixture {
  channelId: string;
  /** Opaque test values (not real PHI), distinct per case. */
  mrn: string;
  csn: string;
  patientId: string;
  encounterId: string;
  /** The timeline times that are set; each must become exactly one Observation. */
  setTimes: string[];
}

/** What the EHR holds for one case's patient. */
export interface WrittenResources {
  documents: DocumentReference[];
  observations: Observation[];
}

let cases = 0;

/**
 * A new channel in the simulator (the sample stroke case with its own ids and times, CT not
 * yet done) and its patient and visit in the sandbox. Both run in the test process: the case
 * is put straight into their state, which is set-up, not what any test is about, and several
 * times faster than over HTTP (the replicas test makes 200).
 */
export async function addCase(simulator: RunningSimulator, sandbox: RunningSandbox): Promise<CaseFixture> {
  cases += 1;
  const tag = `${randomBytes(3).toString('hex')}${cases}`;
  const channelId = `pc_case_${tag}`;
  const mrn = `T${tag.toUpperCase()}`;
  const csn = `9${parseInt(tag, 16)}`;
  const minute = String(cases % 60).padStart(2, '0');
  const setTimes = [`2026-11-25T18:${minute}:00Z`, `2026-11-25T17:${minute}:00-06:00`, `2026-11-25T19:${minute}:30Z`];
  // From the seed, not from the simulator: another test may have edited its sample channel.
  const sample = seedChannels().find((channel) => channel.id === STROKE_CHANNEL_ID);
  if (!sample) {
    throw new Error(`the simulator no longer seeds ${STROKE_CHANNEL_ID}`);
  }
  const channel: PatientChannel = {
    ...sample,
    id: channelId,
    identifiers: [
      { id: 'cid_501', name: 'MRN', category: 'hospital', value: mrn },
      { id: 'cid_502', name: 'CSN', category: 'hospital', value: csn },
    ],
    timeline: [
      { key: 'first_medical_contact', label: 'First Contact', time: setTimes[0], set_by: 'Metro EMS' },
      { key: 'last_known_well', label: 'Last Known Well', time: setTimes[1], set_by: 'Metro EMS' },
      { key: 'ed_arrival', label: 'ER Door', time: setTimes[2], set_by: 'Mercy General Hospital' },
      { key: 'ct_complete', label: 'CT/CTA Complete', time: null, set_by: null },
    ],
  };
  simulator.state.putChannel(channel);
  const { patientId, encounterId } = await seedSandbox(sandbox.repo, { mrn, csn });
  return { channelId, mrn, csn, patientId, encounterId, setTimes };
}

/** Every DocumentReference and Observation the sandbox at `sandboxUrl` holds for the case's patient. */
export async function writtenFor(sandboxUrl: string, fixture: CaseFixture): Promise<WrittenResources> {
  const search = async <T extends Resource>(type: string): Promise<T[]> => {
    const res = await fetch(`${sandboxUrl}/${type}?subject=Patient/${fixture.patientId}&_count=1000`, {
      headers: { Accept: 'application/fhir+json' },
    });
    if (!res.ok) {
      throw new Error(`GET ${type} -> ${res.status}`);
    }
    const bundle = (await res.json()) as Bundle<T>;
    return (bundle.entry ?? []).map((entry) => entry.resource as T);
  };
  return {
    documents: await search<DocumentReference>('DocumentReference'),
    observations: await search<Observation>('Observation'),
  };
}
