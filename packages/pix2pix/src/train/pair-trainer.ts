/**
 * Training on pairs the caller holds in memory, browser-safe: the studio's way to train (in a Web
 * Worker) on the user's own images. The same session, step, Adam, schedule and loop as `pix2pix train`
 * (session.ts, loop.ts); only where the data comes from (pair-dataset.ts) and where results go (the
 * caller's hooks, instead of files) differ. A saved state is the bytes of a train-state safetensors
 * file (train-state.ts), which the caller keeps and gives back to resume.
 */

import type { PairBatch } from "../data/dataset.ts";
import { type Translation, translateBatch } from "../infer/evaluate.ts";
import { generatorFromBytes } from "../infer/generator-bytes.ts";
import { decodeSafetensors } from "../io/safetensors-codec.ts";
import { loadNetworkStateDict, networkStateDict } from "../io/state-dict.ts";
import { resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import type { TrainControl } from "./control.ts";
import { type LoopOutcome, type RunOutputs, trainEpochs } from "./loop.ts";
import { type ImagePair, pairDataset } from "./pair-dataset.ts";
import { TrainingSession } from "./session.ts";
import { type SessionOptions, sessionOptions } from "./session-options.ts";
import { encodeTrainState, restoreTrainState, runStateOf } from "./train-state.ts";

/** Pairs whose translations the samples show (the first ones, as the trainer's report without a split). */
const SAMPLE_COUNT = 4;

/** One logged step (or the mean of the steps since the last one), as the run's JSONL log has it. */
export interface PairLossRecord {
  readonly epoch: number;
  readonly iteration: number;
  readonly lr: number;
  readonly losses: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export interface PairTrainingHooks extends TrainControl {
  readonly onLog?: (record: PairLossRecord) => void | Promise<void>;
  /** The sample pairs' input, G's output (the paper's test mode, a fixed seed) and target. */
  readonly onSamples?: (samples: Translation[]) => void | Promise<void>;
  /** A saved state (train-state safetensors bytes) and the step it holds; keep it to resume. */
  readonly onSave?: (state: Uint8Array, iteration: number) => void | Promise<void>;
}

export type PairTrainingOptions = Partial<Omit<SessionOptions, "seed">> & { readonly seed?: number };

export interface PairTrainingStart {
  readonly pairs: readonly ImagePair[];
  /** For a new run; a resumed run keeps its saved options. */
  readonly options?: PairTrainingOptions;
  /** A saved state from `onSave` to resume from. */
  readonly resume?: Uint8Array;
  /** A generator's weights to fine-tune (a .safetensors or .pth file's bytes), instead of a fresh G. */
  readonly fineTune?: { readonly bytes: Uint8Array; readonly name: string };
}

export interface PairTrainingResult {
  readonly outcome: LoopOutcome;
  readonly iteration: number;
  readonly epoch: number;
}

/**
 * The epochs for a run of about `steps` steps: the first half at the full rate, then the reference's
 * linear decay; one more decay epoch than the run reaches, so that no epoch trains at rate 0.
 */
export function scheduleForSteps(
  steps: number,
  pairCount: number,
  batchSize = 1,
): { nEpochs: number; nEpochsDecay: number } {
  const epochs = Math.max(1, Math.ceil(steps / Math.ceil(pairCount / batchSize)));
  const nEpochs = Math.ceil(epochs / 2);
  return { nEpochs, nEpochsDecay: epochs - nEpochs + 1 };
}

/** The run's options: the saved ones when resuming, else the given ones (a fine-tuned G's architecture). */
function runOptions(start: PairTrainingStart): SessionOptions {
  if (start.resume) {
    const saved = runStateOf(decodeSafetensors(start.resume, "the saved run"), "the saved run");
    const { seed, ...rest } = saved.options as Partial<SessionOptions>;
    return { ...resolveOptions(sessionOptions, rest), seed: seed ?? 0 };
  }
  const { seed = 0, ...given } = start.options ?? {};
  return { ...resolveOptions(sessionOptions, given), seed };
}

class PairRunOutputs implements RunOutputs {
  private savedAt = -1;

  constructor(
    private readonly session: TrainingSession,
    private readonly samples: readonly PairBatch[],
    private readonly hooks: PairTrainingHooks,
  ) {}

  async writeLog(lr: number): Promise<void> {
    const losses = this.session.takeMeanLosses();
    if (losses === undefined) return;
    const { epoch, iteration } = this.session;
    await this.hooks.onLog?.({ epoch, iteration, lr, losses, seconds: this.session.seconds() });
  }

  async writeReport(): Promise<void> {
    if (!this.hooks.onSamples) return;
    const rng = Rng.fromSeed(this.session.options.seed); // the same dropout masks at every refresh
    await this.hooks.onSamples(
      this.samples.flatMap((batch) => translateBatch(this.session.model.g, batch, "test", rng)),
    );
  }

  /** Only the latest state is kept (the caller's storage holds one); epoch tags add nothing. */
  async save(tag: string): Promise<void> {
    const { iteration } = this.session;
    if (tag !== "latest" || this.savedAt === iteration || !this.hooks.onSave) return;
    await this.hooks.onSave(encodeTrainState(this.session.model, this.session.runState()), iteration);
    this.savedAt = iteration;
  }
}

async function samplePairs(pairs: readonly ImagePair[], o: SessionOptions): Promise<PairBatch[]> {
  const fixed = pairDataset(pairs.slice(0, SAMPLE_COUNT), { ...o, serialBatches: true, noFlip: true });
  const batches: PairBatch[] = [];
  for await (const batch of fixed.batches(1, Rng.fromSeed(o.seed))) batches.push(batch);
  return batches;
}

/** Trains until the run's last epoch or a stop (signal, `stopAtIteration`, ...), saving as it goes. */
export async function trainOnPairs(
  start: PairTrainingStart,
  hooks: PairTrainingHooks = {},
): Promise<PairTrainingResult> {
  let o = runOptions(start);
  const tuned =
    !start.resume && start.fineTune
      ? generatorFromBytes(start.fineTune.bytes, start.fineTune.name)
      : undefined;
  try {
    if (tuned) {
      const { netG, ngf, norm, noDropout, inputNc, outputNc } = tuned.architecture;
      o = { ...o, netG, ngf, norm, noDropout, inputNc, outputNc };
    }
    const dataset = pairDataset(start.pairs, o);
    const resume = start.resume;
    const session = await TrainingSession.open(o, {
      datasetSize: dataset.size,
      control: hooks,
      ...(resume && {
        restore: (model) =>
          restoreTrainState(decodeSafetensors(resume, "the saved run"), "the saved run", model),
      }),
      divergedHint: "the last saved state is kept; try a lower learning rate",
    });
    try {
      if (tuned) loadNetworkStateDict(session.model.g, networkStateDict(tuned.g), start.fineTune?.name);
      const outputs = new PairRunOutputs(session, await samplePairs(start.pairs, o), hooks);
      const outcome = await trainEpochs(session, dataset, o, outputs);
      return { outcome, iteration: session.iteration, epoch: session.epoch };
    } finally {
      session.dispose();
    }
  } finally {
    tuned?.g.dispose();
  }
}
