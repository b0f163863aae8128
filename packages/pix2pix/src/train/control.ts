/** How a caller steers a training run and hears from it: limits, a stop signal, and progress callbacks. */
import type { StepLosses } from "./step.ts";

/** Where the run stands after a step: what a progress bar shows. */
export interface StepProgress {
  readonly epoch: number;
  readonly lastEpoch: number;
  /** Steps done in this epoch, and steps in an epoch. */
  readonly epochStep: number;
  readonly stepsInEpoch: number;
  /** Steps of the whole run so far. */
  readonly iteration: number;
  readonly stepsPerSecond: number;
  /** Seconds until the run ends: its last epoch, or its time budget if sooner. */
  readonly secondsLeft: number;
  readonly losses: StepLosses;
}

export interface TrainControl {
  /** Aborting it stops the run after the current step, with a checkpoint (SIGINT/SIGTERM in the CLI). */
  readonly signal?: AbortSignal;
  /** Stop after this many steps of this call (a checkpoint is saved), as if signalled. */
  readonly maxSteps?: number;
  /** Stop once the run has taken this many steps in all, resumed calls included (a checkpoint is saved). */
  readonly stopAtIteration?: number;
  /** Stop at this time (ms since the epoch), as if signalled: the demo's time budget. */
  readonly deadline?: number;
  /** Called after every step. */
  readonly onStep?: (progress: StepProgress) => void;
  /** One-line news of the run: the backend, a resume, a checkpoint saved. */
  readonly onNote?: (message: string) => void;
}
