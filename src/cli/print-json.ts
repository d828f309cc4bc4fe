/** A command's `--json` output: its own module, so loading a command for its usage loads no client. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
