import type { MappingProblem } from './problems';

/** The outcome of reading a file's text as JSON. */
export type JsonTextResult = { ok: true; value: unknown } | { ok: false; problem: MappingProblem };

/** Line and column (both from 1) of a character offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Parses JSON text; a syntax error becomes one problem at `$` that names the line and
 * column, so the editor can jump there. (Node reports only a character offset.)
 */
export function parseJsonText(text: string): JsonTextResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : body.trimEnd().length;
    const { line, column } = lineAndColumn(body, offset);
    const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/,? ".*" is not valid JSON$/s, '');
    const atEnd = offset >= body.trimEnd().length;
    const hint = atEnd ? 'the file ends early: a closing } or ] or quote is missing' : 'look for a missing comma, quote or bracket just before it';
    return { ok: false, problem: { path: '$', message: `not valid JSON at line ${line}, column ${column}: ${reason} — ${hint}` } };
  }
}
