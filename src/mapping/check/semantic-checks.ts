import { IDENTIFIER_CREATED, IDENTIFIER_UPDATED } from '../../pulsara/types';
import { catalogueProblems } from './catalogue-checks';
import { fhirPathProblem } from './fhirpath-syntax';
import type { MappingProblem, PathSegment } from './problems';
import { jsonPath } from './problems';
import { closestMatch, suggestionText } from './suggest';
import { uriProblem } from './uri-check';

/*
 * Checks that JSON Schema cannot express: cross-references, uniqueness by a field,
 * FHIRPath syntax, URI form. They read the file defensively (it may also have failed
 * the schema) so that one run reports every problem.
 */

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

class ProblemList {
  readonly items: MappingProblem[] = [];
  add(segments: PathSegment[], message: string): void {
    this.items.push({ path: jsonPath(segments), message });
  }
}

function checkCodeRef(problems: ProblemList, codeNames: string[] | undefined, value: unknown, at: PathSegment[]): void {
  if (codeNames === undefined || typeof value !== 'string' || value === '' || codeNames.includes(value)) {
    return;
  }
  const guess = closestMatch(value, codeNames);
  const fix = guess ? `did you mean '${guess}'?` : `add it to 'codes', or use one of: ${codeNames.join(', ')}`;
  problems.add(at, `'${value}' is not a name in 'codes' — ${fix}`);
}

function checkExpression(problems: ProblemList, value: unknown, at: PathSegment[]): void {
  if (typeof value !== 'string' || value.trim() === '') {
    return;
  }
  const problem = fhirPathProblem(value);
  if (problem) {
    problems.add(at, problem);
  }
}

function checkUri(problems: ProblemList, value: unknown, at: PathSegment[]): void {
  if (typeof value !== 'string' || value === '') {
    return;
  }
  const problem = uriProblem(value);
  if (problem) {
    problems.add(at, problem);
  }
}

function checkTriggers(problems: ProblemList, mapping: Json): void {
  const triggers = isRecord(mapping.triggers) ? mapping.triggers : undefined;
  const events = strings(triggers?.events);
  const hasCreated = events.includes(IDENTIFIER_CREATED);
  const hasUpdated = events.includes(IDENTIFIER_UPDATED);
  if (hasCreated !== hasUpdated) {
    const missing = hasCreated ? IDENTIFIER_UPDATED : IDENTIFIER_CREATED;
    problems.add(
      ['triggers', 'events'],
      `also list '${missing}': Pulsara fires only '.created' when a channel is made with the identifier already filled in, and only '.updated' when it is typed in later`,
    );
  }
  const names = triggers ? strings(triggers.identifierNames) : undefined;
  for (const section of ['patient', 'encounter'] as const) {
    const block = mapping[section];
    if (
      !isRecord(block) ||
      typeof block.identifierName !== 'string' ||
      names === undefined ||
      block.identifierName === ''
    ) {
      continue;
    }
    if (!names.includes(block.identifierName)) {
      problems.add(
        [section, 'identifierName'],
        `'${block.identifierName}' is not in triggers.identifierNames — add it there, or entering the ${section === 'patient' ? 'MRN' : 'visit number'} in Pulsara will not start a delivery (${suggestionText(block.identifierName, names, 'identifier name')})`,
      );
    }
  }
  const patient = isRecord(mapping.patient) ? mapping.patient : undefined;
  const encounter = isRecord(mapping.encounter) ? mapping.encounter : undefined;
  if (patient && encounter) {
    if (typeof patient.identifierName === 'string' && patient.identifierName === encounter.identifierName) {
      problems.add(
        ['encounter', 'identifierName'],
        'is the same identifier as patient.identifierName; the visit number (CSN/FIN) is a different Pulsara identifier from the MRN',
      );
    }
    if (typeof patient.system === 'string' && patient.system === encounter.system) {
      problems.add(
        ['encounter', 'system'],
        'is the same system as patient.system; the EHR gives MRNs and visit numbers different identifier systems',
      );
    }
  }
}

function checkSystems(problems: ProblemList, mapping: Json): void {
  for (const section of ['patient', 'encounter'] as const) {
    const block = mapping[section];
    if (isRecord(block)) {
      checkUri(problems, block.system, [section, 'system']);
    }
  }
  const base = mapping.identifierSystem;
  checkUri(problems, base, ['identifierSystem']);
  if (typeof base === 'string' && base.endsWith('/')) {
    problems.add(
      ['identifierSystem'],
      "must not end with '/': the bridge appends /psr, /psr-version and /timeline to it",
    );
  }
  if (isRecord(mapping.codes)) {
    for (const [name, coding] of Object.entries(mapping.codes)) {
      if (isRecord(coding)) {
        checkUri(problems, coding.system, ['codes', name, 'system']);
      }
    }
  }
}

function checkDocument(problems: ProblemList, mapping: Json, codeNames: string[] | undefined): void {
  const document = mapping.document;
  if (!isRecord(document)) {
    return;
  }
  checkCodeRef(problems, codeNames, document.type, ['document', 'type']);
  if (Array.isArray(document.category)) {
    document.category.forEach((name, i) => checkCodeRef(problems, codeNames, name, ['document', 'category', i]));
  }
  checkExpression(problems, document.periodStart, ['document', 'periodStart']);
  checkExpression(problems, document.periodEnd, ['document', 'periodEnd']);
  checkExpression(problems, document.when, ['document', 'when']);
}

function checkObservations(problems: ProblemList, mapping: Json, codeNames: string[] | undefined): void {
  if (!Array.isArray(mapping.observations)) {
    return;
  }
  const firstIndexOfKey = new Map<string, number>();
  mapping.observations.forEach((entry, i) => {
    if (!isRecord(entry)) {
      return;
    }
    const at: PathSegment[] = ['observations', i];
    if (typeof entry.key === 'string') {
      const first = firstIndexOfKey.get(entry.key);
      if (first === undefined) {
        firstIndexOfKey.set(entry.key, i);
      } else {
        problems.add(
          [...at, 'key'],
          `key '${entry.key}' is already used by observations[${first}]; every key must be unique (it names the Observation in the EHR)`,
        );
      }
    }
    checkCodeRef(problems, codeNames, entry.code, [...at, 'code']);
    if (Array.isArray(entry.category)) {
      entry.category.forEach((name, j) => checkCodeRef(problems, codeNames, name, [...at, 'category', j]));
    }
    checkExpression(problems, entry.time, [...at, 'time']);
    checkExpression(problems, entry.effective, [...at, 'effective']);
    checkExpression(problems, entry.when, [...at, 'when']);
    if (isRecord(entry.value)) {
      checkExpression(problems, entry.value.from, [...at, 'value', 'from']);
    }
  });
}

/** Every semantic problem of a mapping file (parsed JSON, possibly malformed). */
export function semanticProblems(mapping: unknown): MappingProblem[] {
  if (!isRecord(mapping)) {
    return [];
  }
  const problems = new ProblemList();
  const codeNames = isRecord(mapping.codes) ? Object.keys(mapping.codes) : undefined;
  checkTriggers(problems, mapping);
  checkSystems(problems, mapping);
  checkDocument(problems, mapping, codeNames);
  checkObservations(problems, mapping, codeNames);
  return [...problems.items, ...catalogueProblems(mapping)];
}
