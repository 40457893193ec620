import { BridgeError } from '../../shared/errors';
import type { MappingProblem } from './problems';

/** Formats problems one per line: `  <file> $.path: message`. */
export function formatProblems(problems: readonly MappingProblem[], source?: string): string {
  return problems.map((p) => `  ${source ? `${source} ` : ''}${p.path}: ${p.message}`).join('\n');
}

/**
 * A mapping file that cannot be used. It carries every problem found, so that `serve`
 * stops at start with the whole list and `mapping validate` can print it.
 */
export class MappingError extends BridgeError {
  readonly problems: readonly MappingProblem[];
  readonly source?: string;

  constructor(problems: readonly MappingProblem[], source?: string) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      'mapping-invalid',
      `Mapping file ${source ?? '(unnamed)'} has ${count}:\n${formatProblems(problems, source)}`,
      {
        detail: { source, problems },
      },
    );
    this.name = 'MappingError';
    this.problems = problems;
    this.source = source;
  }
}

export function isMappingError(err: unknown): err is MappingError {
  return err instanceof MappingError;
}
