/**
 * `pix2pix train` as a library call: builds or resumes a run, trains epoch by epoch in the reference's
 * order, and keeps its checkpoints, JSONL log and HTML report current. Reads top to bottom: set up,
 * loop over epochs and batches, and at the end (or when told to stop) save.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../backend.ts";
import { formatDuration, type Progress } from "../cli/progress/training.ts";
import { type DataOptions, openPairedDataset } from "../data/index.ts";
import { UserError } from "../errors.ts";
import { type Translation, translateBatch } from "../infer/evaluate.ts";
import { writeError, writeFileAtomic } from "../io/atomic-file.ts";
import { trainOptionsFile } from "../io/run-files.ts";
import {
  createDiscriminator,
  createGenerator,
  discriminatorConfig,
  generatorConfig,
} from "../models/index.ts";
import type { Network } from "../nn/network.ts";
import { defaults, resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import { Adam, PYTORCH_ADAM } from "./adam.ts";
import { loadCheckpoint, type RunState, readRunState, saveCheckpoint } from "./checkpoint.ts";
import { LrSchedule } from "./lr-schedule.ts";
import { type TrainOptions, trainOptions } from "./options.ts";
import { writeTrainingReport } from "./report.ts";
import { RunLog } from "./run-log.ts";
import { LOSS_NAMES, type Pix2pixModel, type StepLosses, trainStep } from "./step.ts";

/** How a caller steers a run besides its options. */
export interface TrainControl {
  /** Aborting it stops the run after the current step, with a checkpoint (SIGINT/SIGTERM in the CLI). */
  readonly signal?: AbortSignal;
  /** Stop after this many steps of this call (a checkpoint is saved), as if signalled. */
  readonly maxSteps?: number;
  /** Stop at this time (ms since the epoch), as if signalled: the demo's time budget. */
  readonly deadline?: number;
  /** Called after every step with its losses and the run's step count. */
  readonly onStep?: (losses: StepLosses, iteration: number) => void;
  readonly progress?: Progress;
  /** Where one-line messages go (backend, checkpoints, report); console.log when absent. */
  readonly say?: (line: string) => void;
}

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

/**
 * Options a resumed run takes from the command line when given there (a value other than the default);
 * every other option comes from the checkpoint, so `--continue --name x` alone resumes run x as it was.
 */
const RESUME_OVERRIDES = [
  "dataroot",
  "lr",
  "nEpochs",
  "nEpochsDecay",
  "saveEpochFreq",
  "saveLatestFreq",
  "printFreq",
  "displayFreq",
  "backend",
  "numThreads",
  "continue",
  "epoch",
] as const satisfies readonly (keyof TrainOptions)[];

const SAMPLE_COUNT = 4;

type Position = Pick<RunState, "epoch" | "epochStep" | "epochL1Sum" | "epochRng">;

async function resolveRunOptions(
  given: Partial<TrainOptions>,
): Promise<{ options: TrainOptions; dir: string }> {
  const requested = resolveOptions(trainOptions, given);
  const dir = path.join(requested.checkpointsDir, requested.name);
  if (!requested.continue) return { options: requested, dir };
  const saved = (await readRunState(dir, requested.epoch)).options as Partial<TrainOptions>;
  const fallback = defaults(trainOptions);
  const overrides = Object.fromEntries(
    RESUME_OVERRIDES.filter((key) => requested[key] !== fallback[key]).map((key) => [key, requested[key]]),
  );
  return { options: resolveOptions(trainOptions, { ...saved, ...overrides }), dir };
}

/** Where the report's sample pairs come from: a held-out split when there is one. */
function heldOutOptions(o: TrainOptions): { data: DataOptions; source: string } {
  const fixed = { serialBatches: true, noFlip: true, maxDatasetSize: SAMPLE_COUNT };
  if (o.datasetMode === "synthetic") {
    return { data: { ...o, ...fixed, phase: "test" }, source: "held-out synthetic test pairs" };
  }
  for (const phase of ["val", "test"]) {
    if (o.dataroot && phase !== o.phase && existsSync(path.join(o.dataroot, phase))) {
      return {
        data: { ...o, ...fixed, phase },
        source: `the first pairs of ${path.join(o.dataroot, phase)}`,
      };
    }
  }
  return { data: { ...o, ...fixed }, source: "training pairs (the dataset has no val/ or test/ split)" };
}

