/**
 * `pix2pix train` as a library call: builds or resumes a run and trains it through the shared loop
 * (loop.ts: epoch by epoch in the reference's order, log / report / save when due, a checkpoint when
 * told to stop), keeping its checkpoints, JSONL log and HTML report current.
 */
import { mkdir } from "node:fs/promises";
import { type BackendName, useBackend } from "../backend.ts";
import { openPairedDataset } from "../data/index.ts";
import { writeError, writeFileAtomic } from "../io/atomic-file.ts";
import { trainOptionsFile } from "../io/run-files.ts";
import { Rng } from "../random.ts";
import type { TrainControl } from "./control.ts";
import { trainEpochs } from "./loop.ts";
import type { TrainOptions } from "./options.ts";
import { resolveRunOptions } from "./run-options.ts";
import { loadSamplePairs } from "./samples.ts";
import { TrainingRun } from "./training-run.ts";

export interface TrainResult {
  /** finished: every epoch ran; stopped: signalled or a limit reached (resumable with --continue). */
  readonly outcome: "finished" | "stopped";
  readonly epoch: number;
  readonly iteration: number;
  readonly backend: BackendName;
  /** The run's folder: checkpoints, options, log and report. */
  readonly dir: string;
  readonly report: string;
}

export async function train(given: Partial<TrainOptions>, control: TrainControl = {}): Promise<TrainResult> {
  const { options: o, dir } = await resolveRunOptions(given);
  const backend = await useBackend(o.backend);
  control.onNote?.(`backend: ${backend}`);
  // The data first: a wrong --dataroot or a bad file fails before anything is built or written.
  const dataset = await openPairedDataset(o, Rng.fromSeed(o.seed));
  let run: TrainingRun | undefined;
  try {
    await writeRunOptions(dir, o);
    run = await TrainingRun.open(o, dir, backend, dataset.size, await loadSamplePairs(o), control);
    const outcome = await trainEpochs(run.session, dataset, o, run);
    const { session } = run;
    const epoch = outcome === "finished" ? session.lastEpoch : session.epoch;
    return { outcome, epoch, iteration: session.iteration, backend, dir, report: run.reportFile };
  } finally {
    await dataset.close();
    run?.dispose();
  }
}

async function writeRunOptions(dir: string, o: TrainOptions): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(trainOptionsFile(dir), `${JSON.stringify(o, null, 2)}\n`);
  } catch (error) {
    throw writeError(dir, error);
  }
}
