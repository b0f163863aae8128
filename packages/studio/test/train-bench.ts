/**
 * Training speed in the browser: steps/s of a pix2pix training step (pix2pix-ts's trainOnPairs, as
 * the studio's Train view runs it; unet + 70×70 PatchGAN, batch 1, vanilla GAN + L1, Adam) in headless
 * Chromium, per backend that starts there (WebGPU, WebGL, wasm, and wasm's threaded build served
 * cross-origin isolated), beside `pix2pix bench`'s training step in Node on the onednn backend (the
 * baseline, measured in the same run; the ratios are browser steps/s over Node's). The first step
 * (network creation, shader compiles, first allocations) is not timed; where a backend is too slow to
 * take a second step within the budget, its first step's seconds are reported instead.
 * Prints JSON, with the machine's load average: the timings are wall time.
 *   node --import tsx packages/studio/test/train-bench.ts [--steps 3] [--budget 300] [--limit 900]
 *     [--only webgpu,webgl,wasm,wasm-threads] [--models unet_128:16,unet_256:64]
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { build, preview } from "vite";
import { launchChromium, STUDIO } from "./browser.ts";
import type { TrainBenchRequest } from "./train-bench-page/main.ts";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "3" },
    budget: { type: "string", default: "300" },
    limit: { type: "string", default: "900" },
    only: { type: "string", default: "webgpu,webgl,wasm,wasm-threads" },
    models: { type: "string", default: "unet_128:16,unet_256:64" },
  },
});
const timedSteps = Number(values.steps);
const budgetMs = Number(values.budget) * 1000;
const limitMs = Number(values.limit) * 1000;
const only = new Set(values.only.split(","));
const log = (line: string) => console.error(`train-bench: ${line}`);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

const RUNS = [
  { name: "webgpu", backend: "webgpu", threads: false },
  { name: "webgl", backend: "webgl", threads: false },
  { name: "wasm", backend: "wasm", threads: false },
  { name: "wasm-threads", backend: "wasm", threads: true },
] as const;

interface Model {
  readonly netG: TrainBenchRequest["netG"];
  readonly ngf: number;
  readonly size: number;
}

function models(spec: string): Model[] {
  return spec.split(",").map((item) => {
    const [netG, ngf] = item.split(":");
    if (netG !== "unet_128" && netG !== "unet_256")
      throw new Error(`--models: ${netG} is not unet_128 or unet_256`);
    return { netG, ngf: Number(ngf), size: netG === "unet_128" ? 128 : 256 };
  });
}

interface NodeSpeed {
  readonly backend: "onednn";
  readonly steps_per_s?: number;
  readonly s_per_step?: number;
  readonly error?: string;
}

/** Node's steps/s on onednn, from `pix2pix bench` (the same network, D, loss and optimizer). */
function nodeSpeed({ ngf, size }: Model): NodeSpeed {
  const cli = path.resolve(STUDIO, "../pix2pix/bin/pix2pix.js");
  const args = ["bench", "--json", "--size", `${size}`, "--ngf", `${ngf}`, "--ndf", `${ngf}`, "--iters", "3"];
  const run = spawnSync(process.execPath, [cli, ...args, "--backend", "onednn"], { encoding: "utf8" });
  if (run.status !== 0) {
    const lines = run.stderr.trim().split("\n");
    return { backend: "onednn", error: lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? "" };
  }
  const report: { train_s_per_iter: number } = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
  return {
    backend: "onednn",
    steps_per_s: round(1 / report.train_s_per_iter),
    s_per_step: report.train_s_per_iter,
  };
}

/** Builds the page into a temporary folder and serves it cross-origin isolated (the threaded build needs it). */
async function servePage(outDir: string) {
  const root = path.join(STUDIO, "test/train-bench-page");
  const common = { root, base: "./", configFile: false, logLevel: "warn" } as const;
  await build({
    ...common,
    build: { outDir, emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 8192 },
  });
  const headers = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
  };
  const server = await preview({
    ...common,
    build: { outDir },
    preview: { host: "127.0.0.1", port: 0, headers },
  });
  const url = server.resolvedUrls?.local[0];
  assert.ok(url, "vite preview gave no address");
  return { server, url };
}

/** A backend that starts at all starts within seconds (the threaded wasm build may hang instead). */
const START_LIMIT_MS = 120_000;

function withLimit<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** One backend, one model, in a fresh page; a page still busy after --limit seconds is closed. */
async function browserSpeed(browser: Browser, url: string, run: (typeof RUNS)[number], model: Model) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error).split("\n")[0] ?? ""));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text().split("\n")[0] ?? "");
  });
  try {
    await page.goto(`${url}?backend=${run.backend}${run.threads ? "&wasm-threads=1" : ""}`);
    const started = await withLimit(
      page.evaluate(() => window.startBackend()),
      START_LIMIT_MS,
      "started",
    );
    const request: TrainBenchRequest = { ...model, steps: timedSteps + 1, budgetMs };
    const steps = await withLimit(
      page.evaluate((r) => window.trainBench(r), request),
      limitMs,
      "finished a step",
    );
    const [first = Number.NaN, ...timed] = steps.ms;
    const seconds = timed.reduce((a, b) => a + b, 0) / 1000;
    const g_l1 = steps.l1.map((v) => round(v, 4));
    // A step's L1 is never exactly 0: zeros mean the backend's reads came back empty, its time is no step's
    if (!steps.l1.every((v) => Number.isFinite(v) && v > 0)) {
      return { ...started, error: "its losses read back as 0 or not finite: no valid step", g_l1, errors };
    }
    const common = { ...started, first_step_s: round(first / 1000, 1), g_l1 };
    if (timed.length === 0) return { ...common, steps_timed: 0, s_per_step: round(first / 1000, 1), errors };
    return {
      ...common,
      steps_timed: timed.length,
      steps_per_s: round(timed.length / seconds),
      s_per_step: round(seconds / timed.length),
      errors,
    };
  } catch (error) {
    return { error: String(error).split("\n")[0], errors };
  } finally {
    await page.close().catch(() => undefined);
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-train-bench-"));
const { server, url } = await servePage(dir);
log(`page served at ${url}`);
const browser = await launchChromium(["--enable-unsafe-webgpu"]);
log(`chromium ${browser.version()}`);
const results = [];
for (const model of models(values.models)) {
  const node = nodeSpeed(model);
  log(`${model.netG} ngf ${model.ngf}: node ${JSON.stringify(node)}`);
  const runs: Record<string, Record<string, unknown>> = {};
  for (const run of RUNS.filter((r) => only.has(r.name))) {
    const measured: Record<string, unknown> = await browserSpeed(browser, url, run, model);
    // steps/s over Node's: from the timed steps, or from the first step where that is all there is
    const ratio =
      node.s_per_step !== undefined && typeof measured.s_per_step === "number"
        ? round(node.s_per_step / measured.s_per_step)
        : null;
    runs[run.name] = { ...measured, ratio_to_node: ratio };
    log(`${model.netG} ngf ${model.ngf}: ${run.name} ${JSON.stringify(runs[run.name])}`);
  }
  results.push({ model: `${model.netG} ngf ${model.ngf}`, size: model.size, node, browser: runs });
}
const chromium = browser.version();
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
const machine = { cpus: cpus().length, load_average_1m: round(loadavg()[0] ?? Number.NaN, 1) };
const settings = { steps_timed: timedSteps, budget_s: budgetMs / 1000, limit_s: limitMs / 1000 };
console.log(JSON.stringify({ chromium, machine, ...settings, results }, null, 2));
