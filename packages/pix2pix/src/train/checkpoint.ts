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
 * so a kill -9 at any moment leaves a consistent checkpoint: the previous one or the new one.
 */
import { mkdir } from "node:fs/promises";
import { UserError } from "../errors.ts";
import { writeError } from "../io/atomic-file.ts";
import { saveNetwork } from "../io/network-file.ts";
import { runFiles } from "../io/run-files.ts";
import { type HostTensor, readSafetensors, writeSafetensors } from "../io/safetensors.ts";
import { loadNetworkStateDict, networkStateDict } from "../io/state-dict.ts";
import type { RngState } from "../random.ts";
import type { AdamState } from "./adam.ts";
import type { PlateauState } from "./lr-schedule.ts";
import type { Pix2pixModel } from "./step.ts";

/** Where a run stands, saved with its checkpoints. */
export interface RunState {
  /** The epoch in progress (or the next to start, when `epochStep` is 0). */
  readonly epoch: number;
  /** Steps of that epoch already done. */
  readonly epochStep: number;
  /** Steps and training images of the whole run so far. */
  readonly iteration: number;
  readonly images: number;
  /** Seconds spent training so far. */
  readonly seconds: number;
  readonly plateau: PlateauState | undefined;
  /** The run's generator (dropout masks) as it stood after the last step. */
  readonly rng: RngState;
  /** The data order's generator as it stood at the start of the epoch in progress (mid-epoch only). */
  readonly epochRng: RngState | undefined;
  /** The running sum of G_L1 over the epoch so far (for the plateau policy). */
  readonly epochL1Sum: number;
  /** The resolved options of the run. */
  readonly options: Record<string, unknown>;
}

const FORMAT = "pix2pix-ts train state 1";

function prefixed(prefix: string, dict: ReadonlyMap<string, HostTensor>): [string, HostTensor][] {
  return [...dict].map(([key, value]) => [`${prefix}${key}`, value]);
}

function moments(prefix: string, state: AdamState, params: ReadonlyMap<string, { shape: number[] }>) {
  const entries: [string, HostTensor][] = [];
  for (const [key, p] of params) {
    for (const [name, saved] of [
      ["exp_avg", state.expAvg],
      ["exp_avg_sq", state.expAvgSq],
    ] as const) {
      const data = saved.get(key) as Float32Array;
      entries.push([`${prefix}${name}.${key}`, { dtype: "float32", shape: p.shape, data }]);
    }
  }
  return entries;
}

/** G's architecture in its file, so that it loads with no flags: dropout cannot be read from weights. */
function generatorMetadata(options: Readonly<Record<string, unknown>>): Record<string, string> {
  const keys = ["netG", "ngf", "norm", "noDropout", "inputNc", "outputNc"];
  return Object.fromEntries(keys.map((key) => [key, String(options[key])]));
}

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
  const { optimizerG, optimizerD, g, d } = model;
  const adamG = optimizerG.state();
  const adamD = optimizerD.state();
  const tensors = new Map([
    ...prefixed("netG.", networkStateDict(g)),
    ...prefixed("netD.", networkStateDict(d)),
    ...moments("optimizer_G.", adamG, g.params),
    ...moments("optimizer_D.", adamD, d.params),
  ]);
  const metadata = {
    format: FORMAT,
    run: JSON.stringify(run),
    adam_steps: JSON.stringify({ G: adamG.step, D: adamD.step }),
  };
  try {
    await writeSafetensors(files.trainState, tensors, metadata);
    await saveNetwork(files.g, g, generatorMetadata(run.options));
    await saveNetwork(files.d, d);
  } catch (error) {
    throw writeError(files.trainState, error);
  }
}

function stripPrefix<V>(tensors: ReadonlyMap<string, V>, prefix: string): Map<string, V> {
  return new Map(
    [...tensors]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
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
  if (contents.metadata?.format !== FORMAT || contents.metadata.run === undefined) {
    throw new UserError(`${file} is not a pix2pix-ts training checkpoint`);
  }
  return { file, contents, run: JSON.parse(contents.metadata.run) as RunState };
}

/** The run state of a checkpoint, to learn the run's options before building its networks. */
export async function readRunState(dir: string, tag: string): Promise<RunState> {
  return (await readTrainState(dir, tag)).run;
}

/** Loads a checkpoint's networks and optimizer states into `model`; returns its run state. */
export async function loadCheckpoint(dir: string, tag: string, model: Pix2pixModel): Promise<RunState> {
  const { contents, run } = await readTrainState(dir, tag);
  const steps = JSON.parse(contents.metadata?.adam_steps ?? "{}") as { G: number; D: number };
  loadNetworkStateDict(model.g, stripPrefix(contents.tensors, "netG."));
  loadNetworkStateDict(model.d, stripPrefix(contents.tensors, "netD."));
  for (const [name, optimizer, step] of [
    ["optimizer_G.", model.optimizerG, steps.G],
    ["optimizer_D.", model.optimizerD, steps.D],
  ] as const) {
    const data = (prefix: string) =>
      new Map(
        [...stripPrefix(contents.tensors, `${name}${prefix}`)].flatMap(([k, v]) =>
          v.dtype === "float32" ? [[k, v.data] as const] : [],
        ),
      );
    optimizer.load({ step, expAvg: data("exp_avg."), expAvgSq: data("exp_avg_sq.") });
  }
  return run;
}
