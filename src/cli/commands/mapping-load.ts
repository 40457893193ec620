import { loadMapping } from '../../mapping/check/loader';
import { formatProblems, isMappingError } from '../../mapping/check/mapping-error';
import type { MappingFile } from '../../mapping/types';
import type { CommandIo } from '../output';

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Loads a mapping, printing its problems (all of them) on failure. */
export function loadOrReport(file: string, io: CommandIo): MappingFile | undefined {
  try {
    return loadMapping(file);
  } catch (err) {
    if (!isMappingError(err)) {
      throw err;
    }
    io.out(`${file}: ${plural(err.problems.length, 'problem')}\n${formatProblems(err.problems)}\n`);
    return undefined;
  }
}
