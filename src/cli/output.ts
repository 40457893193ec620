/**
 * Where every command writes: results on stdout (so scripts can capture them), messages for
 * the operator on stderr. Commands take a CommandIo so that tests collect what they print.
 */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Pretty JSON with a final newline, as `--json` and `--format json` print it. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
