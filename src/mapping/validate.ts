import { ajvErrorsToProblems } from './ajv-problems';
import { parseJsonText } from './json-text';
import type { MappingProblem } from './problems';
import { sortProblems, uniqueProblems } from './problems';
import { mappingSchemaValidator } from './schema-validator';
import { semanticProblems } from './semantic-checks';

/**
 * Every problem in a mapping, at once: the JSON Schema's (in plain words) and then the
 * checks a schema cannot make (code names that exist, unique keys, FHIRPath that parses,
 * URIs, identifier names that are triggers), in file order. An empty list means the
 * mapping is usable.
 *
 * `json` is the parsed file; a string or Buffer is taken as the file's text and parsed
 * here, so a syntax error is reported with its line and column. `sourceName` names the
 * file in the few messages that need it.
 */
export function validateMapping(json: unknown, sourceName?: string): MappingProblem[] {
  let value = json;
  if (typeof json === 'string' || Buffer.isBuffer(json)) {
    const parsed = parseJsonText(json.toString());
    if (!parsed.ok) {
      return [parsed.problem];
    }
    value = parsed.value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: '$', message: `${sourceName ?? 'the mapping file'} must hold one JSON object { … } with name, version, triggers, patient, identifierSystem, codes and observations` }];
  }
  const validate = mappingSchemaValidator();
  const schemaProblems = validate(value) ? [] : ajvErrorsToProblems(validate.errors);
  return sortProblems(uniqueProblems([...schemaProblems, ...semanticProblems(value)]));
}