async function loadSamplePairs(o: TrainOptions) {
  const { data, source } = heldOutOptions(o);
  const dataset = await openPairedDataset(data, Rng.fromSeed(o.seed), { warn: () => {} });
  try {
    const batches = [];
    for await (const batch of dataset.batches(1, Rng.fromSeed(o.seed))) {
      batches.push(batch);
      if (batches.length === SAMPLE_COUNT) break;
    }
    return { batches, source };
  } finally {
    await dataset.close();
  }
}

/** The networks and their optimizers; `rng` null leaves the weights undrawn, for a checkpoint to fill. */
function createModel(o: TrainOptions, rng: Rng | null): Pix2pixModel {
  const g = createGenerator(generatorConfig(o, o.inputNc, o.outputNc), rng);
  const d = createDiscriminator(
    { ...discriminatorConfig(o, o.inputNc, o.outputNc), secondOrder: o.ganMode === "wgangp" },
    rng,
  );
  const adam = { ...PYTORCH_ADAM, beta1: o.beta1 };
  return { g, d, optimizerG: new Adam(g.params, adam), optimizerD: new Adam(d.params, adam) };
}

function disposeModel(model: Pix2pixModel): void {
  for (const part of [model.optimizerG, model.optimizerD, model.g, model.d]) part.dispose();
}

function divergence(losses: StepLosses, epoch: number, epochStep: number, iteration: number, dir: string) {
  const bad = LOSS_NAMES.find((name) => name in losses && !Number.isFinite(losses[name]));
  if (bad === undefined) return undefined;
  return new UserError(
    `training diverged: loss ${bad} is ${losses[bad]} at epoch ${epoch}, step ${epochStep} (iteration ${iteration}); nothing was saved after it`,
    `the last good checkpoint is kept in ${dir}; try a lower --lr, then --continue`,
  );
}

function samplesOf(
  g: Network,
  batches: Awaited<ReturnType<typeof loadSamplePairs>>["batches"],
  seed: number,
) {
  const rng = Rng.fromSeed(seed); // the same dropout masks at every refresh, so changes are the model's
  return batches.flatMap((batch): Translation[] => translateBatch(g, batch, "test", rng));
}

