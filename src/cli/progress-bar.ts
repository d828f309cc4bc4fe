/**
 * A one-line progress bar for terminals; off a terminal (CI, pipes) it prints a plain
 * line at most every few seconds so logs stay readable.
 */
export class ProgressBar {
  private lastPlainLine = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, detail = ''): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const elapsedS = (Date.now() - this.startedAt) / 1000;
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const eta = rate > 0 && total > done ? `ETA ${Math.ceil((total - done) / rate)}s` : '';
    const text = `${this.label} ${done}/${total} (${(fraction * 100).toFixed(0)}%) ${rate.toFixed(1)}/s ${eta} ${detail}`.trimEnd();
    if (this.out.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
    } else if (Date.now() - this.lastPlainLine > 3000 || done >= total) {
      this.lastPlainLine = Date.now();
      this.out.write(`${text}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
