import type { ErrorObject } from 'ajv';
import type { MappingProblem, PathSegment } from './problems';
import { jsonPath, pointerToSegments } from './problems';
import { closestMatch, suggestionText } from './suggest';

/** Subschema fields ajv hands back with `verbose: true`, as far as the translation needs them. */
interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  patternErrorMessage?: string;
  propertyNames?: SchemaNode;
  /** The message of a `{ "not": {} }` that forbids a field in some branch. */
  notMessage?: string;
  /** What to say about particular unknown fields (e.g. `unit` on an interval). */
  additionalPropertyMessages?: Record<string, string>;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text in double quotes',
  array: 'a list in square brackets [ … ]',
  object: 'a group of fields in braces { … }',
  boolean: 'true or false (without quotes)',
  number: 'a number',
  integer: 'a whole number',
  null: 'null',
};

function describeType(types: unknown): string {
  const list = Array.isArray(types) ? types : [types];
  return list.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a group of fields';
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  // A sentence ends at a full stop before a capital letter or the end, not inside "e.g. x".
  const end = text.search(/\.(\s+[A-Z]|$)/);
  return end === -1 ? text : text.slice(0, end);
}

/** One ajv error in plain words, at the path an editor should look at. */
function translate(error: ErrorObject): MappingProblem | undefined {
  const at: PathSegment[] = pointerToSegments(error.instancePath);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = String(params.missingProperty);
      // A 'then' branch requires a field declared one level up: explain it by the choice made.
      const hint =
        firstSentence(parent.properties?.[field]?.description) ??
        (error.schemaPath.endsWith('/then/required') ? 'needed with the type chosen here' : undefined);
      return {
        path: jsonPath([...at, field]),
        message: `missing required field '${field}'${hint ? ` (${hint})` : ''}`,
      };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const messages = parent.additionalPropertyMessages ?? {};
      const explained = Object.prototype.hasOwnProperty.call(messages, field) ? messages[field] : undefined;
      return {
        path: jsonPath([...at, field]),
        message: explained ?? `unknown field '${field}' — ${suggestionText(field, known, 'field')}`,
      };
    }
    case 'type':
      return { path: jsonPath(at), message: `must be ${describeType(params.type)}, not ${describeValue(error.data)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = closestMatch(String(error.data), allowed);
      const words = allowed.length === 1 ? `must be ${allowed[0]}` : `must be one of ${allowed.join(', ')}`;
      return {
        path: jsonPath(at),
        message: `is ${describeValue(error.data)} but ${words}${guess ? ` — did you mean '${guess}'?` : ''}`,
      };
    }
    case 'const':
      return { path: jsonPath(at), message: `must be ${String(params.allowedValue)}` };
    case 'minLength':
      return { path: jsonPath(at), message: 'must not be empty' };
    case 'minItems':
      return {
        path: jsonPath(at),
        message: `must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`,
      };
    case 'minProperties':
      return {
        path: jsonPath(at),
        message: `must define at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`,
      };
    case 'uniqueItems':
      return {
        path: jsonPath([...at, Number(params.j)]),
        message: `repeats item ${String(params.i)} of the same list; remove one of them`,
      };
    case 'pattern':
      return {
        path: jsonPath(at),
        message: `${describeValue(error.data)} is not allowed: ${parent.patternErrorMessage ?? `it must match ${String(params.pattern)}`}`,
      };
    case 'propertyNames': {
      const name = String(params.propertyName);
      const rule = parent.propertyNames?.patternErrorMessage ?? 'this name is not allowed';
      return { path: jsonPath([...at, name]), message: `the name '${name}' is not allowed: ${rule}` };
    }
    case 'not':
      return { path: jsonPath(at), message: parent.notMessage ?? 'is not allowed here; remove it' };
    case 'false schema': {
      const field = at[at.length - 1];
      return { path: jsonPath(at), message: `the field '${String(field)}' is not used here; remove it` };
    }
    case 'format':
      return { path: jsonPath(at), message: `must be a valid ${String(params.format)}` };
    case 'if':
      // The branch that failed ("then"/"else") reports the real problem itself.
      return undefined;
    default:
      return { path: jsonPath(at), message: error.message ?? `fails the '${error.keyword}' rule` };
  }
}

/**
 * Translates ajv's errors into problems for an editor. Errors on the name of a property
 * (propertyNames) come twice from ajv, once for the pattern and once for the wrapper;
 * only the explained one is kept.
 */
export function ajvErrorsToProblems(errors: readonly ErrorObject[] | null | undefined): MappingProblem[] {
  const problems: MappingProblem[] = [];
  for (const error of errors ?? []) {
    if (error.keyword === 'pattern' && error.propertyName !== undefined) {
      continue;
    }
    const problem = translate(error);
    if (problem) {
      problems.push(problem);
    }
  }
  return problems;
}
