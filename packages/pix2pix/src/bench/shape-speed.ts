/**
 * `pix2pix bench --shapes`: the bench's measurement at other image sizes and batches, each shape in a
 * child process of its own (`pix2pix bench --json` with that size and batch). A process's peak RSS
 * never comes down, so only a fresh process gives each shape its own peak memory; each child also
 * measures the sgemm peak itself, just before its phases, for its utilization.
 */
import { spawnSync } from "node:child_process";
import { UserError } from "../errors.ts";
import { generatorForSize, type SpeedReport } from "./training-speed.ts";

export interface Shape {
  readonly size: number;
  readonly batch: number;
}

export interface ShapeSettings {
  /** The `pix2pix` CLI script to run (the running one: process.argv[1]). */
  readonly cli: string;
  readonly backend: string;
  readonly ngf: number;
  readonly ndf: number;
  readonly iters: number;
}

/** One shape's figures, as the bench reports them, with each phase's convolution GFLOP. */
export interface ShapeReport {
  readonly size: number;
  readonly batch: number;
  readonly peak_gflops: number | null;
  readonly train_s_per_iter: number;
  readonly gflops_per_s: number | null;
  readonly utilization: number | null;
  /** Convolution GFLOP of one training iteration (gflops_per_s × train_s_per_iter). */
  readonly train_gflop_per_iter: number | null;
  readonly infer_s_per_batch: number;
  readonly infer_gflops_per_s: number | null;
  readonly infer_utilization: number | null;
  /** Convolution GFLOP of one inference batch (infer_gflops_per_s × infer_s_per_batch). */
  readonly infer_gflop_per_batch: number | null;
  readonly train_peak_rss_mb: number;
  readonly infer_peak_rss_mb: number;
}

/** `--shapes 256x1,256x4,512x1`: SIZExBATCH pairs, each size one the U-Net takes. */
export function parseShapes(text: string): Shape[] {
  return text.split(",").map((item) => {
    const match = /^(\d+)x(\d+)$/.exec(item.trim());
    const size = Number(match?.[1]);
    const batch = Number(match?.[2]);
    if (match === null || batch < 1 || generatorForSize(size) === undefined) {
      throw new UserError(
        `--shapes takes SIZExBATCH pairs separated by commas, got '${item}' in '${text}'`,
        "e.g. --shapes 256x1,256x4,512x1 (each size a multiple of 128, each batch at least 1)",
      );
    }
    return { size, batch };
  });
}

function gflop(rate: number | null, seconds: number): number | null {
  return rate === null ? null : Number((rate * seconds).toPrecision(3));
}

function measureShape(s: ShapeSettings, { size, batch }: Shape): ShapeReport {
  const args = [
    ...[s.cli, "bench", "--json", "--size", String(size), "--batch", String(batch)],
    ...["--ngf", String(s.ngf), "--ndf", String(s.ndf), "--iters", String(s.iters), "--backend", s.backend],
  ];
  const result = spawnSync(process.execPath, [...process.execArgv, ...args], {
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  if (result.error !== undefined || result.status !== 0) {
    const detail = (result.stderr ?? "").trim().split("\n").slice(-3).join(" | ") || result.error?.message;
    throw new UserError(
      `--shapes: the bench at ${size} px, batch ${batch} failed (exit ${result.status ?? "none"}): ${detail}`,
      "a killed child (no exit code) most likely ran out of memory: leave that shape out or lower --ngf",
    );
  }
  const r = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as SpeedReport;
  return {
    size,
    batch,
    peak_gflops: r.peak_gflops,
    train_s_per_iter: r.train_s_per_iter,
    gflops_per_s: r.gflops_per_s,
    utilization: r.utilization,
    train_gflop_per_iter: gflop(r.gflops_per_s, r.train_s_per_iter),
    infer_s_per_batch: r.infer_s_per_batch,
    infer_gflops_per_s: r.infer_gflops_per_s,
    infer_utilization: r.infer_utilization,
    infer_gflop_per_batch: gflop(r.infer_gflops_per_s, r.infer_s_per_batch),
    train_peak_rss_mb: r.train_peak_rss_mb,
    infer_peak_rss_mb: r.infer_peak_rss_mb,
  };
}

/** Each shape measured in turn, each in its own child process; `done` hears of each as it ends. */
export function measureShapes(
  settings: ShapeSettings,
  shapes: readonly Shape[],
  done: (report: ShapeReport) => void,
): ShapeReport[] {
  return shapes.map((shape) => {
    const report = measureShape(settings, shape);
    done(report);
    return report;
  });
}
