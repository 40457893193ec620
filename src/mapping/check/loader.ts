import fs from 'node:fs';
import type { MappingFile } from '../types';
import { MappingError } from './mapping-error';
import { parseJsonText } from './json-text';
import { mappingProblems } from './validate';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads, validates and returns a mapping file, frozen: it is loaded once and then only
 * read. Any problem (unreadable file, bad JSON, a key written twice, schema or semantic
 * problem) throws one MappingError listing all of them.
 */
export function loadMapping(path: string): MappingFile {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'this is a folder, not a file'
          : `it cannot be read (${code ?? 'unknown error'})`;
    throw new MappingError([{ path: '$', message: `${reason}; check MAPPING_FILE or the path given` }], path);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new MappingError([parsed.problem], path);
  }
  const problems = mappingProblems(parsed.value, path, text);
  if (problems.length > 0) {
    throw new MappingError(problems, path);
  }
  return deepFreeze(parsed.value as MappingFile);
}
