// A progress bar for one phase (decoding, features, an epoch): on a terminal one redrawn
// line with rate and ETA; otherwise (a log file, CI) a plain line every few seconds and one at
// the end of the phase, so a long epoch is never silent; nothing at all when quiet.

const clock = (s: number) => {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

/** Seconds between the plain lines written outside a terminal. */
export const PLAIN_LINE_SECONDS = 5;

export interface ProgressOptions {
  unit?: string;
  stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
  /** Write nothing (--quiet). */
  quiet?: boolean;
  /** Seconds between plain lines outside a terminal (default PLAIN_LINE_SECONDS). */
  plainLineSeconds?: number;
}

export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastLine: number;
  private done = 0;
  private readonly tty: boolean;
  private readonly unit: string;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly quiet: boolean;
  private readonly plainLineMs: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.unit = options.unit ?? 'images';
    this.stream = options.stream ?? process.stderr;
    this.quiet = options.quiet ?? false;
    this.plainLineMs = 1000 * (options.plainLineSeconds ?? PLAIN_LINE_SECONDS);
    this.tty = Boolean(this.stream.isTTY);
    this.lastLine = this.start;
  }

  get seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  get rate(): number {
    return this.done / Math.max(this.seconds, 1e-9);
  }

  update(done: number, extra = ''): void {
    this.done = done;
    if (this.quiet) return;
    const now = performance.now();
    if (!this.tty) {
      if (now - this.lastLine < this.plainLineMs || done >= this.total) return;
      this.lastLine = now;
      const eta = (this.total - done) / Math.max(this.rate, 1e-9);
      const rate = `${this.rate.toFixed(2)} ${this.unit}/s`;
      this.stream.write(
        `${this.label}: ${done}/${this.total} ${this.unit} (${rate}, ETA ${clock(eta)})${extra ? `  ${extra}` : ''}\n`,
      );
      return;
    }
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
    if (this.quiet) return;
    const rate = `${this.rate.toFixed(2)} ${this.unit}/s`;
    const done = `${this.done}/${this.total} ${this.unit} in ${this.seconds.toFixed(1)} s`;
    const line = `${this.label}: ${done} (${rate})${extra ? `  ${extra}` : ''}`;
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
