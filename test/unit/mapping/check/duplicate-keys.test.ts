import { duplicateKeyProblems, findDuplicateKeys } from '../../../../src/mapping/check/duplicate-keys';

/** Path, key and lines of each duplicate: the parts a reader checks. */
function summary(text: string): { path: (string | number)[]; lines: number[] }[] {
  return findDuplicateKeys(text).map((d) => ({ path: d.path, lines: d.positions.map((p) => p.line) }));
}

describe('findDuplicateKeys', () => {
  it('finds nothing in JSON without repeated keys', () => {
    expect(findDuplicateKeys('{"a": 1, "b": {"c": [1, 2, {"d": null}]}, "e": true}')).toEqual([]);
  });

  it('finds a key written twice at the top level, with both positions', () => {
    const text = '{\n  "name": "x",\n  "name": "y"\n}';
    expect(findDuplicateKeys(text)).toEqual([
      {
        path: ['name'],
        key: 'name',
        positions: [
          { line: 2, column: 3 },
          { line: 3, column: 3 },
        ],
      },
    ]);
  });

  it('finds a key written twice in a nested object, at its full path', () => {
    const text = '{\n "codes": {\n  "ecg": {"code": "1"},\n  "lkw": {"code": "2"},\n  "ecg": {"code": "3"}\n }\n}';
    expect(summary(text)).toEqual([{ path: ['codes', 'ecg'], lines: [3, 5] }]);
  });

  it('finds keys written twice inside objects in arrays, with the index in the path', () => {
    const text = '{"observations": [\n{"key": "a", "time": "x"},\n{"key": "b", "time": "x",\n "time": "y"}\n]}';
    expect(summary(text)).toEqual([{ path: ['observations', 1, 'time'], lines: [3, 4] }]);
  });

  it('counts indexes past nested arrays and objects', () => {
    const text = '[[1, [2, 3]], {"a": {"b": 1}}, {"x": 1, "x": 2}]';
    expect(summary(text)).toEqual([{ path: [2, 'x'], lines: [1, 1] }]);
  });

  it('accepts the same key in sibling and nested objects', () => {
    expect(findDuplicateKeys('{"a": {"key": 1}, "b": {"key": 2}, "key": {"key": {"key": 3}}}')).toEqual([]);
  });

  it('does not mistake string values, or values that look like keys, for keys', () => {
    expect(findDuplicateKeys('{"a": "a", "b": ["a", "a"], "c": "b"}')).toEqual([]);
    expect(findDuplicateKeys('{"a": "{\\"a\\": 1, \\"a\\": 2}"}')).toEqual([]);
  });

  it('reads escaped quotes and backslashes inside keys', () => {
    const text = '{"say \\"hi\\"": 1, "back\\\\slash": 2, "say \\"hi\\"": 3}';
    expect(findDuplicateKeys(text)).toEqual([
      {
        path: ['say "hi"'],
        key: 'say "hi"',
        positions: [
          { line: 1, column: 2 },
          { line: 1, column: 37 },
        ],
      },
    ]);
  });

  it('treats a key and its escaped spelling as the same key, as JSON.parse does', () => {
    const text =
      '{\n"a": 1,\n"\\u0061": 2,\n"\\u00e9": 3,\n"é": 4,\n"\\ud83d\\ude00": 5,\n"😀": 6,\n"\\/": 7,\n"/": 8\n}';
    expect(Object.keys(JSON.parse(text) as object)).toHaveLength(4);
    expect(summary(text)).toEqual([
      { path: ['a'], lines: [2, 3] },
      { path: ['é'], lines: [4, 5] },
      { path: ['😀'], lines: [6, 7] },
      { path: ['/'], lines: [8, 9] },
    ]);
  });

  it('tells keys apart that differ only by case or by an escape that is not the same character', () => {
    expect(findDuplicateKeys('{"ECG": 1, "ecg": 2, "a\\u0062": 3, "ac": 4}')).toEqual([]);
  });

  it('reports a key written three times once, with every place', () => {
    expect(summary('{"a": 1,\n"a": 2,\n"a": 3}')).toEqual([{ path: ['a'], lines: [1, 2, 3] }]);
  });

  it('lists duplicates in the order of their first place in the file, inner and outer', () => {
    const text = '{\n"b": {"x": 1, "x": 2},\n"a": 1,\n"b": 3,\n"a": 4\n}';
    expect(summary(text).map((d) => d.path)).toEqual([['b'], ['b', 'x'], ['a']]);
  });

  it('skips a byte order mark and counts lines after strings and numbers correctly', () => {
    const text = '\ufeff{"n": -1.5e3, "t": true, "s": "x,y}]",\n"n": null}';
    expect(findDuplicateKeys(text)).toEqual([
      {
        path: ['n'],
        key: 'n',
        positions: [
          { line: 1, column: 2 },
          { line: 2, column: 1 },
        ],
      },
    ]);
  });

  it('does not throw on text that is not JSON', () => {
    expect(() => findDuplicateKeys('{"a": "unterminated')).not.toThrow();
    expect(() => findDuplicateKeys('}]{"a"')).not.toThrow();
  });
});

describe('duplicateKeyProblems', () => {
  it('says which lines, that the last one wins, and what to do', () => {
    const text = '{\n "codes": {\n  "ecg": {"code": "1"},\n  "ecg": {"code": "2"}\n }\n}';
    expect(duplicateKeyProblems(text)).toEqual([
      {
        path: '$.codes.ecg',
        message:
          "'ecg' is defined twice (lines 3 and 4); keep one — as written, only the last (line 4) is used and the others are silently ignored",
      },
    ]);
  });

  it('gives line:column when the copies share a line, and counts more than two', () => {
    const [problem] = duplicateKeyProblems('{"a": 1, "a": 2, "a": 3}');
    expect(problem.message).toMatch(/^'a' is defined 3 times \(at line:column 1:2, 1:10 and 1:18\); keep one/);
  });

  it('writes keys that are not plain names in bracket form', () => {
    expect(duplicateKeyProblems('{"codes": {"clinical-note": 1, "clinical-note": 2}}')[0].path).toBe(
      "$.codes['clinical-note']",
    );
  });
});
