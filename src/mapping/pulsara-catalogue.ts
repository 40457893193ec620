import fs from 'node:fs';
import path from 'node:path';

/**
 * mappings/pulsara-catalogue.json, found from this module's folder: src/mapping and
 * dist/mapping both sit two levels below the package root, which ships `mappings/`.
 */
export const CATALOGUE_PATH = path.resolve(__dirname, '..', '..', 'mappings', 'pulsara-catalogue.json');

export interface CataloguePatientType {
  code: string;
  label: string;
}

export interface CatalogueTimelineKey {
  key: string;
  label: string;
  /** The patient type whose channels carry it, or `all`. */
  programme: string;
}

/** Two timeline keys whose times, when both are set, should fall in this order. */
export interface ExpectedOrder {
  earlier: string;
  later: string;
}

/** What Pulsara sends that a mapping may name (docs/pulsara-api.md), read once. */
export interface PulsaraCatalogue {
  patientTypes: CataloguePatientType[];
  timelineKeys: CatalogueTimelineKey[];
  /** How Pulsara begins the keys of an organisation's own timeline items. */
  customKeyPrefix: string;
  expectedOrder: ExpectedOrder[];
}

let loaded: PulsaraCatalogue | undefined;

/** The catalogue (read from the file on first use, then shared and frozen). */
export function pulsaraCatalogue(): PulsaraCatalogue {
  if (!loaded) {
    const parsed = JSON.parse(fs.readFileSync(CATALOGUE_PATH, 'utf8')) as PulsaraCatalogue;
    loaded = Object.freeze({
      patientTypes: parsed.patientTypes,
      timelineKeys: parsed.timelineKeys,
      customKeyPrefix: parsed.customKeyPrefix,
      expectedOrder: parsed.expectedOrder,
    });
  }
  return loaded;
}

/** The catalogue's patient type written `value` in any case, or undefined. */
export function findPatientType(value: string): CataloguePatientType | undefined {
  const wanted = value.trim().toLowerCase();
  return pulsaraCatalogue().patientTypes.find((type) => type.code === wanted);
}

export function findTimelineKey(key: string): CatalogueTimelineKey | undefined {
  return pulsaraCatalogue().timelineKeys.find((entry) => entry.key === key);
}

/** "Last known well" for a known key, the key itself otherwise. */
export function timelineLabel(key: string): string {
  return findTimelineKey(key)?.label ?? key;
}
