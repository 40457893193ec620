import type { MappingProblem, PathSegment } from './problems';
import { jsonPath } from './problems';

/** Where a key is written in the file (line and column from 1, of its opening quote). */
export interface KeyPosition {
  line: number;
  column: number;
}

/** A key written more than once in the same JSON object. */
export interface DuplicateKey {
  /** Path of the key itself, e.g. ['codes', 'ecg']. */
  path: PathSegment[];
  /** The key as JSON.parse reads it (escapes decoded). */
  key: string;
  /** Every place it is written, in file order; JSON.parse keeps the last. */
  positions: KeyPosition[];
}

type Frame =
  | { kind: 'object'; seen: Map<string, KeyPosition[]>; order: string[]; expectKey: boolean; currentKey?: string }
  | { kind: 'array'; index: number };

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Reads the JSON string whose opening quote is at `start`; returns its decoded value and
 * the offset after the closing quote. `\uXXXX` escapes are decoded one UTF-16 unit at a
 * time, so a surrogate pair comes out exactly as JSON.parse makes it.
 */
function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      return { value, end: i + 1 };
    }
    if (ch === '\\') {
      const escape = text[i + 1];
      if (escape === 'u') {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        value += SIMPLE_ESCAPES[escape] ?? escape;
        i += 2;
      }
      continue;
    }
    value += ch;
    i += 1;
  }
  return { value, end: text.length };
}

/** The path of the container on top of the stack: each enclosing frame's current step. */
function containerPath(stack: readonly Frame[]): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const frame of stack.slice(0, -1)) {
    if (frame.kind === 'array') {
      segments.push(frame.index);
    } else if (frame.currentKey !== undefined) {
      segments.push(frame.currentKey);
    }
  }
  return segments;
}

function collect(frame: Extract<Frame, { kind: 'object' }>, path: PathSegment[], into: DuplicateKey[]): void {
  for (const key of frame.order) {
    const positions = frame.seen.get(key) ?? [];
    if (positions.length > 1) {
      into.push({ path: [...path, key], key, positions });
    }
  }
}

/**
 * Every key written more than once in one object of a JSON text, anywhere in it, in file
 * order. JSON.parse accepts such a file and silently keeps the last value, so this scans
 * the text itself. The same key in two different objects is fine. Meant for text that
 * JSON.parse has accepted; on anything else it stops quietly with what it found.
 */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  // A byte order mark is not part of the text an editor shows, so columns start after it.
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  while (i < text.length) {
    const ch = text[i];
    const top = stack[stack.length - 1] as Frame | undefined;
    switch (ch) {
      case '\n':
        line += 1;
        lineStart = i + 1;
        i += 1;
        break;
      case '{':
        stack.push({ kind: 'object', seen: new Map(), order: [], expectKey: true });
        i += 1;
        break;
      case '[':
        stack.push({ kind: 'array', index: 0 });
        i += 1;
        break;
      case '}':
      case ']':
        if (top?.kind === 'object') {
          collect(top, containerPath(stack), found);
        }
        stack.pop();
        i += 1;
        break;
      case ',':
        if (top?.kind === 'object') {
          top.expectKey = true;
        } else if (top?.kind === 'array') {
          top.index += 1;
        }
        i += 1;
        break;
      case '"': {
        const { value, end } = readString(text, i);
        if (top?.kind === 'object' && top.expectKey) {
          const position = { line, column: i - lineStart + 1 };
          const positions = top.seen.get(value);
          if (positions) {
            positions.push(position);
          } else {
            top.seen.set(value, [position]);
            top.order.push(value);
          }
          top.currentKey = value;
          top.expectKey = false;
        }
        i = end;
        break;
      }
      default:
        // ':', whitespace, numbers, true, false, null: nothing to record.
        i += 1;
    }
  }
  // Objects close before their parents, so inner duplicates were found first; report in file order.
  return found.sort(
    (a, b) => a.positions[0].line - b.positions[0].line || a.positions[0].column - b.positions[0].column,
  );
}

function placesText(positions: readonly KeyPosition[]): string {
  const lines = positions.map((p) => p.line);
  const sameLine = new Set(lines).size < lines.length;
  const places = sameLine ? positions.map((p) => `${p.line}:${p.column}`) : lines.map(String);
  const label = sameLine ? 'at line:column' : 'lines';
  return `${label} ${places.slice(0, -1).join(', ')} and ${places[places.length - 1]}`;
}

/**
 * One problem per duplicate key, at the key's path, e.g.
 * `$.codes.ecg: 'ecg' is defined twice (lines 40 and 52); keep one …`.
 */
export function duplicateKeyProblems(text: string): MappingProblem[] {
  return findDuplicateKeys(text).map(({ path, key, positions }) => {
    const times = positions.length === 2 ? 'twice' : `${positions.length} times`;
    const last = positions[positions.length - 1];
    return {
      path: jsonPath(path),
      message: `'${key}' is defined ${times} (${placesText(positions)}); keep one — as written, only the last (line ${last.line}) is used and the others are silently ignored`,
    };
  });
}
