/**
 * A run's checkpoints in <checkpoints-dir>/<name>/, named by tag (`latest`, or an epoch number):
 *
 *   <tag>_net_G.safetensors, <tag>_net_D.safetensors   the networks, reference state-dict keys and
 *                                                      layouts (load in PyTorch; used by test/translate)
 *   <tag>_train_state.safetensors                      everything a resumed run needs, in ONE file:
 *                                                      both networks, both optimizers' moments, and the
 *                                                      run state (JSON metadata: epoch, step, LR, RNG
 *                                                      states, the resolved options)
 *
 * Each file is written whole (temp file, fsync, rename), and resuming reads only the train-state file,
 * so a kill -9 at any moment leaves a consistent checkpoint: the previous one or the new one. What the
 * files hold is train-state.ts's (browser-safe: the studio keeps the same bytes).
 */
import { mkdir } from "node:fs/promises";
import { UserError } from "../errors.ts";
import { writeError } from "../io/atomic-file.ts";
import { saveNetwork } from "../io/network-file.ts";
import { runFiles } from "../io/run-files.ts";
import { readSafetensors, writeSafetensors } from "../io/safetensors.ts";
import type { Pix2pixModel } from "./step-core.ts";
import {
  discriminatorMetadata,
  generatorMetadata,
  type RunState,
  restoreTrainState,
  runStateOf,
  trainStateContent,
} from "./train-state.ts";

export type { RunState } from "./train-state.ts";

/** Writes a checkpoint under `tag`: the train state first, then the networks in reference form. */
export async function saveCheckpoint(
  dir: string,
  tag: string,
  model: Pix2pixModel,
  run: RunState,
): Promise<void> {
  const files = runFiles(dir, tag);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw writeError(dir, error);
  }
  const { tensors, metadata } = trainStateContent(model, run);
  try {
    await writeSafetensors(files.trainState, tensors, metadata);
    await saveNetwork(files.g, model.g, generatorMetadata(run.options));
    await saveNetwork(files.d, model.d, discriminatorMetadata(run.options));
  } catch (error) {
    throw writeError(files.trainState, error);
  }
}

async function readTrainState(dir: string, tag: string) {
  const file = runFiles(dir, tag).trainState;
  let contents: Awaited<ReturnType<typeof readSafetensors>>;
  try {
    contents = await readSafetensors(file);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT" || /not found|ENOENT/.test(String(error))) {
      throw new UserError(
        `no checkpoint '${tag}' to continue from: ${file} does not exist`,
        "train without --continue to start the run, or pick another --epoch",
      );
    }
    throw error;
  }
  return { file, contents };
}

/** The run state of a checkpoint, to learn the run's options before building its networks. */
export async function readRunState(dir: string, tag: string): Promise<RunState> {
  const { file, contents } = await readTrainState(dir, tag);
  return runStateOf(contents, file);
}

/** Loads a checkpoint's networks and optimizer states into `model`; returns its run state. */
export async function loadCheckpoint(dir: string, tag: string, model: Pix2pixModel): Promise<RunState> {
  const { file, contents } = await readTrainState(dir, tag);
  return restoreTrainState(contents, file, model);
}
