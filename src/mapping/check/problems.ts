/**
 * A problem found in a mapping file, written for the clinical informatics editor who
 * must fix it: where (a JSON path such as `$.observations[2].time`) and what to change.
 */
export interface MappingProblem {
  /** JSON path of the offending value, `$` for the whole file. */
  path: string;
  /** What is wrong and what to change, in plain language. */
  message: string;
}

/** One step of a JSON path: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Formats path segments as a JSON path: `$.observations[2].time`, `$.codes['clinical-note']`. */
export function jsonPath(segments: readonly PathSegment[]): string {
  let path = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      path += `[${segment}]`;
    } else if (PLAIN_KEY.test(segment)) {
      path += `.${segment}`;
    } else {
      path += `['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
    }
  }
  return path;
}

/** Turns a JSON Pointer (`/observations/2/time`, as ajv reports) into path segments. */
export function pointerToSegments(pointer: string): PathSegment[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

/** Removes exact duplicates, keeping the first occurrence (and so the report's order). */
export function uniqueProblems(problems: readonly MappingProblem[]): MappingProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/** Top-level sections in the order the file (and the guide) present them. */
const SECTION_ORDER = [
  '$schema',
  'name',
  'version',
  'triggers',
  'patient',
  'encounter',
  'identifierSystem',
  'timeZone',
  'codes',
  'document',
  'observations',
];

function sectionRank(path: string): number {
  const section = /^\$(?:\.([A-Za-z_$][\w$]*)|\['([^']*)'\])?/.exec(path);
  const name = section?.[1] ?? section?.[2];
  const rank = name === undefined ? -1 : SECTION_ORDER.indexOf(name);
  return name !== undefined && rank === -1 ? SECTION_ORDER.length : rank;
}

/**
 * Orders problems as an editor reads the file: by section, then by path with numbers
 * compared as numbers (observations[2] before observations[10]). Stable otherwise.
 */
export function sortProblems(problems: readonly MappingProblem[]): MappingProblem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        sectionRank(a.problem.path) - sectionRank(b.problem.path) ||
        a.problem.path.localeCompare(b.problem.path, 'en', { numeric: true }) ||
        a.index - b.index,
    )
    .map(({ problem }) => problem);
}
