/**
 * The training loop in the reference's order, browser-safe: epoch by epoch over a dataset's batches, a
 * step each, logging, sample refreshes and saves when due, and a saved stop when told. Where the log,
 * samples and saves go is the caller's: files for `pix2pix train`, the page for the studio.
 */
import type { PairedDataset } from "../data/dataset.ts";
import type { TrainingSession } from "./session.ts";

/** Where a run's results go. */
export interface RunOutputs {
  /** Records the mean losses of the steps since the last record, at learning rate `lr`. */
  writeLog(lr: number): Promise<void>;
  /** Refreshes the sample translations (the report's images). */
  writeReport(): Promise<void>;
  /** Saves the run's state under `tag` (`latest`, or the number of a finished epoch). */
  save(tag: string): Promise<void>;
}

export interface LoopSettings {
  readonly batchSize: number;
  readonly printFreq: number;
  readonly displayFreq: number;
  readonly saveEpochFreq: number;
}

/** finished: every epoch ran; stopped: signalled or a limit reached (resumable from the saved state). */
export type LoopOutcome = "finished" | "stopped";

export async function trainEpochs(
  run: TrainingSession,
  dataset: Pick<PairedDataset, "batches">,
  o: LoopSettings,
  out: RunOutputs,
): Promise<LoopOutcome> {
  while (run.epoch <= run.lastEpoch) {
    const { lr, dataRng } = run.startEpoch();
    const alreadyDone = run.epochStep; // resumed mid-epoch: the first batches were trained on before
    let seen = 0;
    for await (const batch of dataset.batches(o.batchSize, dataRng)) {
      if (++seen <= alreadyDone) continue;
      run.step(batch, lr);
      if (run.iteration % o.printFreq === 0) await out.writeLog(lr);
      if (run.iteration % o.displayFreq === 0) await out.writeReport();
      if (run.latestDue) await out.save("latest");
      if (run.stopRequested && !run.epochDone) {
        await out.writeLog(lr);
        await out.save("latest");
        await out.writeReport();
        return "stopped";
      }
    }
    await out.writeLog(lr);
    const finished = run.endEpoch();
    await out.save("latest");
    if (finished % o.saveEpochFreq === 0) await out.save(String(finished));
    await out.writeReport();
    if (run.stopRequested && finished < run.lastEpoch) return "stopped";
  }
  return "finished";
}
