/**
 * A run in progress: its networks and optimizers, where it stands (epoch, step, random generators), its
 * log and report, and the caller's limits. `train()` drives it; each method is one thing a training
 * script does (take a step, log, save, refresh the report).
 */
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "../backend.ts";
import type { PairBatch } from "../data/index.ts";
import { UserError } from "../errors.ts";
import { translateBatch } from "../infer/evaluate.ts";
import {
  createDiscriminator,
  createGenerator,
  discriminatorConfig,
  generatorConfig,
} from "../models/index.ts";
import { Rng, type RngState } from "../random.ts";
import { formatDuration } from "../report/format.ts";
import { Adam, PYTORCH_ADAM } from "./adam.ts";
import { loadCheckpoint, type RunState, saveCheckpoint } from "./checkpoint.ts";
import type { TrainControl } from "./control.ts";
import { LrSchedule } from "./lr-schedule.ts";
import type { TrainOptions } from "./options.ts";
import { writeTrainingReport } from "./report.ts";
import { RunLog } from "./run-log.ts";
import type { SamplePairs } from "./samples.ts";
import { LOSS_NAMES, type Pix2pixModel, type StepLosses, trainStep } from "./step.ts";

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

export class TrainingRun {
  readonly lastEpoch: number;
  /** The epoch in progress, and its steps done so far. */
  epoch: number;
  epochStep: number;
  iteration: number;
  private images: number;
  private imagesBefore: number;
  private epochL1Sum: number;
  /** The data order's generator state at the start of the epoch in progress. */
  private epochRng: RngState | undefined;
  private readonly pending: StepLosses[] = [];
  private readonly savedAt = new Map<string, string>();
  private readonly started = performance.now();
  private stepsThisCall = 0;

  private constructor(
    private readonly o: TrainOptions,
    readonly dir: string,
    readonly backend: BackendName,
    private readonly model: Pix2pixModel,
    /** The run's generator: initial weights, then dropout masks, and each epoch's data order. */
    private readonly rng: Rng,
    private readonly schedule: LrSchedule,
    private readonly log: RunLog,
    private readonly samples: SamplePairs,
    private readonly stepsPerEpoch: number,
    private readonly control: TrainControl,
    resumed: RunState | undefined,
    private readonly secondsBefore = resumed?.seconds ?? 0,
  ) {
    this.lastEpoch = o.nEpochs + o.nEpochsDecay;
    this.epoch = resumed?.epoch ?? o.epochCount;
    this.epochStep = resumed?.epochStep ?? 0;
    this.epochL1Sum = resumed?.epochL1Sum ?? 0;
    this.epochRng = resumed?.epochRng;
    this.iteration = resumed?.iteration ?? 0;
    this.images = resumed?.images ?? 0;
    this.imagesBefore = this.images;
  }

  /** A new run from its seed, or (--continue) the run as its checkpoint left it. */
  static async open(
    o: TrainOptions,
    dir: string,
    backend: BackendName,
    datasetSize: number,
    samples: SamplePairs,
    control: TrainControl,
  ): Promise<TrainingRun> {
    const seeded = Rng.fromSeed(o.seed);
    const model = createModel(o, o.continue ? null : seeded);
    try {
      const resumed = o.continue ? await loadCheckpoint(dir, o.epoch, model) : undefined;
      const log = await RunLog.open(path.join(dir, "loss_log.jsonl"), resumed?.iteration);
      const rng = resumed ? Rng.fromState(resumed.rng) : seeded;
      const schedule = LrSchedule.resume(o, resumed?.plateau);
      const stepsPerEpoch = Math.ceil(datasetSize / o.batchSize);
      const run = new TrainingRun(
        o,
        dir,
        backend,
        model,
        rng,
        schedule,
        log,
        samples,
        stepsPerEpoch,
        control,
        resumed,
      );
      if (resumed) {
        run.note(
          `resuming ${dir} at epoch ${resumed.epoch}, step ${resumed.epochStep} (iteration ${resumed.iteration})`,
        );
      }
      return run;
    } catch (error) {
      disposeModel(model);
      throw error;
    }
  }

  get reportFile(): string {
    return path.join(this.dir, "report.html");
  }

  /** The learning rate of the epoch in progress, and the generator of its data order. */
  startEpoch(): { lr: number; dataRng: Rng } {
    this.epochRng ??= this.rng.fork().state();
    const lr = this.schedule.lrForEpoch(this.epoch);
    if (lr === 0 && this.o.lr > 0) {
      // The reference's linear schedule reaches 0 in the last epoch: a one-epoch run would learn nothing.
      this.note(
        `epoch ${this.epoch} trains at learning rate 0 (the reference's schedule: its last epoch is at 0); ` +
          "give more --n-epochs or --n-epochs-decay to learn in every epoch",
      );
    }
    return { lr, dataRng: Rng.fromState(this.epochRng) };
  }

  /** One training step on a batch; stops the run, naming the step, when a loss is not finite. */
  step(batch: PairBatch, lr: number): void {
    const losses = tf.tidy(() => {
      const a = tf.tensor4d(batch.a, batch.shapeA);
      const b = tf.tensor4d(batch.b, batch.shapeB);
      return trainStep(this.model, { ...this.o, lr }, a, b, this.rng);
    });
    this.epochStep += 1;
    this.epochL1Sum += losses.G_L1;
    this.iteration += 1;
    this.stepsThisCall += 1;
    this.imagesBefore = this.images;
    this.images += batch.shapeA[0];
    this.checkFinite(losses);
    this.pending.push(losses);
    this.control.onStep?.({
      epoch: this.epoch,
      lastEpoch: this.lastEpoch,
      epochStep: this.epochStep,
      stepsInEpoch: this.stepsPerEpoch,
      iteration: this.iteration,
      stepsPerSecond: this.stepsPerSecond(),
      secondsLeft: this.secondsLeft(),
      losses,
    });
  }

