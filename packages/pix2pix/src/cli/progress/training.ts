/**
 * Training progress on the terminal: a cli-progress bar (epoch or time budget, it/s, ETA, current
 * losses) when stdout is a TTY, and plain lines every `--print-freq` steps when it is not (cli-progress
 * prints nothing then). It renders what the trainer reports through TrainControl's callbacks.
 */
import cliProgress from "cli-progress";
import { formatDuration } from "../../report/format.ts";
import type { StepProgress, TrainControl } from "../../train/control.ts";

export interface TrainingDisplay extends Required<Pick<TrainControl, "onStep" | "onNote">> {
  stop(): void;
}

export interface DisplayOptions {
  /** Plain lines every this many steps when there is no terminal. */
  readonly printFreq: number;
  /** A time-budgeted run (the demo) shows time used of its budget instead of epochs. */
  readonly budgetSeconds?: number;
  readonly tty?: boolean;
}

function formatLosses(losses: StepProgress["losses"]): string {
  return Object.entries(losses)
    .map(([name, value]) => `${name} ${value.toFixed(3)}`)
    .join(" ");
}

/** The line's left part: where the run stands, by epoch or against its time budget. */
function stage(p: StepProgress, budgetSeconds: number | undefined): string {
  if (budgetSeconds === undefined) return `epoch ${p.epoch}/${p.lastEpoch}`;
  const used = Math.max(0, budgetSeconds - p.secondsLeft);
  return `${formatDuration(used)} of ${formatDuration(budgetSeconds)}`;
}

function details(p: StepProgress): string {
  return `${p.stepsPerSecond.toFixed(2)} it/s | ETA ${formatDuration(p.secondsLeft)} | ${formatLosses(p.losses)}`;
}

function barDisplay(budgetSeconds: number | undefined): TrainingDisplay {
  const bar = new cliProgress.SingleBar(
    {
      format: "{stage} |{bar}| {position} | {details}",
      hideCursor: true,
      clearOnComplete: false,
      barsize: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let epoch = 0;
  return {
    onStep(p) {
      // By epoch: a bar per epoch. By budget: one bar over the budget's seconds.
      const [value, total] =
        budgetSeconds === undefined
          ? [p.epochStep, p.stepsInEpoch]
          : [Math.round(budgetSeconds - p.secondsLeft), Math.round(budgetSeconds)];
      const payload = {
        stage: stage(p, budgetSeconds),
        position: budgetSeconds === undefined ? `${p.epochStep}/${p.stepsInEpoch}` : `step ${p.iteration}`,
        details: details(p),
      };
      if (!started || (budgetSeconds === undefined && epoch !== p.epoch)) {
        if (started) bar.stop();
        bar.start(total, value, payload);
        started = true;
        epoch = p.epoch;
      } else {
        bar.update(value, payload);
      }
    },
    onNote(message) {
      if (started) process.stdout.write("\n");
      console.log(message);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineDisplay(every: number, budgetSeconds: number | undefined): TrainingDisplay {
  return {
    onStep(p) {
      if (p.iteration % every !== 0 && p.epochStep !== p.stepsInEpoch) return;
      const position =
        budgetSeconds === undefined ? `step ${p.epochStep}/${p.stepsInEpoch}` : `step ${p.iteration}`;
      console.log(`${stage(p, budgetSeconds)} ${position} | ${details(p)}`);
    },
    onNote: (message) => console.log(message),
    stop() {},
  };
}

/** A bar on a terminal; plain lines every `printFreq` steps (and at each epoch's end) otherwise. */
export function createTrainingDisplay({
  printFreq,
  budgetSeconds,
  tty = Boolean(process.stdout.isTTY),
}: DisplayOptions): TrainingDisplay {
  return tty ? barDisplay(budgetSeconds) : lineDisplay(printFreq, budgetSeconds);
}
