/**
 * Training progress on the terminal: a cli-progress bar (epoch, it/s, ETA, current losses) when stdout
 * is a TTY, and plain lines every `--print-freq` steps when it is not (cli-progress prints nothing then).
 */
import cliProgress from "cli-progress";

export interface ProgressUpdate {
  readonly epoch: number;
  readonly lastEpoch: number;
  /** Steps done in this epoch and steps in an epoch. */
  readonly step: number;
  readonly stepsInEpoch: number;
  readonly stepsPerSecond: number;
  /** Seconds until the run ends (its last epoch, or its time budget if sooner). */
  readonly secondsLeft: number;
  readonly losses: Readonly<Record<string, number>>;
}

export interface Progress {
  update(u: ProgressUpdate): void;
  /** A message between updates (checkpoint saved, report written) that does not garble the bar. */
  note(message: string): void;
  stop(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function formatLosses(losses: Readonly<Record<string, number>>): string {
  return Object.entries(losses)
    .map(([name, value]) => `${name} ${value.toFixed(3)}`)
    .join(" ");
}

function describe(u: ProgressUpdate): { speed: string; eta: string; losses: string } {
  return {
    speed: u.stepsPerSecond.toFixed(2),
    eta: formatDuration(u.secondsLeft),
    losses: formatLosses(u.losses),
  };
}

class BarProgress implements Progress {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: "epoch {epoch}/{lastEpoch} |{bar}| {value}/{total} | {speed} it/s | ETA {eta} | {losses}",
      hideCursor: true,
      clearOnComplete: false,
      barsize: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  private started = false;
  private epoch = 0;

  update(u: ProgressUpdate): void {
    const payload = { epoch: u.epoch, lastEpoch: u.lastEpoch, ...describe(u) };
    if (!this.started || this.epoch !== u.epoch) {
      if (this.started) this.bar.stop();
      this.bar.start(u.stepsInEpoch, u.step, payload);
      this.started = true;
      this.epoch = u.epoch;
    } else {
      this.bar.update(u.step, payload);
    }
  }

  note(message: string): void {
    if (this.started) process.stdout.write("\n");
    console.log(message);
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class LineProgress implements Progress {
  constructor(
    private readonly every: number,
    private readonly write: (line: string) => void,
  ) {}

  update(u: ProgressUpdate): void {
    if (u.step % this.every !== 0 && u.step !== u.stepsInEpoch) return;
    const d = describe(u);
    this.write(
      `epoch ${u.epoch}/${u.lastEpoch} step ${u.step}/${u.stepsInEpoch} | ${d.speed} it/s | ETA ${d.eta} | ${d.losses}`,
    );
  }

  note(message: string): void {
    this.write(message);
  }

  stop(): void {}
}

/** A bar on a terminal, plain lines every `printFreq` steps (and at each epoch's end) otherwise. */
export function createProgress(printFreq: number, tty = Boolean(process.stdout.isTTY)): Progress {
  return tty ? new BarProgress() : new LineProgress(printFreq, (line) => console.log(line));
}
