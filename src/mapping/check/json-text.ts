import type { MappingProblem } from './problems';

/** The outcome of reading a file's text as JSON. */
export type JsonTextResult = { ok: true; value: unknown } | { ok: false; problem: MappingProblem };

/** Line and column (both from 1) of a character offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function errorOffset(message: string): number | undefined {
  const position = /at position (\d+)/.exec(message);
  return position ? Number(position[1]) : undefined;
}

/** True when a prefix of a JSON text fails only because it stops early. */
function stopsEarly(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = errorOffset(message);
    return (
      /Unexpected end of JSON input|Unterminated string/.test(message) ||
      (offset !== undefined && offset >= prefix.trimEnd().length)
    );
  }
}

/**
 * Where a JSON text goes wrong, when the parser does not say (Node 20 reports some
 * errors, like an unexpected '}', without a position): the shortest prefix that is
 * wrong rather than merely unfinished, found by bisection since once a prefix is wrong
 * every longer one is too.
 */
function firstBadOffset(text: string): number {
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (stopsEarly(text.slice(0, middle))) {
      good = middle;
    } else {
      bad = middle;
    }
  }
  return bad - 1;
}

/**
 * Parses JSON text; a syntax error becomes one problem at `$` that names the line and
 * column, so the editor can jump there. (Node reports a character offset, and not always that.)
 */
export function parseJsonText(text: string): JsonTextResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = errorOffset(message) ?? (stopsEarly(body) ? body.trimEnd().length : firstBadOffset(body));
    const { line, column } = lineAndColumn(body, offset);
    const reason = message
      .replace(/\s*in JSON at position \d+.*$/s, '')
      .replace(/,? ".*" is not valid JSON$/s, '')
      .replace(/\r/g, '\\r')
      .replace(/\n/g, '\\n')
      .replace(/\t/g, '\\t');
    const atEnd = offset >= body.trimEnd().length;
    const hint = atEnd
      ? 'the file ends early: a closing } or ] or quote is missing'
      : 'look for a missing comma, quote or bracket just before it';
    return {
      ok: false,
      problem: { path: '$', message: `not valid JSON at line ${line}, column ${column}: ${reason} — ${hint}` },
    };
  }
}
