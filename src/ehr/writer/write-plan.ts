import type { Resource } from '@medplum/fhirtypes';

/**
 * What one delivery must change in the EHR, computed from the EHR's current state before
 * anything is written. Both dialects execute the same plan; an empty `steps` list means
 * the EHR already holds exactly what the delivery would write.
 */

/** Why a step exists; drives the WriteOutcome fields. */
export type StepPurpose =
  /** The new version of the PSR DocumentReference (or a superseded one made current again). */
  | 'document'
  /** A prior current version of the channel's PSR, set to superseded. */
  | 'supersede'
  /** A prior version filed on another patient (the MRN was corrected), set to entered-in-error. */
  | 'misfiled'
  /** A timestamp Observation, created or brought up to date. */
  | 'observation'
  /** A timestamp Observation whose time was removed, set to entered-in-error. */
  | 'retract';

export interface WriteStep {
  purpose: StepPurpose;
  /** Mapping key of an observation step. */
  key?: string;
  method: 'POST' | 'PUT';
  resourceType: string;
  /** Target of a PUT. */
  id?: string;
  /** Version the PUT expects (If-Match), when the server gave one. */
  versionId?: string;
  /** Search query of a conditional create (POST), e.g. `identifier=sys|val`. */
  ifNoneExist?: string;
  resource: Resource;
}

/** A resource the plan leaves as it is, but reports. */
export interface UnchangedResource {
  purpose: 'document' | 'observation';
  key?: string;
  id: string;
  /** False for an Observation already entered-in-error: it is not "in force" for its key. */
  inForce: boolean;
}

export interface WritePlan {
  /** In execution order: document, then prior versions, then observations. */
  steps: WriteStep[];
  unchanged: UnchangedResource[];
}

/** How the EHR answered one executed step. */
export interface StepResult {
  id: string;
  /** `unchanged` when a conditional create found the resource already there. */
  result: 'created' | 'updated' | 'unchanged';
}