  get epochDone(): boolean {
    return this.epochStep >= this.stepsPerEpoch;
  }

  /**
   * The latest checkpoint is due every --save-latest-freq training images, except at an epoch's last
   * step, where the end of the epoch saves it.
   */
  get latestDue(): boolean {
    if (this.epochDone) return false;
    const freq = this.o.saveLatestFreq;
    return Math.floor(this.images / freq) > Math.floor(this.imagesBefore / freq);
  }

  /** Signalled, or a limit of this call reached (steps, time budget). */
  get stopRequested(): boolean {
    const { signal, maxSteps, deadline } = this.control;
    return (
      signal?.aborted === true ||
      (maxSteps !== undefined && this.stepsThisCall >= maxSteps) ||
      (deadline !== undefined && Date.now() >= deadline)
    );
  }

  /** Writes the mean losses of the steps since the last record to the log. */
  async writeLog(lr: number): Promise<void> {
    const first = this.pending[0];
    if (first === undefined) return;
    const logged = LOSS_NAMES.filter((name) => name in first);
    const mean = (name: (typeof logged)[number]) =>
      this.pending.reduce((sum, l) => sum + (l[name] ?? 0), 0) / this.pending.length;
    const losses = Object.fromEntries(logged.map((name) => [name, mean(name)]));
    this.pending.length = 0;
    const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
    const { epoch, iteration } = this;
    await this.log.append({ epoch, iteration, lr, losses, seconds: this.seconds(), rssMiB });
  }

  /** Saves a checkpoint under `tag`; a second request for the same tag and position is a no-op. */
  async save(tag: string): Promise<void> {
    const position = `${this.epoch}:${this.epochStep}:${this.iteration}`;
    if (this.savedAt.get(tag) === position) return;
    await saveCheckpoint(this.dir, tag, this.model, this.runState());
    this.savedAt.set(tag, position);
    this.note(`saved checkpoint '${tag}' at epoch ${this.epoch}, iteration ${this.iteration} in ${this.dir}`);
  }

  async writeReport(): Promise<void> {
    const rng = Rng.fromSeed(this.o.seed); // the same dropout masks at every refresh: changes are the model's
    const samples = this.samples.batches.flatMap((batch) => translateBatch(this.model.g, batch, "test", rng));
    const shownEpoch = Math.min(this.epoch, this.lastEpoch);
    const rate = this.stepsThisCall / Math.max(1e-9, (performance.now() - this.started) / 1000);
    await writeTrainingReport(this.reportFile, {
      name: this.o.name,
      records: this.log.records,
      samples,
      samplesSource: this.samples.source,
      options: this.o,
      timings: [
        ["backend", this.backend],
        ["epoch", `${shownEpoch} of ${this.lastEpoch}`],
        ["iterations", String(this.iteration)],
        ["training time", formatDuration(this.seconds())],
        ["speed (this session)", `${rate.toFixed(2)} steps/s`],
        ["updated", new Date().toISOString()],
      ],
    });
  }

  /** Closes the epoch: the schedule sees its mean L1 (plateau policy) and the next epoch starts. */
  endEpoch(): number {
    this.schedule.endEpoch(this.epochL1Sum / Math.max(1, this.epochStep));
    const finished = this.epoch;
    this.epoch = finished + 1;
    this.epochStep = 0;
    this.epochL1Sum = 0;
    this.epochRng = undefined;
    return finished;
  }

  dispose(): void {
    disposeModel(this.model);
  }

  private runState(): RunState {
    return {
      epoch: this.epoch,
      epochStep: this.epochStep,
      epochL1Sum: this.epochL1Sum,
      epochRng: this.epochRng,
      iteration: this.iteration,
      images: this.images,
      seconds: this.seconds(),
      plateau: this.schedule.state(),
      rng: this.rng.state(),
      options: this.o,
    };
  }

  private note(message: string): void {
    this.control.onNote?.(message);
  }

  private seconds(): number {
    return this.secondsBefore + (performance.now() - this.started) / 1000;
  }

  private stepsPerSecond(): number {
    return this.stepsThisCall / ((performance.now() - this.started) / 1000);
  }

  /** Until the last epoch ends, or the time budget if that comes first. */
  private secondsLeft(): number {
    const stepsLeft =
      (this.lastEpoch - this.epoch) * this.stepsPerEpoch + (this.stepsPerEpoch - this.epochStep);
    const { deadline } = this.control;
    const budgetLeft = deadline === undefined ? Infinity : (deadline - Date.now()) / 1000;
    return Math.max(0, Math.min(stepsLeft / this.stepsPerSecond(), budgetLeft));
  }

  private checkFinite(losses: StepLosses): void {
    const bad = LOSS_NAMES.find((name) => name in losses && !Number.isFinite(losses[name]));
    if (bad === undefined) return;
    throw new UserError(
      `training diverged: loss ${bad} is ${losses[bad]} at epoch ${this.epoch}, step ${this.epochStep} (iteration ${this.iteration}); nothing was saved after it`,
      `the last good checkpoint is kept in ${this.dir}; try a lower --lr, then --continue`,
    );
  }
}

function disposeModel(model: Pix2pixModel): void {
  for (const part of [model.optimizerG, model.optimizerD, model.g, model.d]) part.dispose();
}