export async function train(given: Partial<TrainOptions>, control: TrainControl = {}): Promise<TrainResult> {
  const say = control.say ?? ((line: string) => console.log(line));
  const { options: o, dir } = await resolveRunOptions(given);
  const backend = await useBackend(o.backend);
  say(`backend: ${backend}`);
  // The data first: a wrong --dataroot or a bad file fails before anything is built or written.
  const dataset = await openPairedDataset(o, Rng.fromSeed(o.seed));
  let built: Pix2pixModel | undefined;
  try {
    try {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(trainOptionsFile(dir), `${JSON.stringify(o, null, 2)}\n`);
    } catch (error) {
      throw writeError(dir, error);
    }
    let rng = Rng.fromSeed(o.seed);
    const model = createModel(o, o.continue ? null : rng);
    built = model;
    let resumed: RunState | undefined;
    if (o.continue) {
      resumed = await loadCheckpoint(dir, o.epoch, model);
      rng = Rng.fromState(resumed.rng);
      say(
        `resuming ${dir} at epoch ${resumed.epoch}, step ${resumed.epochStep} (iteration ${resumed.iteration})`,
      );
    }
    const samples = await loadSamplePairs(o);
    const log = await RunLog.open(path.join(dir, "loss_log.jsonl"), resumed?.iteration);
    const reportFile = path.join(dir, "report.html");
    const schedule = LrSchedule.resume(o, resumed?.plateau);
    const lastEpoch = o.nEpochs + o.nEpochsDecay;
    const stepsPerEpoch = Math.ceil(dataset.size / o.batchSize);

    /** Where the run stands within its epochs; a checkpoint saves it. */
    let at: Position = resumed ?? { epoch: o.epochCount, epochStep: 0, epochL1Sum: 0, epochRng: undefined };
    let iteration = resumed?.iteration ?? 0;
    let images = resumed?.images ?? 0;
    const secondsBefore = resumed?.seconds ?? 0;
    const started = performance.now();
    const seconds = () => secondsBefore + (performance.now() - started) / 1000;
    let stepsThisCall = 0;
    const pending: StepLosses[] = [];

    const runState = (): RunState => ({
      epoch: at.epoch,
      epochStep: at.epochStep,
      epochL1Sum: at.epochL1Sum,
      epochRng: at.epochRng,
      iteration,
      images,
      seconds: seconds(),
      plateau: schedule.state(),
      rng: rng.state(),
      options: o,
    });
    const save = async (tag: string) => {
      await saveCheckpoint(dir, tag, model, runState());
      control.progress?.note(
        `saved checkpoint '${tag}' at epoch ${at.epoch}, iteration ${iteration} in ${dir}`,
      );
    };
    const flushLog = async (lr: number) => {
      if (pending.length === 0) return;
      const losses = Object.fromEntries(
        LOSS_NAMES.filter((name) => pending[0] !== undefined && name in pending[0]).map((name) => [
          name,
          pending.reduce((s, l) => s + (l[name] ?? 0), 0) / pending.length,
        ]),
      );
      pending.length = 0;
      const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
      await log.append({ epoch: at.epoch, iteration, lr, losses, seconds: seconds(), rssMiB });
    };
    const refreshReport = async () => {
      const rate = stepsThisCall / Math.max(1e-9, (performance.now() - started) / 1000);
      await writeTrainingReport(reportFile, {
        name: o.name,
        records: log.records,
        samples: samplesOf(model.g, samples.batches, o.seed),
        samplesSource: samples.source,
        options: o,
        timings: [
          ["backend", backend],
          ["epoch", `${Math.min(at.epoch, lastEpoch)} of ${lastEpoch}`],
          ["iterations", String(iteration)],
          ["training time", formatDuration(seconds())],
          ["speed (this session)", `${rate.toFixed(2)} steps/s`],
          ["updated", new Date().toISOString()],
        ],
      });
    };
    const shouldStop = () =>
      control.signal?.aborted === true ||
      (control.maxSteps !== undefined && stepsThisCall >= control.maxSteps) ||
      (control.deadline !== undefined && Date.now() >= control.deadline);

    while (at.epoch <= lastEpoch) {
      const lr = schedule.lrForEpoch(at.epoch);
      const epochRng = at.epochRng ?? rng.fork().state();
      at = { ...at, epochRng };
      let seen = 0;
      for await (const batch of dataset.batches(o.batchSize, Rng.fromState(epochRng))) {
        seen += 1;
        if (seen <= at.epochStep) continue; // resumed mid-epoch: these steps were done before the stop
        const losses = tf.tidy(() => {
          const a = tf.tensor4d(batch.a, batch.shapeA);
          const b = tf.tensor4d(batch.b, batch.shapeB);
          return trainStep(model, { ...o, lr }, a, b, rng);
        });
        at = { ...at, epochStep: at.epochStep + 1, epochL1Sum: at.epochL1Sum + losses.G_L1 };
        iteration += 1;
        stepsThisCall += 1;
        images += batch.shapeA[0];
        const diverged = divergence(losses, at.epoch, at.epochStep, iteration, dir);
        if (diverged) throw diverged;
        pending.push(losses);
        control.onStep?.(losses, iteration);
        const stepsPerSecond = stepsThisCall / ((performance.now() - started) / 1000);
        const stepsLeft = (lastEpoch - at.epoch) * stepsPerEpoch + (stepsPerEpoch - at.epochStep);
        const budgetLeft = control.deadline === undefined ? Infinity : (control.deadline - Date.now()) / 1000;
        control.progress?.update({
          epoch: at.epoch,
          lastEpoch,
          step: at.epochStep,
          stepsInEpoch: stepsPerEpoch,
          stepsPerSecond,
          secondsLeft: Math.max(0, Math.min(stepsLeft / stepsPerSecond, budgetLeft)),
          losses,
        });
        if (iteration % o.printFreq === 0) await flushLog(lr);
        if (iteration % o.displayFreq === 0) await refreshReport();
        if (
          Math.floor(images / o.saveLatestFreq) > Math.floor((images - batch.shapeA[0]) / o.saveLatestFreq)
        ) {
          await save("latest");
        }
        if (shouldStop() && at.epochStep < stepsPerEpoch) {
          await flushLog(lr);
          await save("latest");
          await refreshReport();
          return { outcome: "stopped", epoch: at.epoch, iteration, backend, dir, report: reportFile };
        }
      }
      await flushLog(lr);
      schedule.endEpoch(at.epochL1Sum / Math.max(1, at.epochStep));
      const finished = at.epoch;
      at = { epoch: finished + 1, epochStep: 0, epochL1Sum: 0, epochRng: undefined };
      await save("latest");
      if (finished % o.saveEpochFreq === 0) await save(String(finished));
      await refreshReport();
      if (shouldStop() && finished < lastEpoch) {
        return { outcome: "stopped", epoch: at.epoch, iteration, backend, dir, report: reportFile };
      }
    }
    return { outcome: "finished", epoch: lastEpoch, iteration, backend, dir, report: reportFile };
  } finally {
    control.progress?.stop();
    await dataset.close();
    if (built) disposeModel(built);
  }
}
