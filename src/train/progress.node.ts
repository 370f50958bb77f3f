// A progress bar for one phase (decoding, features, an epoch): on a terminal one redrawn
// line with rate and ETA; otherwise a plain line at the end of the phase.

const clock = (s: number) => {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private done = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'images',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  get seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  get rate(): number {
    return this.done / Math.max(this.seconds, 1e-9);
  }

  update(done: number, extra = ''): void {
    this.done = done;
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((width * done) / Math.max(this.total, 1));
    const eta = (this.total - done) / Math.max(this.rate, 1e-9);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const rate = `${this.rate.toFixed(1)} ${this.unit}/s`;
    const line = `${this.label} ${bar} ${done}/${this.total} ${rate} ETA ${clock(eta)}${extra ? `  ${extra}` : ''}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
  }

  finish(extra = ''): void {
    const rate = `${this.rate.toFixed(2)} ${this.unit}/s`;
    const done = `${this.done}/${this.total} ${this.unit} in ${this.seconds.toFixed(1)} s`;
    const line = `${this.label}: ${done} (${rate})${extra ? `  ${extra}` : ''}`;
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
