/**
 * Training progress on stderr: on a terminal, one line redrawn in place (a bar, loss, tokens/s,
 * ETA); otherwise plain lines at about twenty points of the run (logs stay readable and short).
 */
export interface ProgressState {
  step: number;
  total: number;
  /** The step's loss (shown: the mean over the steps since the last line or redraw). */
  loss: number;
  tokensPerSecond: number;
  /** Seconds left, estimated from the speed so far. */
  eta: number;
}

export class Progress {
  private lastDraw = 0;
  private drawn = false;
  private lossSum = 0;
  private lossCount = 0;
  private readonly every: number;

  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
    total: number,
    firstStep: number,
  ) {
    this.every = Math.max(1, Math.round((total - firstStep) / 20));
  }

  update(s: ProgressState): void {
    this.lossSum += s.loss;
    this.lossCount += 1;
    const shown = { ...s, loss: this.lossSum / this.lossCount };
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && s.step !== s.total) return;
      this.lastDraw = now;
      this.write(`\r\x1b[2K${progressLine(shown, true)}`);
      this.drawn = true;
    } else if (s.step % this.every === 0 || s.step === s.total) {
      this.write(`${progressLine(shown, false)}\n`);
    } else {
      return;
    }
    this.lossSum = 0;
    this.lossCount = 0;
  }

  /** Prints a whole line (an evaluation, a checkpoint) without breaking the bar. */
  line(text: string): void {
    this.clear();
    this.write(`${text}\n`);
  }

  /** Ends the bar's line so what follows starts on a fresh one. */
  clear(): void {
    if (this.tty && this.drawn) this.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export function progressLine(s: ProgressState, bar: boolean): string {
  const width = String(s.total).length;
  const head = `step ${String(s.step).padStart(width)}/${s.total}`;
  const fill = s.total > 0 ? Math.round((s.step / s.total) * 24) : 0;
  const drawn = bar ? ` [${'='.repeat(Math.max(0, fill - 1))}${fill > 0 ? '>' : ''}${' '.repeat(24 - fill)}]` : '';
  return `${head}${drawn}  loss ${formatLoss(s.loss)}  ${Math.round(s.tokensPerSecond).toLocaleString('en')} tok/s  ETA ${formatDuration(s.eta)}`;
}

export function formatLoss(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** A perplexity with three significant digits, or a whole number from 100 on: `6.26`, `60.4`, `1234`. */
export function formatPerplexity(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x >= 100 ? Math.round(x).toString() : x.toPrecision(3);
}

/** `1:05`, `12:00:03`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
