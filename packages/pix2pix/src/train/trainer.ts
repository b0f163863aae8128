/**
 * `pix2pix train` as a library call: builds or resumes a run, trains epoch by epoch in the reference's
 * order, and keeps its checkpoints, JSONL log and HTML report current. Reads top to bottom: set up,
 * loop over epochs and batches, log / report / save when due, and stop with a checkpoint when told.
 */
import { mkdir } from "node:fs/promises";
import { type BackendName, useBackend } from "../backend.ts";
import { openPairedDataset } from "../data/index.ts";
import { writeError, writeFileAtomic } from "../io/atomic-file.ts";
import { trainOptionsFile } from "../io/run-files.ts";
import { Rng } from "../random.ts";
import type { TrainControl } from "./control.ts";
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
    const result = (outcome: TrainResult["outcome"]): TrainResult => ({
      outcome,
      epoch: run?.epoch ?? o.epochCount,
      iteration: run?.iteration ?? 0,
      backend,
      dir,
      report: run?.reportFile ?? "",
    });

    while (run.epoch <= run.lastEpoch) {
      const { lr, dataRng } = run.startEpoch();
      const alreadyDone = run.epochStep; // resumed mid-epoch: the first batches were trained on before
      let seen = 0;
      for await (const batch of dataset.batches(o.batchSize, dataRng)) {
        if (++seen <= alreadyDone) continue;
        run.step(batch, lr);
        if (run.iteration % o.printFreq === 0) await run.writeLog(lr);
        if (run.iteration % o.displayFreq === 0) await run.writeReport();
        if (run.latestDue) await run.save("latest");
        if (run.stopRequested && !run.epochDone) {
          await run.writeLog(lr);
          await run.save("latest");
          await run.writeReport();
          return result("stopped");
        }
      }
      await run.writeLog(lr);
      const finished = run.endEpoch();
      await run.save("latest");
      if (finished % o.saveEpochFreq === 0) await run.save(String(finished));
      await run.writeReport();
      if (run.stopRequested && finished < run.lastEpoch) return result("stopped");
    }
    return { ...result("finished"), epoch: run.lastEpoch };
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
