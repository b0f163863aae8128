/**
 * A training session, browser-safe: the networks and their optimizers, where the run stands (epoch,
 * step, random generators, learning-rate schedule) and its limits. The Node trainer (training-run.ts,
 * with files) and the browser's pair trainer (pair-trainer.ts, with pixels the page gives) both drive
 * one through loop.ts, so a step, its losses, Adam and the schedule are the same code in both.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { PairBatch } from "../data/dataset.ts";
import { UserError } from "../errors.ts";
import {
  createDiscriminator,
  createGenerator,
  discriminatorConfig,
  generatorConfig,
} from "../models/index.ts";
import { Rng, type RngState } from "../random.ts";
import { Adam, PYTORCH_ADAM } from "./adam.ts";
import type { TrainControl } from "./control.ts";
import { LrSchedule } from "./lr-schedule.ts";
import type { SessionOptions } from "./session-options.ts";
import { LOSS_NAMES, type LossName, type Pix2pixModel, type StepLosses, trainStep } from "./step-core.ts";
import type { RunState } from "./train-state.ts";

/** The networks and their optimizers; `rng` null leaves the weights undrawn, for a checkpoint to fill. */
function createModel(o: SessionOptions, rng: Rng | null): Pix2pixModel {
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

/** How a session starts: from its seed, or with a saved state that `restore` loads into the model. */
export interface SessionStart {
  readonly datasetSize: number;
  readonly control: TrainControl;
  /** Loads a saved state's weights and moments into the (undrawn) model; returns where the run stood. */
  readonly restore?: (model: Pix2pixModel) => Promise<RunState> | RunState;
  /** What a diverged run's error suggests (where the last good state is, how to go on). */
  readonly divergedHint: string;
}

export class TrainingSession {
  readonly lastEpoch: number;
  /** The epoch in progress, and its steps done so far. */
  epoch: number;
  epochStep: number;
  iteration: number;
  readonly stepsPerEpoch: number;
  private images: number;
  private imagesBefore: number;
  private epochL1Sum: number;
  /** The data order's generator state at the start of the epoch in progress. */
  private epochRng: RngState | undefined;
  private readonly pending: StepLosses[] = [];
  private readonly started = performance.now();
  private stepsThisCall = 0;
  private readonly secondsBefore: number;

  private constructor(
    readonly options: SessionOptions,
    readonly model: Pix2pixModel,
    /** The run's generator: initial weights, then dropout masks, and each epoch's data order. */
    private readonly rng: Rng,
    private readonly schedule: LrSchedule,
    private readonly start: SessionStart,
    resumed: RunState | undefined,
  ) {
    this.lastEpoch = options.nEpochs + options.nEpochsDecay;
    this.stepsPerEpoch = Math.ceil(start.datasetSize / options.batchSize);
    this.epoch = resumed?.epoch ?? options.epochCount;
    this.epochStep = resumed?.epochStep ?? 0;
    this.epochL1Sum = resumed?.epochL1Sum ?? 0;
    this.epochRng = resumed?.epochRng;
    this.iteration = resumed?.iteration ?? 0;
    this.images = resumed?.images ?? 0;
    this.imagesBefore = this.images;
    this.secondsBefore = resumed?.seconds ?? 0;
  }

  /** A new session from the seed, or (with `restore`) the run as its saved state left it. */
  static async open(o: SessionOptions, start: SessionStart): Promise<TrainingSession> {
    if (tf.getGradient("Conv2D") === undefined) {
      throw new Error(
        "tfjs's gradients are not registered: import '@tensorflow/tfjs-core/dist/register_all_gradients.js' " +
          "once in the page or worker that trains (pix2pix-ts/node registers them itself)",
      );
    }
    const seeded = Rng.fromSeed(o.seed);
    const model = createModel(o, start.restore ? null : seeded);
    try {
      const resumed = start.restore ? await start.restore(model) : undefined;
      const rng = resumed ? Rng.fromState(resumed.rng) : seeded;
      return new TrainingSession(o, model, rng, LrSchedule.resume(o, resumed?.plateau), start, resumed);
    } catch (error) {
      disposeModel(model);
      throw error;
    }
  }

  /** The learning rate of the epoch in progress, and the generator of its data order. */
  startEpoch(): { lr: number; dataRng: Rng } {
    this.epochRng ??= this.rng.fork().state();
    const lr = this.schedule.lrForEpoch(this.epoch);
    if (lr === 0 && this.options.lr > 0) {
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
      return trainStep(this.model, { ...this.options, lr }, a, b, this.rng);
    });
    this.epochStep += 1;
    this.epochL1Sum += losses.G_L1;
    this.iteration += 1;
    this.stepsThisCall += 1;
    this.imagesBefore = this.images;
    this.images += batch.shapeA[0];
    this.checkFinite(losses);
    this.pending.push(losses);
    this.start.control.onStep?.({
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
    const freq = this.options.saveLatestFreq;
    return Math.floor(this.images / freq) > Math.floor(this.imagesBefore / freq);
  }

  /** Signalled, or a limit reached (steps of this call or of the run, time budget). */
  get stopRequested(): boolean {
    const { signal, maxSteps, stopAtIteration, deadline } = this.start.control;
    return (
      signal?.aborted === true ||
      (maxSteps !== undefined && this.stepsThisCall >= maxSteps) ||
      (stopAtIteration !== undefined && this.iteration >= stopAtIteration) ||
      (deadline !== undefined && Date.now() >= deadline)
    );
  }

  /** The mean of each loss over the steps since the last call (undefined when none were taken). */
  takeMeanLosses(): Partial<Record<LossName, number>> | undefined {
    const first = this.pending[0];
    if (first === undefined) return undefined;
    const logged = LOSS_NAMES.filter((name) => name in first);
    const mean = (name: LossName) =>
      this.pending.reduce((sum, l) => sum + (l[name] ?? 0), 0) / this.pending.length;
    const losses = Object.fromEntries(logged.map((name) => [name, mean(name)]));
    this.pending.length = 0;
    return losses;
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

  /** Where the run stands, as a saved state holds it. */
  runState(): RunState {
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
      options: { ...this.options },
    };
  }

  /** Seconds spent training in the whole run. */
  seconds(): number {
    return this.secondsBefore + (performance.now() - this.started) / 1000;
  }

  /** Steps per second of this call. */
  stepsPerSecond(): number {
    return this.stepsThisCall / Math.max(1e-9, (performance.now() - this.started) / 1000);
  }

  note(message: string): void {
    this.start.control.onNote?.(message);
  }

  dispose(): void {
    disposeModel(this.model);
  }

  /** Until the last epoch ends, or the time budget if that comes first. */
  private secondsLeft(): number {
    const stepsLeft =
      (this.lastEpoch - this.epoch) * this.stepsPerEpoch + (this.stepsPerEpoch - this.epochStep);
    const { deadline } = this.start.control;
    const budgetLeft = deadline === undefined ? Infinity : (deadline - Date.now()) / 1000;
    return Math.max(0, Math.min(stepsLeft / this.stepsPerSecond(), budgetLeft));
  }

  private checkFinite(losses: StepLosses): void {
    const bad = LOSS_NAMES.find((name) => name in losses && !Number.isFinite(losses[name]));
    if (bad === undefined) return;
    throw new UserError(
      `training diverged: loss ${bad} is ${losses[bad]} at epoch ${this.epoch}, step ${this.epochStep} (iteration ${this.iteration}); nothing was saved after it`,
      this.start.divergedHint,
    );
  }
}
