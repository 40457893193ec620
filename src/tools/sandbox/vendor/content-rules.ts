import { evalFhirPath } from '@medplum/core';
import type { Encounter, Resource } from '@medplum/fhirtypes';
import type { ContentRule } from '../profiles/types';
import type { Refusal } from './refusals';

/** Reads a stored resource, or undefined when there is none. */
export type ReadStored = (resourceType: string, id: string) => Promise<Resource | undefined>;

/**
 * Checks a resource against a profile's rules and lists every rule it breaks, each as the
 * refusal the vendor would answer with (message and element path).
 */
export async function checkContent(
  resource: Resource,
  rules: readonly ContentRule[],
  read: ReadStored,
): Promise<Refusal[]> {
  const found: Refusal[] = [];
  for (const rule of rules) {
    found.push(...(await checkRule(resource, rule, read)));
  }
  return found;
}

async function checkRule(resource: Resource, rule: ContentRule, read: ReadStored): Promise<Refusal[]> {
  const at = (path: string): string => `${resource.resourceType}.${path}`;
  switch (rule.check) {
    case 'required':
      return evalFhirPath(rule.path, resource).length > 0
        ? []
        : [{ kind: 'required', message: rule.message, expression: at(rule.element ?? rule.path) }];
    case 'count': {
      const n = evalFhirPath(rule.path, resource).length;
      if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
        return [
          { kind: n === 0 ? 'required' : 'invalid', message: rule.message, expression: at(rule.element ?? rule.path) },
        ];
      }
      return [];
    }
    case 'one-of':
      return evalFhirPath(rule.path, resource).every((v) => typeof v === 'string' && rule.values.includes(v))
        ? []
        : [{ kind: 'invalid', message: rule.message, expression: at(rule.element ?? rule.path) }];
    case 'pattern':
      return evalFhirPath(rule.path, resource).every((v) => typeof v === 'string' && rule.pattern.test(v))
        ? []
        : [{ kind: 'invalid', message: rule.message, expression: at(rule.element ?? rule.path) }];
    case 'choice':
      return checkChoice(resource, rule);
    case 'reference-type':
      return referencesAt(resource, rule.path).every((ref) => rule.types.includes(ref.split('/')[0]))
        ? []
        : [{ kind: 'invalid', message: rule.message, expression: at(rule.element ?? rule.path) }];
    case 'encounter-of-subject':
      return (await encountersOfSubject(resource, rule.path, read, rule.open ?? false))
        ? []
        : [{ kind: 'invalid', message: rule.message, expression: at(rule.element ?? rule.path) }];
    case 'when':
      return evalFhirPath(rule.condition, resource)[0] === true ? checkContent(resource, rule.rules, read) : [];
  }
}

/** `value[x]`: which `valueXxx` keys are present, and whether that is allowed. */
function checkChoice(resource: Resource, rule: Extract<ContentRule, { check: 'choice' }>): Refusal[] {
  const prefix = rule.element;
  const present = Object.entries(resource)
    .filter(([key, value]) => value !== undefined && key.startsWith(prefix) && /^[A-Z]/.test(key.slice(prefix.length)))
    .map(([key]) => key);
  const ok =
    present.length === 1
      ? rule.allowed.includes(present[0].slice(prefix.length))
      : present.length === 0 && !rule.required;
  return ok
    ? []
    : [
        {
          kind: present.length === 0 ? 'required' : 'invalid',
          message: rule.message,
          expression: `${resource.resourceType}.${present[0] ?? `${prefix}[x]`}`,
        },
      ];
}

/** Reference strings at a path, whether the path ends at the Reference or at its `reference`. */
function referencesAt(resource: Resource, path: string): string[] {
  return evalFhirPath(path, resource).flatMap((value) => {
    if (typeof value === 'string') {
      return [value];
    }
    const reference = (value as { reference?: unknown } | null)?.reference;
    return typeof reference === 'string' ? [reference] : [''];
  });
}

/** Encounter states in which nothing more can be filed. */
const CLOSED_ENCOUNTER = new Set(['finished', 'cancelled', 'entered-in-error']);

async function encountersOfSubject(
  resource: Resource,
  path: string,
  read: ReadStored,
  open: boolean,
): Promise<boolean> {
  const subject = (resource as { subject?: { reference?: string } }).subject?.reference;
  for (const reference of referencesAt(resource, path)) {
    const [type, id] = reference.split('/');
    if (type !== 'Encounter' || !id) {
      return false;
    }
    const encounter = (await read('Encounter', id)) as Encounter | undefined;
    if (!encounter || !subject || encounter.subject?.reference !== subject) {
      return false;
    }
    if (open && CLOSED_ENCOUNTER.has(encounter.status)) {
      return false;
    }
  }
  return true;
}

/**
 * The key of a resource under a duplicate rule: the values at each path, with date-times
 * compared as instants (`…T10:00:00Z` and `…T05:00:00-05:00` are one reading).
 */
export function duplicateKey(resource: Resource, paths: readonly string[]): string {
  return JSON.stringify(paths.map((path) => evalFhirPath(path, resource).map(asComparable)));
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function asComparable(value: unknown): unknown {
  if (typeof value === 'string' && DATE_TIME.test(value)) {
    const instant = Date.parse(value);
    return Number.isNaN(instant) ? value : new Date(instant).toISOString();
  }
  return value;
}
