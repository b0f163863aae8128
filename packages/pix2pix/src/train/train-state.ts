/**
 * A run's saved state as safetensors content, browser-safe: both networks, both optimizers' moments and
 * where the run stands (JSON metadata). The Node trainer writes it to <tag>_train_state.safetensors
 * (checkpoint.ts); the studio keeps the same bytes in IndexedDB. Also the generator's own file, with
 * the architecture in its metadata so that `pix2pix translate` and `serve` load it with no flags.
 */
import { UserError } from "../errors.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type HostTensor,
  type SafetensorsContent,
} from "../io/safetensors-codec.ts";
import { loadNetworkStateDict, networkStateDict } from "../io/state-dict.ts";
import type { RngState } from "../random.ts";
import type { AdamState } from "./adam.ts";
import type { PlateauState } from "./lr-schedule.ts";
import type { Pix2pixModel } from "./step-core.ts";

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

function stripPrefix<V>(tensors: ReadonlyMap<string, V>, prefix: string): Map<string, V> {
  return new Map(
    [...tensors]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}

/** G's architecture in its file, so that it loads with no flags: dropout cannot be read from weights. */
export function generatorMetadata(options: Readonly<Record<string, unknown>>): Record<string, string> {
  const keys = ["netG", "ngf", "norm", "noDropout", "inputNc", "outputNc"];
  return Object.fromEntries(keys.map((key) => [key, String(options[key])]));
}

/**
 * D's architecture in its file: the keras discriminator has the keys and shapes of n_layers 4, so only
 * the metadata tells them apart when the weights are read back.
 */
export function discriminatorMetadata(options: Readonly<Record<string, unknown>>): Record<string, string> {
  const keys = ["netD", "ndf", "nLayersD", "norm"];
  return Object.fromEntries(keys.map((key) => [key, String(options[key])]));
}

/** The model and run state as safetensors tensors and metadata. */
export function trainStateContent(model: Pix2pixModel, run: RunState): SafetensorsContent {
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
  return { tensors, metadata };
}

/** The run state of saved content, checked to be a train state (`source` names it in the error). */
export function runStateOf(contents: SafetensorsContent, source: string): RunState {
  if (contents.metadata?.format !== FORMAT || contents.metadata.run === undefined) {
    throw new UserError(`${source} is not a pix2pix-ts training checkpoint`);
  }
  return JSON.parse(contents.metadata.run) as RunState;
}

/** Loads saved content's networks and optimizer states into `model`; returns its run state. */
export function restoreTrainState(
  contents: SafetensorsContent,
  source: string,
  model: Pix2pixModel,
): RunState {
  const run = runStateOf(contents, source);
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

/** A saved state as one safetensors file's bytes (what the studio keeps). */
export function encodeTrainState(model: Pix2pixModel, run: RunState): Uint8Array {
  const { tensors, metadata } = trainStateContent(model, run);
  return encodeSafetensors(tensors, metadata);
}

/**
 * The generator of a saved state's bytes as its own .safetensors file, with the architecture in its
 * metadata: the file `pix2pix translate` and `serve` load with no flags. Needs no tensors on a backend.
 */
export function generatorFileFromTrainState(bytes: Uint8Array, source = "the saved run"): Uint8Array {
  const contents = decodeSafetensors(bytes, source);
  const run = runStateOf(contents, source);
  return encodeSafetensors(stripPrefix(contents.tensors, "netG."), generatorMetadata(run.options));
}
