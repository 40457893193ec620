import { evalFhirPath, parseFhirPath } from '@medplum/core';
import { closestMatch } from './suggest';

const CLOSER_OF: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const OPENER_OF: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Characters of the expression shown either side of the place it goes wrong. */
const CONTEXT = 12;

/** A bracket or quote that does not pair up: which, where (offset from 0), and what is wrong. */
interface Unpaired {
  what: string;
  offset: number;
  problem: string;
}

/**
 * The first bracket or quote that does not pair up, outside quoted text. The parser says
 * only "Cant consume unknown more tokens." for a bracket never closed, and silently drops
 * everything after a surplus ')' (`where(key='x')).time` parses as `where(key='x')`), so
 * this finds them itself.
 */
function unpairedBracket(expression: string): Unpaired | undefined {
  const open: { char: string; offset: number }[] = [];
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === "'" || ch === '`') {
      // FHIRPath strings ('…') and delimited names (`…`) use backslash escapes.
      let end = i + 1;
      while (end < expression.length && expression[end] !== ch) {
        end += expression[end] === '\\' ? 2 : 1;
      }
      if (end >= expression.length) {
        return { what: `the quote ${ch} at column ${i + 1}`, offset: i, problem: 'is never closed' };
      }
      i = end;
    } else if (CLOSER_OF[ch] !== undefined) {
      open.push({ char: ch, offset: i });
    } else if (OPENER_OF[ch] !== undefined) {
      const last = open.pop();
      if (last === undefined) {
        return {
          what: `the '${ch}' at column ${i + 1}`,
          offset: i,
          problem: `has no '${OPENER_OF[ch]}' before it: the parser would silently ignore everything after it`,
        };
      }
      if (CLOSER_OF[last.char] !== ch) {
        return {
          what: `the '${last.char}' at column ${last.offset + 1}`,
          offset: last.offset,
          problem: `is closed by '${ch}' at column ${i + 1}; it needs '${CLOSER_OF[last.char]}'`,
        };
      }
    }
  }
  const unclosed = open.pop();
  return (
    unclosed && {
      what: `the '${unclosed.char}' at column ${unclosed.offset + 1}`,
      offset: unclosed.offset,
      problem: 'is never closed',
    }
  );
}

/** A short piece of the expression around an offset, to find the place by eye. */
function near(expression: string, offset: number): string {
  const start = Math.max(0, offset - CONTEXT);
  const end = Math.min(expression.length, offset + CONTEXT);
  return `${start > 0 ? '…' : ''}${expression.slice(start, end)}${end < expression.length ? '…' : ''}`;
}

/** Where the parser's message says it stopped (offset from 0), when it says. */
function parserOffset(message: string, expression: string): number | undefined {
  // Its columns count from 0: in `a..b` it reports the second '.' at column 2.
  const column = /column (\d+)/.exec(message);
  if (column) {
    return Number(column[1]);
  }
  // "expected `]`": the expression ended too early.
  return /expected `/.test(message) ? expression.length - 1 : undefined;
}

/**
 * Why a FHIRPath expression does not parse, in plain words (which bracket or quote, near
 * which text; an expression that stops too early; an unexpected character), never in the
 * parser's; undefined when it parses. Unknown function names parse, so they are not found
 * here.
 */
export function fhirPathSyntaxProblem(expression: string): string | undefined {
  let parserSaid: string | undefined;
  try {
    parseFhirPath(expression);
  } catch (err) {
    parserSaid = err instanceof Error ? err.message : String(err);
  }
  const unpaired = unpairedBracket(expression);
  if (parserSaid === undefined && unpaired === undefined) {
    return undefined;
  }
  // The parser's own words ("Cant consume unknown more tokens", "prefix parselet") mean
  // nothing to the mapping's author, so they are translated, never quoted.
  if (unpaired) {
    return `is not a valid FHIRPath expression: ${unpaired.what} (near '${near(expression, unpaired.offset)}') ${unpaired.problem}`;
  }
  const said = parserSaid ?? '';
  if (/Cant consume/.test(said)) {
    return `is not a valid FHIRPath expression: it stops too early (near '${near(expression, expression.length - 1)}'); something is missing at the end, such as the value after '=' or '+'; a time is usually written timeline.where(key='ed_arrival').time`;
  }
  const offset = parserOffset(said, expression);
  const token = /Parse error at "([^"]*)"/.exec(said)?.[1];
  const what = token === undefined ? 'something unexpected' : `an unexpected '${token}'`;
  const where = offset === undefined ? '' : ` near '${near(expression, offset)}'`;
  return `is not a valid FHIRPath expression: ${what}${where}; check brackets, quotes and operators there; a time is usually written timeline.where(key='ed_arrival').time`;
}

/** FHIRPath functions an author is likely to mean, for "did you mean" on a misspelt one. */
const COMMON_FUNCTIONS = [
  'where',
  'select',
  'first',
  'last',
  'single',
  'exists',
  'empty',
  'count',
  'not',
  'all',
  'any',
  'iif',
  'ofType',
  'tail',
  'skip',
  'take',
  'distinct',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'lower',
  'upper',
  'length',
  'substring',
  'replace',
  'union',
  'combine',
  'hasValue',
  'toDateTime',
  'toString',
  'toInteger',
  'toDecimal',
  'now',
  'today',
  'allTrue',
  'anyTrue',
  'trim',
  'join',
  'split',
];

/** What evaluating an expression once revealed, in plain words. */
function usabilityProblem(message: string): string {
  const unknownFunction = /Unrecognized function: ([\w$]+)/.exec(message)?.[1];
  if (unknownFunction !== undefined) {
    const guess = closestMatch(unknownFunction, COMMON_FUNCTIONS);
    return `uses '${unknownFunction}()', which is not a FHIRPath function${guess ? ` — did you mean '${guess}()'?` : '; see the cheat sheet in docs/mapping-guide.md'}`;
  }
  const variable = /Undefined variable (%[\w$]+)/.exec(message)?.[1];
  if (variable !== undefined) {
    return `uses '${variable}', which is not a variable known here; read the channel's fields by name, without '%' (e.g. patient_type)`;
  }
  return `is not a usable FHIRPath expression (${message.replace(/^FhirPathError on "[^"]*": (Error: )?/, '')})`;
}

/**
 * Checks that a FHIRPath expression parses (brackets and quotes paired) and only uses
 * functions and variables that exist. Parsing alone accepts unknown function names, so the expression is also run
 * once against an empty object, where it can fail only for those reasons.
 * Returns undefined when it is usable, else the reason in plain words.
 */
export function fhirPathProblem(expression: string): string | undefined {
  const syntax = fhirPathSyntaxProblem(expression);
  if (syntax !== undefined) {
    return syntax;
  }
  try {
    evalFhirPath(expression, {});
  } catch (err) {
    return usabilityProblem(err instanceof Error ? err.message : String(err));
  }
  return undefined;
}
