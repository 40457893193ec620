import { lineAndColumn, parseJsonText } from '../../../../src/mapping/check/json-text';

function problemOf(text: string): string {
  const result = parseJsonText(text);
  if (result.ok) throw new Error('expected a problem');
  expect(result.problem.path).toBe('$');
  return result.problem.message;
}

describe('parseJsonText', () => {
  it('parses JSON, with or without a byte order mark', () => {
    expect(parseJsonText('\ufeff{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it.each([
    ['a trailing comma', '{\n  "a": 1,\n}', 3, 1, 'look for a missing comma'],
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3, 'look for a missing comma'],
    // Node 20 gives no position for these two: it is found by bisection.
    ['a missing value', '{\n  "a": \n}', 3, 1, 'look for a missing comma'],
    ['a misspelt true', '{\n  "a": tru\n}', 2, 11, 'look for a missing comma'],
    ['an unfinished file', '{\n  "a": [1, 2', 2, 13, 'the file ends early'],
    ['an unterminated string', '{\n  "a": "x\n}', 2, 10, 'look for a missing comma'],
  ])('locates %s', (_label, text, line, column, hint) => {
    const message = problemOf(text);
    expect(message).toMatch(new RegExp(`^not valid JSON at line ${line}, column ${column}: `));
    expect(message).toContain(hint);
  });

  it('shows an unexpected line break as \\n', () => {
    expect(problemOf('{\n  "a": tru\n}')).toContain("Unexpected token '\\n'");
  });

  it('never quotes the text, which may hold PHI', () => {
    expect(problemOf('{"name": "Ana Ruiz", "dob": }')).not.toContain('Ruiz');
  });

  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
