import { ajvErrorsToProblems } from './ajv-problems';
import { duplicateKeyProblems } from './duplicate-keys';
import { parseJsonText } from './json-text';
import type { MappingProblem } from './problems';
import { sortProblems, uniqueProblems } from './problems';
import { mappingSchemaValidator } from './schema-validator';
import { semanticProblems } from './semantic-checks';

/**
 * Every problem of a parsed mapping: the JSON Schema's (in plain words), the checks a
 * schema cannot make, and, when the file's `text` is given, keys written twice in one
 * object (which JSON.parse hides by keeping the last). Sorted in file order.
 */
export function mappingProblems(value: unknown, sourceName?: string, text?: string): MappingProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [
      {
        path: '$',
        message: `${sourceName ?? 'the mapping file'} must hold one JSON object { … } with name, version, triggers, patient, identifierSystem, codes and observations`,
      },
    ];
  }
  const validate = mappingSchemaValidator();
  const schemaProblems = validate(value) ? [] : ajvErrorsToProblems(validate.errors);
  const duplicates = text === undefined ? [] : duplicateKeyProblems(text);
  return sortProblems(uniqueProblems([...duplicates, ...schemaProblems, ...semanticProblems(value)]));
}

/**
 * Every problem in a mapping, at once: the JSON Schema's (in plain words) and then the
 * checks a schema cannot make (code names that exist, unique keys, FHIRPath that parses,
 * URIs, identifier names that are triggers, Pulsara's timeline keys and patient types, the
 * site's time zone), in file order. An empty list means the
 * mapping is usable.
 *
 * `json` is the parsed file; a string or Buffer is taken as the file's text and parsed
 * here, so a syntax error is reported with its line and column, and a key written twice
 * in one object is reported too (only the text shows it). `sourceName` names the file
 * in the few messages that need it.
 */
export function validateMapping(json: unknown, sourceName?: string): MappingProblem[] {
  if (typeof json === 'string' || Buffer.isBuffer(json)) {
    const text = json.toString();
    const parsed = parseJsonText(text);
    return parsed.ok ? mappingProblems(parsed.value, sourceName, text) : [parsed.problem];
  }
  return mappingProblems(json, sourceName);
}
