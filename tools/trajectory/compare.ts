/**
 * How far two sides of a trajectory run are apart: per step, their losses and learning rates; at each
 * dump, the relative distance ‖a − b‖ / ‖b‖ of G's parameters, of D's and of G's batch-norm running
 * statistics (and the tensor of each group furthest apart relative to its scale, max|a − b| / max|b|),
 * and G's eval-mode outputs (running statistics, no dropout), also scored against the held-out targets
 * as `pix2pix test` scores them.
 */
import { readFileSync } from "node:fs";
import {
  type HostTensor,
  type ImageMetrics,
  imageMetrics,
  meanMetrics,
  readSafetensors,
} from "pix2pix-ts/node";
import { runFiles, type Side, type StepRecord, type TrajectoryConfig } from "./config.ts";

/** How far a group of tensors (G's parameters, say) is apart. */
export interface Gap {
  /** ‖a − b‖ / ‖b‖ over all the group's values together. */
  readonly rel: number;
  /** The tensor with the largest max|a − b| / max|b|, and that ratio. */
  readonly worstKey: string;
  readonly worstRel: number;
}

export interface DumpComparison {
  readonly step: number;
  readonly lr: readonly [number, number];
  /** Over G's and D's parameters. */
  readonly paramsG: Gap;
  readonly paramsD: Gap;
  /** Over G's BN running_mean / running_var (what eval mode normalises with). */
  readonly runningG: Gap;
  readonly evalMaxAbs: number;
  readonly evalScores: readonly [ImageMetrics, ImageMetrics];
}

export interface LossGap {
  readonly step: number;
  readonly name: keyof Omit<StepRecord, "epoch">;
  readonly a: number;
  readonly b: number;
}

export interface Comparison {
  readonly sides: readonly [Side, Side];
  readonly dumps: DumpComparison[];
  /** First step (1-based) whose learning rates differ, if any. */
  readonly firstLrDifference?: LossGap;
  /** First step whose G_L1 differs by more than 1%, if any. */
  readonly firstLossDeparture?: LossGap;
  /** Mean |ΔG_L1| / G_L1 over each quarter of the run. */
  readonly l1GapByQuarter: number[];
}

function gapOf(a: Map<string, HostTensor>, b: Map<string, HostTensor>, keep: (key: string) => boolean): Gap {
  let diffSq = 0;
  let normSq = 0;
  let worst = { worstKey: "", worstRel: 0 };
  for (const [key, t] of b) {
    if (!keep(key) || t.dtype !== "float32") continue;
    const other = a.get(key);
    if (other?.dtype !== "float32") throw new Error(`${key} is missing on one side`);
    let maxDiff = 0;
    let scale = 0;
    for (let i = 0; i < t.data.length; i++) {
      const d = (other.data[i] as number) - (t.data[i] as number);
      diffSq += d * d;
      normSq += (t.data[i] as number) ** 2;
      maxDiff = Math.max(maxDiff, Math.abs(d));
      scale = Math.max(scale, Math.abs(t.data[i] as number));
    }
    const rel = maxDiff / Math.max(scale, 1e-30);
    if (rel >= worst.worstRel) worst = { worstKey: key, worstRel: rel };
  }
  return { rel: Math.sqrt(diffSq / Math.max(normSq, 1e-30)), ...worst };
}

const isRunning = (key: string) => key.endsWith("running_mean") || key.endsWith("running_var");
const isParam = (prefix: string) => (key: string) =>
  key.startsWith(prefix) && !isRunning(key) && !key.endsWith("num_batches_tracked");

function scores(output: HostTensor, targets: Float32Array, c: TrajectoryConfig): ImageMetrics {
  const per = c.size * c.size * c.outputNc;
  const image = (data: Float32Array) => ({ data, height: c.size, width: c.size, channels: c.outputNc });
  const all = [];
  for (let i = 0; i < c.evalCount; i++) {
    const out = output.data.subarray(i * per, (i + 1) * per) as Float32Array;
    all.push(imageMetrics(image(out), image(targets.subarray(i * per, (i + 1) * per))));
  }
  return meanMetrics(all);
}

const readRecords = (dir: string, side: Side): StepRecord[] =>
  JSON.parse(readFileSync(runFiles(dir).losses(side), "utf8"));

/** Compares side `a` (say pix2pix-ts) with side `b` (the reference), `b` giving each tensor's scale. */
export async function compareSides(dir: string, c: TrajectoryConfig, a: Side, b: Side): Promise<Comparison> {
  const files = runFiles(dir);
  const [ra, rb] = [readRecords(dir, a), readRecords(dir, b)];
  const steps = Math.min(ra.length, rb.length);
  const gap = (step: number, name: LossGap["name"]): LossGap => ({
    step,
    name,
    a: (ra[step - 1] as StepRecord)[name],
    b: (rb[step - 1] as StepRecord)[name],
  });
  let firstLrDifference: LossGap | undefined;
  let firstLossDeparture: LossGap | undefined;
  const quarters = [0, 0, 0, 0];
  for (let step = 1; step <= steps; step++) {
    const lr = gap(step, "lr");
    if (!firstLrDifference && Math.abs(lr.a - lr.b) > 1e-12 * Math.abs(lr.b)) firstLrDifference = lr;
    const l1 = gap(step, "G_L1");
    const rel = Math.abs(l1.a - l1.b) / Math.abs(l1.b);
    if (!firstLossDeparture && rel > 0.01) firstLossDeparture = l1;
    const q = Math.min(3, Math.floor(((step - 1) * 4) / steps));
    quarters[q] = (quarters[q] as number) + rel / Math.ceil(steps / 4);
  }

  const evalAll = new Float32Array(readFileSync(files.eval).buffer.slice(0));
  const targets = evalAll.subarray(c.evalCount * c.size * c.size * c.inputNc);
  const dumps: DumpComparison[] = [];
  for (const step of c.dumpSteps) {
    if (step > steps) continue;
    const [da, db] = [
      (await readSafetensors(files.dump(a, step))).tensors,
      (await readSafetensors(files.dump(b, step))).tensors,
    ];
    const [oa, ob] = [da.get("eval.output"), db.get("eval.output")];
    if (!oa || !ob) throw new Error(`step ${step}: no eval.output`);
    let evalMaxAbs = 0;
    for (let i = 0; i < ob.data.length; i++) {
      evalMaxAbs = Math.max(evalMaxAbs, Math.abs((oa.data[i] as number) - (ob.data[i] as number)));
    }
    const lrAt = (records: StepRecord[]) => records[Math.max(0, step - 1)]?.lr ?? Number.NaN;
    dumps.push({
      step,
      lr: [lrAt(ra), lrAt(rb)],
      paramsG: gapOf(da, db, isParam("G.")),
      paramsD: gapOf(da, db, isParam("D.")),
      runningG: gapOf(da, db, (key) => key.startsWith("G.") && isRunning(key)),
      evalMaxAbs,
      evalScores: [scores(oa, targets, c), scores(ob, targets, c)],
    });
  }
  return {
    sides: [a, b],
    dumps,
    ...(firstLrDifference && { firstLrDifference }),
    ...(firstLossDeparture && { firstLossDeparture }),
    l1GapByQuarter: quarters,
  };
}
