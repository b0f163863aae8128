/**
 * Inference against onnxruntime-node (issue 11): the same U-Net generator (unet_256 at 256 px,
 * unet_128 at 128), exported to ONNX (infer/onnx-export.ts) and run by onnxruntime's CPU build with
 * as many threads as the onednn backend uses, timed beside ours in eval mode (running statistics, no
 * dropout: the graph the export holds), as inference runs it (the generator's inference plan,
 * infer/inference-plan.ts) and op by op, and in the paper's test mode (batch statistics and dropout,
 * what `pix2pix bench` times). The four are timed in turns within each round, so that a busy machine
 * slows them alike, each timed right after an untimed run of its own (see `seconds`); each figure is a
 * median over the rounds, after one untimed warm-up round (which compiles the plan and onnxruntime's
 * session).
 *
 * onnxruntime-node is a development dependency of the repository, loaded only here: install it with
 * its install script skipped (`npm install onnxruntime-node --ignore-scripts`; the script downloads from
 * a host outside npm, and the package already holds the Linux x64 CPU build).
 */
import { loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { nativeInfo } from "tfjs-backend-onednn";
import { UserError } from "../errors.ts";
import { withInferencePlan } from "../infer/inference-plan.ts";
import { generatorToOnnx } from "../infer/onnx-export.ts";
import { createGenerator } from "../models/index.ts";
import { nchwToNhwc, nhwcToNchw } from "../nn/layout.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../random.ts";
import { generatorForSize, median } from "./training-speed.ts";

export interface OnnxBaselineOptions {
  readonly size: number;
  readonly ngf: number;
  readonly batch: number;
  /** Timed rounds (after one warm-up round). */
  readonly iters: number;
}

export interface OnnxBaselineReport {
  readonly size: number;
  readonly ngf: number;
  readonly batch: number;
  readonly threads: number;
  readonly onnxruntime_infer_s_per_batch: number;
  /** Ours, eval mode: the same computation as the exported graph, by the inference plan. */
  readonly infer_eval_s_per_batch: number;
  /** Ours, eval mode op by op (one tfjs kernel per layer), as before the plan. */
  readonly infer_eval_ops_s_per_batch: number;
  /** Ours, the paper's test mode (batch statistics, dropout), as `pix2pix bench` times it. */
  readonly infer_test_s_per_batch: number;
  /** infer_eval_s_per_batch / onnxruntime_infer_s_per_batch (issue 11's target: ≤ 0.9). */
  readonly infer_ratio_onnxruntime: number;
  readonly infer_ratio_onnxruntime_test: number;
  /** infer_eval_ops_s_per_batch / onnxruntime_infer_s_per_batch. */
  readonly infer_ratio_onnxruntime_ops: number;
  /** Largest |ours − onnxruntime| over the outputs: both ran the same network. */
  readonly max_abs_diff: number;
  /** Largest |plan − op by op| over the eval-mode outputs. */
  readonly plan_max_abs_diff: number;
  /** The machine's 1, 5 and 15 minute load averages when the measurement ended. */
  readonly load_average: readonly number[];
}

type Ort = typeof import("onnxruntime-node");

async function loadOnnxruntime(): Promise<Ort> {
  try {
    return await import("onnxruntime-node");
  } catch (error) {
    throw new UserError(
      `onnxruntime-node cannot load: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      "in a checkout, 'npm ci' installs it (bash scripts/setup.sh); elsewhere 'npm install onnxruntime-node@1.30.0 --ignore-scripts'",
    );
  }
}

function maxAbsDiff(a: Float32Array, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return Number(max.toPrecision(3));
}

/**
 * The time of one run, right after an untimed one. After a run onnxruntime's worker threads spin for
 * tens of milliseconds and OpenMP's for a few, holding the cores, so that whichever engine ran next
 * shared them at first; a rest instead left the cores to other tenants of the host, and the next run
 * began with cold caches (ours took 1.2x as long after 100 ms of rest). The untimed run absorbs both:
 * each engine is timed as it runs back to back, serving requests.
 */
async function seconds(run: () => Promise<unknown> | unknown): Promise<number> {
  await run();
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/** Measures on the active backend, which should be onednn (its thread count sets onnxruntime's). */
export async function measureOnnxBaseline(o: OnnxBaselineOptions): Promise<OnnxBaselineReport> {
  const netG = generatorForSize(o.size);
  if (netG === undefined) throw new UserError(`size ${o.size} is not a multiple of 128`, "use 256 or 128");
  const ort = await loadOnnxruntime();
  const { threads } = nativeInfo();
  const architecture = {
    netG,
    ngf: o.ngf,
    norm: "batch",
    noDropout: false,
    inputNc: 3,
    outputNc: 3,
  } as const;
  const rng = Rng.fromSeed(0);
  const g = createGenerator({ ...architecture, dropout: true, initType: "normal", initGain: 0.02 }, rng);
  const planned = withInferencePlan(g, architecture);
  const shape: [number, number, number, number] = [o.batch, o.size, o.size, 3];
  const x = tf.randomUniform(shape, -1, 1, "float32", 1) as tf.Tensor4D;
  const session = await ort.InferenceSession.create(generatorToOnnx(g, architecture), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  try {
    const nchw = nhwcToNchw({ shape, data: x.dataSync() as Float32Array });
    const feeds = { input: new ort.Tensor("float32", nchw.data, [...nchw.shape]) };
    let theirs: Float32Array<ArrayBufferLike> = new Float32Array(0);
    const none: Float32Array<ArrayBufferLike> = new Float32Array(0);
    const outputs = { eval: none, evalOps: none, test: none };
    // dataSync outside tidy, as bench does: tidy would walk a returned typed array element by element
    const ourRun = (net: Network, mode: "eval" | "test", into: keyof typeof outputs) => () => {
      const y = net.apply(x, mode, rng);
      outputs[into] = y.dataSync() as Float32Array;
      y.dispose();
    };
    const runs = {
      eval: ourRun(planned, "eval", "eval"),
      evalOps: ourRun(g, "eval", "evalOps"),
      test: ourRun(g, "test", "test"),
    };
    const times = {
      onnxruntime: [] as number[],
      eval: [] as number[],
      evalOps: [] as number[],
      test: [] as number[],
    };
    for (let round = 0; round <= o.iters; round++) {
      const onnxruntime = await seconds(async () => {
        theirs = (await session.run(feeds)).output?.data as Float32Array;
      });
      const timed = {
        eval: await seconds(runs.eval),
        evalOps: await seconds(runs.evalOps),
        test: await seconds(runs.test),
      };
      if (round === 0) continue; // warm-up: plan compiled, primitives created, memory first touched
      times.onnxruntime.push(onnxruntime);
      times.eval.push(timed.eval);
      times.evalOps.push(timed.evalOps);
      times.test.push(timed.test);
    }
    const theirsData = nchwToNhwc({ shape: [o.batch, 3, o.size, o.size], data: theirs }).data;
    const onnxruntime = median(times.onnxruntime);
    const evalMode = median(times.eval);
    const evalOps = median(times.evalOps);
    const testMode = median(times.test);
    const fixed = (v: number, digits: number) => Number(v.toFixed(digits));
    return {
      size: o.size,
      ngf: o.ngf,
      batch: o.batch,
      threads,
      onnxruntime_infer_s_per_batch: fixed(onnxruntime, 4),
      infer_eval_s_per_batch: fixed(evalMode, 4),
      infer_eval_ops_s_per_batch: fixed(evalOps, 4),
      infer_test_s_per_batch: fixed(testMode, 4),
      infer_ratio_onnxruntime: fixed(evalMode / onnxruntime, 3),
      infer_ratio_onnxruntime_test: fixed(testMode / onnxruntime, 3),
      infer_ratio_onnxruntime_ops: fixed(evalOps / onnxruntime, 3),
      max_abs_diff: maxAbsDiff(outputs.eval, theirsData),
      plan_max_abs_diff: maxAbsDiff(outputs.eval, outputs.evalOps),
      load_average: loadavg().map((v) => fixed(v, 2)),
    };
  } finally {
    await session.release();
    x.dispose();
    planned.dispose();
  }
}
