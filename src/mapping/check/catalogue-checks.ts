import { timelineKeysRead } from '../build/timeline-keys';
import { isSiteTimeZone } from '../build/time-zone';
import { findPatientType, findTimelineKey, pulsaraCatalogue } from '../pulsara-catalogue';
import type { MappingProblem, PathSegment } from './problems';
import { jsonPath } from './problems';
import { closestMatch } from './suggest';

/*
 * Checks against what Pulsara sends (mappings/pulsara-catalogue.json) and the fields that
 * depend on it: the site's time zone, patient types, the timeline keys expressions read,
 * and conditions. Like the other semantic checks, they read the file defensively.
 */

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Expression fields of an entry that may read timeline keys, with their paths. */
const OBSERVATION_EXPRESSIONS: { field: string; get: (entry: Json) => unknown; at: PathSegment[] }[] = [
  { field: 'time', get: (e) => e.time, at: ['time'] },
  { field: 'value.from', get: (e) => (isRecord(e.value) ? e.value.from : undefined), at: ['value', 'from'] },
  { field: 'effective', get: (e) => e.effective, at: ['effective'] },
  { field: 'when', get: (e) => e.when, at: ['when'] },
];
const DOCUMENT_EXPRESSIONS: PathSegment[][] = [['periodStart'], ['periodEnd'], ['when']];

/** A three-letter zone (EST, CST6CDT, GMT): the runtime may know it, but it is no place. */
const ABBREVIATION = /^[A-Z]{2,5}(\d{1,2}([A-Z]{2,4})?)?$/;

function timeZoneProblem(zone: string): string | undefined {
  if (isSiteTimeZone(zone)) {
    return undefined;
  }
  if (ABBREVIATION.test(zone)) {
    return `'${zone}' is an abbreviation, not a time zone name: write the IANA name of your site's zone, e.g. America/Chicago or America/New_York, so that daylight saving time is followed`;
  }
  const guess = closestMatch(zone, Intl.supportedValuesOf('timeZone'));
  return guess
    ? `'${zone}' is not an IANA time zone — did you mean '${guess}'?`
    : `'${zone}' is not an IANA time zone; write your site's, e.g. America/Chicago, America/New_York or America/Los_Angeles`;
}

function patientTypeProblem(value: string): string | undefined {
  if (value.trim() === '' || findPatientType(value)) {
    return undefined;
  }
  const codes = pulsaraCatalogue().patientTypes.map((t) => t.code);
  const guess = closestMatch(value, codes);
  return guess
    ? `'${value}' is not a Pulsara patient type — did you mean '${guess}'?`
    : `'${value}' is not a Pulsara patient type; Pulsara's types are ${codes.join(', ')}`;
}

/** `patient_type = 'STEMI'` and the like: a case-sensitive comparison that silently fails. */
const PATIENT_TYPE_COMPARISON = /\bpatient_type\s*(?:=|!=|~|!~)\s*'([^'\\]*)'/g;

function patientTypeComparisonProblem(expression: string): string | undefined {
  for (const match of expression.matchAll(PATIENT_TYPE_COMPARISON)) {
    const literal = match[1];
    const known = findPatientType(literal);
    if (known && known.code === literal) {
      continue;
    }
    const why = known
      ? `which never matches: Pulsara sends patient types in lower case ('${known.code}')`
      : `which is not a Pulsara patient type (${pulsaraCatalogue()
          .patientTypes.map((t) => t.code)
          .join(', ')})`;
    return `compares patient_type with '${literal}', ${why}; use "patientTypes": ["${known?.code ?? 'stroke'}"] on the entry instead, which ignores case`;
  }
  return undefined;
}

/** The Pulsara key whose label names the word (`door` in "ED arrival (door)"), when only one does. */
function keyByLabel(word: string): string | undefined {
  const pattern = new RegExp(`\\b${word.replace(/[^A-Za-z0-9]/g, '')}\\b`, 'i');
  const found = pulsaraCatalogue().timelineKeys.filter((k) => word.length >= 3 && pattern.test(k.label));
  return found.length === 1 ? found[0].key : undefined;
}

function unknownKeyProblem(key: string, customAllowed: boolean): string {
  const keys = pulsaraCatalogue().timelineKeys.map((k) => k.key);
  const guess = closestMatch(key, keys) ?? keyByLabel(key);
  const custom = customAllowed
    ? ` If it is an item your organisation added in Pulsara, list it in this entry's "customTimelineKeys".`
    : '';
  return `reads the timeline key '${key}', which is not one of Pulsara's${guess ? ` — did you mean '${guess}'?` : ' (see the list in docs/mapping-guide.md).'}${custom}`;
}

