/**
 * The PyTorch baseline of `pix2pix bench --baseline CMD`: a command (such as
 * `/usr/bin/python3 tools/torch_reference/bench.py`) that measures the same model and prints one JSON
 * line with `train_s_per_iter` and `infer_s_per_batch`, and optionally `peak_rss_mb` (its process's peak
 * resident memory). It runs first, on the same machine in the same session, with our size, filters,
 * batch and iterations appended, so that the ratio compares like with like.
 */
import { spawnSync } from "node:child_process";
import { UserError } from "../errors.ts";
import type { SpeedOptions } from "./training-speed.ts";

export interface BaselineReport {
  readonly command: string;
  readonly train_s_per_iter: number;
  readonly infer_s_per_batch: number;
  /** Present when the command reports it; whole MiB, as ours. */
  readonly peak_rss_mb?: number;
}

/** The baseline's options, as tools/torch_reference/bench.py spells them. */
function baselineArgs(o: SpeedOptions): string {
  return `--size ${o.size} --ngf ${o.ngf} --ndf ${o.ndf} --batch ${o.batch} --iters ${o.iters}`;
}

function isPositive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

export function runBaseline(command: string, o: SpeedOptions): BaselineReport {
  const full = `${command} ${baselineArgs(o)}`;
  // The user's own command line, as they would type it: run by the shell.
  const result = spawnSync(full, { shell: true, encoding: "utf8", maxBuffer: 16 << 20 });
  if (result.error !== undefined || result.status !== 0) {
    const detail = (result.stderr ?? "").trim().split("\n").slice(-3).join(" | ") || result.error?.message;
    throw new UserError(
      `the baseline command failed (exit ${result.status ?? "none"}): ${full}${detail ? ` — ${detail}` : ""}`,
      "e.g. --baseline '/usr/bin/python3 tools/torch_reference/bench.py' from the repository root (needs python3-torch)",
    );
  }
  const line = result.stdout.trim().split("\n").at(-1) ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new UserError(
      `the baseline command printed no JSON line: ${full}`,
      `its last line: ${line.slice(0, 200)}`,
    );
  }
  const {
    train_s_per_iter: train,
    infer_s_per_batch: infer,
    peak_rss_mb: peakRss,
  } = (parsed ?? {}) as Record<string, unknown>;
  if (!isPositive(train) || !isPositive(infer)) {
    throw new UserError(
      `the baseline's JSON lacks train_s_per_iter or infer_s_per_batch (positive seconds): ${full}`,
      `it printed: ${line.slice(0, 200)}`,
    );
  }
  const memory = isPositive(peakRss) ? { peak_rss_mb: Math.round(peakRss) } : {};
  return { command: full, train_s_per_iter: train, infer_s_per_batch: infer, ...memory };
}
