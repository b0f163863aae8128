/**
 * Progress for long dataset jobs: a cli-progress bar on a terminal, and plain lines otherwise (a log
 * file or CI), where cli-progress prints nothing.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** Moves to `done` of `total` units. */
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** How a count is written: items, or bytes as MiB. */
  readonly unit: "items" | "bytes";
  readonly stream?: NodeJS.WriteStream;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function formatCount(value: number, unit: ProgressOptions["unit"]): string {
  return unit === "bytes" ? `${mib(value)} MiB` : String(value);
}

export function createProgress({ label, total, unit, stream = process.stderr }: ProgressOptions): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {shown} | ETA {eta_formatted}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(1, total), 0, { shown: formatCount(0, unit) });
    return {
      update: (done) => bar.update(done, { shown: formatCount(done, unit) }),
      stop: () => bar.stop(),
    };
  }
  let lastLine = 0;
  let lastTenth = -1;
  const line = (done: number) => {
    const percent = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : "";
    stream.write(
      `${label}: ${formatCount(done, unit)}${total > 0 ? ` of ${formatCount(total, unit)}` : ""}${percent}\n`,
    );
  };
  return {
    update(done) {
      // A line per tenth of the way, or every 5 s when the total is unknown.
      const tenth = total > 0 ? Math.floor((10 * done) / total) : -1;
      const now = Date.now();
      if ((total > 0 && tenth > lastTenth) || (total <= 0 && now - lastLine > 5000)) {
        lastTenth = tenth;
        lastLine = now;
        line(done);
      }
    },
    stop() {},
  };
}
