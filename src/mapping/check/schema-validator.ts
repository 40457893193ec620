import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * mappings/mapping.schema.json, found from this module's folder: src/mapping and
 * dist/mapping both sit two levels below the package root, which ships `mappings/`.
 */
export const MAPPING_SCHEMA_PATH = path.resolve(__dirname, '..', '..', '..', 'mappings', 'mapping.schema.json');

/**
 * Annotation keywords ajv must tolerate: editors (VS Code) understand the first two; the
 * others carry this project's plain-words messages for `not` and for named unknown fields.
 */
const EDITOR_KEYWORDS = ['patternErrorMessage', 'defaultSnippets', 'notMessage', 'additionalPropertyMessages'];

let compiled: ValidateFunction | undefined;

/** The JSON Schema of mapping files as an object (read once). */
export function readMappingSchema(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(MAPPING_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

/**
 * The compiled schema validator, built on first use. `allErrors` so that an editor sees
 * every problem at once instead of fixing them one run at a time.
 */
export function mappingSchemaValidator(): ValidateFunction {
  if (!compiled) {
    // strictRequired is off: the if/then on value.type names 'from', declared one level up.
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true });
    addFormats(ajv);
    for (const keyword of EDITOR_KEYWORDS) {
      ajv.addKeyword({ keyword });
    }
    compiled = ajv.compile(readMappingSchema());
  }
  return compiled;
}
