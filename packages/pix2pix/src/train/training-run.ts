/**
 * A run of `pix2pix train` in its folder: a training session (session.ts: networks, optimizers, where
 * the run stands) and where its results go on disk (loop.ts's outputs): the JSONL log, checkpoints and
 * the HTML report. `train()` drives it through the shared loop.
 */
import path from "node:path";
import type { BackendName } from "../backend.ts";
import { translateBatch } from "../infer/evaluate.ts";
import { Rng } from "../random.ts";
import { formatDuration } from "../report/format.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import type { TrainControl } from "./control.ts";
import type { RunOutputs } from "./loop.ts";
import type { TrainOptions } from "./options.ts";
import { writeTrainingReport } from "./report.ts";
import { RunLog } from "./run-log.ts";
import type { SamplePairs } from "./samples.ts";
import { TrainingSession } from "./session.ts";
import "./step.ts"; // registers tfjs's gradients in Node

export class TrainingRun implements RunOutputs {
  private readonly savedAt = new Map<string, string>();

  private constructor(
    private readonly o: TrainOptions,
    readonly dir: string,
    readonly backend: BackendName,
    readonly session: TrainingSession,
    private readonly log: RunLog,
    private readonly samples: SamplePairs,
  ) {}

  /** A new run from its seed, or (--continue) the run as its checkpoint left it. */
  static async open(
    o: TrainOptions,
    dir: string,
    backend: BackendName,
    datasetSize: number,
    samples: SamplePairs,
    control: TrainControl,
  ): Promise<TrainingRun> {
    const session = await TrainingSession.open(o, {
      datasetSize,
      control,
      ...(o.continue && { restore: (model) => loadCheckpoint(dir, o.epoch, model) }),
      divergedHint: `the last good checkpoint is kept in ${dir}; try a lower --lr, then --continue`,
    });
    try {
      const log = await RunLog.open(
        path.join(dir, "loss_log.jsonl"),
        o.continue ? session.iteration : undefined,
      );
      if (o.continue) {
        session.note(
          `resuming ${dir} at epoch ${session.epoch}, step ${session.epochStep} (iteration ${session.iteration})`,
        );
      }
      return new TrainingRun(o, dir, backend, session, log, samples);
    } catch (error) {
      session.dispose();
      throw error;
    }
  }

  get reportFile(): string {
    return path.join(this.dir, "report.html");
  }

  /** Writes the mean losses of the steps since the last record to the log. */
  async writeLog(lr: number): Promise<void> {
    const losses = this.session.takeMeanLosses();
    if (losses === undefined) return;
    const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
    const { epoch, iteration } = this.session;
    await this.log.append({ epoch, iteration, lr, losses, seconds: this.session.seconds(), rssMiB });
  }

  /** Saves a checkpoint under `tag`; a second request for the same tag and position is a no-op. */
  async save(tag: string): Promise<void> {
    const { epoch, epochStep, iteration } = this.session;
    const position = `${epoch}:${epochStep}:${iteration}`;
    if (this.savedAt.get(tag) === position) return;
    await saveCheckpoint(this.dir, tag, this.session.model, this.session.runState());
    this.savedAt.set(tag, position);
    // at an epoch's end the session already stands at the next epoch's first step
    const when = epochStep === 0 ? `after epoch ${epoch - 1}` : `in epoch ${epoch} (step ${epochStep})`;
    this.session.note(`saved checkpoint '${tag}' ${when}, iteration ${iteration}, in ${this.dir}`);
  }

  async writeReport(): Promise<void> {
    const { session } = this;
    const rng = Rng.fromSeed(this.o.seed); // the same dropout masks at every refresh: changes are the model's
    const samples = this.samples.batches.flatMap((batch) =>
      translateBatch(session.model.g, batch, "test", rng),
    );
    const shownEpoch = Math.min(session.epoch, session.lastEpoch);
    await writeTrainingReport(this.reportFile, {
      name: this.o.name,
      records: this.log.records,
      samples,
      samplesSource: this.samples.source,
      options: this.o,
      timings: [
        ["backend", this.backend],
        ["epoch", `${shownEpoch} of ${session.lastEpoch}`],
        ["iterations", String(session.iteration)],
        ["training time", formatDuration(session.seconds())],
        ["speed (this session)", `${session.stepsPerSecond().toFixed(2)} steps/s`],
        ["updated", new Date().toISOString()],
      ],
    });
  }

  dispose(): void {
    this.session.dispose();
  }
}
