/**
 * What one delivery wrote to the EHR: produced by the writer (ehr/), kept in the ledger
 * (store/), shown to operators. Ids and counts only, never PHI.
 */
export interface WriteOutcome {
  patientId?: string;
  encounterId?: string;
  documentReferenceId?: string;
  /** Ids of DocumentReferences set to superseded by this delivery. */
  supersededIds?: string[];
  /** Observation id per mapping key. */
  observationIds?: Record<string, string>;
  /** Observation ids marked entered-in-error because their time was removed. */
  retractedIds?: string[];
  /** DocumentReference ids of this channel found on another patient (MRN corrected), marked entered-in-error. */
  misfiledDocumentIds?: string[];
  /** Resources created, updated, or left as they were. */
  created: number;
  updated: number;
  unchanged: number;
  /** SHA-1 (hex) of the PSR PDF written. */
  summarySha1?: string;
  mappingVersion?: string;
  /** Name of the mapping that made what was written (with mappingVersion). */
  mappingName?: string;
  /** What the mapping warned about for this channel, and what it did about each. */
  warnings?: DeliveryWarning[];
}

/**
 * One mapping warning as the ledger keeps it: the entry (observation key or `document`),
 * its kind (negative-interval, out-of-order…), a plain message without dates or PHI, and
 * whether the entry was written anyway, skipped, or not written.
 */
export interface DeliveryWarning {
  entry: string;
  kind: string;
  message: string;
  action: 'written' | 'skipped' | 'not-written';
}