class Problems {
  readonly items: MappingProblem[] = [];
  add(at: PathSegment[], message: string | undefined): void {
    if (message !== undefined) {
      this.items.push({ path: jsonPath(at), message });
    }
  }
}

function checkPatientTypes(problems: Problems, block: Json, at: PathSegment[]): void {
  if (Array.isArray(block.patientTypes)) {
    block.patientTypes.forEach((value, i) => {
      if (typeof value === 'string') {
        problems.add([...at, 'patientTypes', i], patientTypeProblem(value));
      }
    });
  }
}

/** The programmes an entry is limited to, or undefined when it applies to every channel. */
function programmesOf(entry: Json): string[] | undefined {
  const types = strings(entry.patientTypes)
    .map((t) => findPatientType(t)?.code)
    .filter((t): t is string => t !== undefined);
  return types.length > 0 ? types : undefined;
}

function checkObservation(problems: Problems, entry: Json, at: PathSegment[]): void {
  checkPatientTypes(problems, entry, at);
  const custom = strings(entry.customTimelineKeys);
  const programmes = programmesOf(entry);
  const readKeys = new Set<string>();
  for (const expression of OBSERVATION_EXPRESSIONS) {
    const value = expression.get(entry);
    if (typeof value !== 'string') {
      continue;
    }
    problems.add([...at, ...expression.at], patientTypeComparisonProblem(value));
    for (const key of timelineKeysRead(value)) {
      readKeys.add(key);
      const known = findTimelineKey(key);
      if (!known) {
        if (!custom.includes(key)) {
          problems.add([...at, ...expression.at], unknownKeyProblem(key, true));
        }
      } else if (programmes && known.programme !== 'all' && !programmes.includes(known.programme)) {
        problems.add(
          [...at, ...expression.at],
          `reads '${key}', a ${known.programme} timeline key, but the entry applies to ${programmes.join(', ')} channels only, which do not carry it: add '${known.programme}' to patientTypes, or read another key`,
        );
      }
    }
  }
  custom.forEach((key, i) => {
    if (findTimelineKey(key)) {
      problems.add(
        [...at, 'customTimelineKeys', i],
        `'${key}' is one of Pulsara's own timeline keys, not your organisation's; remove it from customTimelineKeys`,
      );
    } else if (!readKeys.has(key)) {
      problems.add(
        [...at, 'customTimelineKeys', i],
        `'${key}' is not read by this entry's time, value.from, effective or when; remove it, or check the key's spelling there`,
      );
    }
  });
  if (entry.onNotApplicable !== undefined && entry.patientTypes === undefined && entry.when === undefined) {
    problems.add(
      [...at, 'onNotApplicable'],
      'has no effect: this entry has no patientTypes or when, so it always applies; remove it, or add a condition',
    );
  }
  const range = isRecord(entry.value) && isRecord(entry.value.expectedRange) ? entry.value.expectedRange : undefined;
  if (range && typeof range.min === 'number' && typeof range.max === 'number' && range.min > range.max) {
    problems.add([...at, 'value', 'expectedRange'], `min (${range.min}) is above max (${range.max}); swap them`);
  }
}

function checkDocument(problems: Problems, document: Json): void {
  checkPatientTypes(problems, document, ['document']);
  for (const field of DOCUMENT_EXPRESSIONS) {
    const value = document[field[0] as string];
    if (typeof value !== 'string') {
      continue;
    }
    problems.add(['document', ...field], patientTypeComparisonProblem(value));
    for (const key of timelineKeysRead(value)) {
      if (!findTimelineKey(key)) {
        problems.add(['document', ...field], unknownKeyProblem(key, false));
      }
    }
  }
}

/** Every problem of a mapping against Pulsara's catalogue and the site's time zone. */
export function catalogueProblems(mapping: Json): MappingProblem[] {
  const problems = new Problems();
  if (typeof mapping.timeZone === 'string' && mapping.timeZone !== '') {
    problems.add(['timeZone'], timeZoneProblem(mapping.timeZone));
  }
  if (isRecord(mapping.document)) {
    checkDocument(problems, mapping.document);
  }
  if (Array.isArray(mapping.observations)) {
    mapping.observations.forEach((entry, i) => {
      if (isRecord(entry)) {
        checkObservation(problems, entry, ['observations', i]);
      }
    });
  }
  return problems.items;
}
