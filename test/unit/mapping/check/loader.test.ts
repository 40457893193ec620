import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMapping } from '../../../../src/mapping/check/loader';
import type { MappingError } from '../../../../src/mapping/check/mapping-error';
import { isMappingError } from '../../../../src/mapping/check/mapping-error';

const fixtures = path.join(__dirname, '../../../fixtures/mappings');

function loadError(file: string): MappingError {
  try {
    loadMapping(file);
  } catch (err) {
    if (isMappingError(err)) return err;
    throw err;
  }
  throw new Error('expected a MappingError');
}

describe('loadMapping', () => {
  it('returns the mapping, frozen against changes at run time', () => {
    const mapping = loadMapping(path.join(fixtures, 'minimal.json'));
    expect(mapping.name).toBe('Minimal: one timestamp, no document, no visit');
    expect(Object.isFrozen(mapping.observations[0])).toBe(true);
  });

  it('throws one MappingError that lists every problem, one per line, with file and path', () => {
    const file = path.join(fixtures, 'invalid-many-errors.json');
    const err = loadError(file);
    expect(err.code).toBe('mapping-invalid');
    expect(err.retryable).toBe(false);
    expect(err.problems).toHaveLength(15);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`Mapping file ${file} has 15 problems:`);
    expect(lines).toHaveLength(16);
    expect(lines).toContain(`  ${file} $.observations[0].tme: unknown field 'tme' — did you mean 'time'?`);
    expect(err.detail).toEqual({ source: file, problems: err.problems });
  });

  it('reports bad JSON with its line and column', () => {
    const err = loadError(path.join(fixtures, 'invalid-json-missing-comma.json'));
    expect(err.problems).toEqual([
      { path: '$', message: expect.stringMatching(/^not valid JSON at line 4, column 3/) },
    ]);
  });

  it('refuses a mapping with a code name written twice, with the other problems', () => {
    const file = path.join(fixtures, 'invalid-duplicate-code.json');
    const err = loadError(file);
    expect(err.problems.map((p) => p.path)).toEqual(['$.codes.ecg', '$.observations[1].code']);
    expect(err.message).toContain(`  ${file} $.codes.ecg: 'ecg' is defined twice (lines 11 and 13); keep one`);
  });

  it('reports a missing file plainly', () => {
    const missing = path.join(os.tmpdir(), `no-such-mapping-${process.pid}.json`);
    expect(fs.existsSync(missing)).toBe(false);
    const err = loadError(missing);
    expect(err.message).toBe(
      `Mapping file ${missing} has 1 problem:\n  ${missing} $: the file does not exist; check MAPPING_FILE or the path given`,
    );
  });
});
