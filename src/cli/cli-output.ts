/**
 * The CLI's two channels: results on stdout (a secret alone on its line, so `$(…)` captures it),
 * everything meant for a person on stderr.
 */
export const cliOutput = {
  result(line: string): void {
    process.stdout.write(`${line}\n`);
  },
  note(line: string): void {
    process.stderr.write(`${line}\n`);
  },
};

/** Collects a repeatable option: `--permission a --permission b` → ['a', 'b']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
