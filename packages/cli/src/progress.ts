/** The live "returned n/N" line on a TTY (stderr), redrawn in place; silent when not a terminal. */
export class Progress {
  private shown = false;
  constructor(private readonly enabled: boolean) {}

  draw(s: { returned: number; expected: number; failed: number; running: number }): void {
    if (!this.enabled) return;
    const pending = Math.max(0, s.expected - s.returned);
    process.stderr.write(`\r\x1b[2K[brine] returned ${s.returned}/${s.expected}, failed ${s.failed}, pending ${pending}${s.running ? ` (${s.running} running)` : ''}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}
