/**
 * Trajectory parity: do pix2pix-ts and the reference PyTorch pix2pix (tools/torch_reference) follow the
 * same path over many training steps, not just one? Both start from the same weights (drawn by
 * pix2pix-ts, loaded by PyTorch from their reference-keyed state dicts), train on the same batches in
 * the same order (drawn once by pix2pix-ts's data pipeline, read by both), with G's dropout off or its
 * masks shared, each with its own optimizer, learning-rate schedule and training step. Per step both
 * log their losses and learning rate; every --every steps both save their networks and G's eval-mode
 * outputs on held-out pairs. A second PyTorch run whose initial weights differ by one ulp shows how
 * fast float rounding alone drives two runs apart (the baseline): an algorithmic difference stands out
 * above it, and early.
 *
 * The table, one row per dump: the learning rates of the step (pix2pix-ts/PyTorch); ‖a − b‖ / ‖b‖ of G's
 * parameters, of D's and of G's batch-norm running statistics (b: PyTorch); the largest difference of
 * G's eval-mode outputs; their SSIM against the held-out targets; then the same distances between the
 * two PyTorch runs (the baseline). Then the first step whose learning rates differ, the first whose
 * G_L1 differs by more than 1%, and the mean relative G_L1 gap over each quarter of the run, both for
 * pix2pix-ts against PyTorch and for the baseline.
 *
 * Steps of the run folder (--out): prepare (config.json, init.safetensors, batches.f32, eval.f32), then
 * pix2pix-ts (ts/) alongside PyTorch (torch/, then torch-perturbed/), then the comparison, printed and
 * written to summary.json. --compare-only redoes the last step on an existing folder.
 *
 * The pix2pix-ts side is the package as built (`pix2pix-ts/node` resolves to its dist/): after changing
 * the library, `npm run build` first. Each side runs on one core by default (OMP_NUM_THREADS=1 for
 * pix2pix-ts's onednn backend, --torch-threads for PyTorch).
 *
 * usage: node --import tsx tools/trajectory/trajectory.ts [--dataroot DIR --direction BtoA] [--size 128]
 *          [--ngf 16] [--pairs 20] [--n-epochs 10] [--n-epochs-decay 5] [--steps N] [--every 20]
 *          [--dropout] [--lr-policy linear] [--out DIR] [--python /usr/bin/python3] [--compare-only]
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type BackendChoice, resolveOptions, trainOptions, useBackend } from "pix2pix-ts/node";
import { type Comparison, compareSides, type DumpComparison } from "./compare.ts";
import { runFiles, type TrajectoryConfig } from "./config.ts";
import { prepareRun } from "./prepare.ts";
import { trainTs } from "./train-ts.ts";

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: path.join(os.tmpdir(), "pix2pix-trajectory") },
    dataroot: { type: "string" },
    direction: { type: "string", default: "AtoB" },
    size: { type: "string", default: "128" },
    "load-size": { type: "string" },
    ngf: { type: "string", default: "16" },
    ndf: { type: "string" },
    pairs: { type: "string", default: "20" },
    "n-epochs": { type: "string", default: "10" },
    "n-epochs-decay": { type: "string", default: "5" },
    "lr-policy": { type: "string", default: "linear" },
    "lr-decay-iters": { type: "string", default: "5" },
    steps: { type: "string" },
    every: { type: "string", default: "20" },
    dropout: { type: "boolean", default: false },
    seed: { type: "string", default: "0" },
    backend: { type: "string", default: "auto" },
    "torch-threads": { type: "string", default: "1" },
    python: { type: "string", default: "/usr/bin/python3" },
    "no-baseline": { type: "boolean", default: false },
    "compare-only": { type: "boolean", default: false },
  },
});

const dir = path.resolve(args.out);
const files = runFiles(dir);
const int = (name: keyof typeof args) => Number.parseInt(String(args[name]), 10);

function configure(): {
  config: TrajectoryConfig;
  options: ReturnType<typeof resolveOptions<typeof trainOptions>>;
} {
  const size = int("size");
  const pairs = int("pairs");
  const options = resolveOptions(trainOptions, {
    ...(args.dataroot ? { dataroot: args.dataroot } : { datasetMode: "synthetic", syntheticCount: pairs }),
    direction: args.direction as "AtoB" | "BtoA",
    netG: size === 256 ? "unet_256" : "unet_128",
    ngf: int("ngf"),
    ndf: args.ndf ? int("ndf") : int("ngf"),
    noDropout: !args.dropout,
    loadSize: args["load-size"] ? int("load-size") : Math.round((size * 286) / 256),
    cropSize: size,
    maxDatasetSize: pairs,
    nEpochs: int("n-epochs"),
    nEpochsDecay: int("n-epochs-decay"),
    lrPolicy: args["lr-policy"] as "linear",
    lrDecayIters: int("lr-decay-iters"),
    seed: int("seed"),
    numThreads: 1,
  });
  const total = pairs * (options.nEpochs + options.nEpochsDecay);
  const steps = Math.min(total, args.steps ? int("steps") : total);
  const every = int("every");
  const dumpSteps = [...Array(Math.floor(steps / every) + 1).keys()].map((i) => i * every);
  if (dumpSteps.at(-1) !== steps) dumpSteps.push(steps);
  const config: TrajectoryConfig = {
    data: args.dataroot
      ? `${args.dataroot} (${options.direction}, resize ${options.loadSize}, crop ${size}, first ${pairs} pairs)`
      : `synthetic facades (${pairs} pairs)`,
    seed: options.seed,
    size,
    inputNc: 3,
    outputNc: 3,
    netG: options.netG,
    netD: "basic",
    nLayersD: 3,
    ngf: options.ngf,
    ndf: options.ndf,
    norm: "batch",
    dropout: args.dropout,
    dropoutSeed: options.seed + 1,
    ganMode: "vanilla",
    lambdaL1: options.lambdaL1,
    lr: options.lr,
    beta1: options.beta1,
    lrPolicy: options.lrPolicy,
    epochCount: options.epochCount,
    nEpochs: options.nEpochs,
    nEpochsDecay: options.nEpochsDecay,
    lrDecayIters: options.lrDecayIters,
    stepsPerEpoch: pairs,
    steps,
    dumpSteps,
    evalCount: 4,
    torchThreads: int("torch-threads"),
  };
  return { config, options };
}

function runPython(...extra: string[]): Promise<void> {
  const script = path.join(import.meta.dirname, "torch_side.py");
  return new Promise((resolve, reject) => {
    const child = spawn(args.python, [script, dir, ...extra], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`torch_side.py ${extra.join(" ")} exited with ${code}`)),
    );
  });
}

const sci = (x: number) => x.toExponential(1);

function row(d: DumpComparison, baseline: DumpComparison | undefined): string {
  const [sa, sb] = d.evalScores;
  return [
    String(d.step).padStart(5),
    `${sci(d.lr[0])}/${sci(d.lr[1])}`,
    sci(d.paramsG.rel),
    sci(d.paramsD.rel),
    sci(d.runningG.rel),
    sci(d.evalMaxAbs),
    `${sa.ssim.toFixed(4)}/${sb.ssim.toFixed(4)}`,
    baseline
      ? [baseline.paramsG, baseline.paramsD, baseline.runningG].map((g) => sci(g.rel)).join(" ") +
        ` ${sci(baseline.evalMaxAbs)}`
      : "",
  ].join("  ");
}

function report(main: Comparison, baseline: Comparison | undefined): void {
  console.log(
    "step   lr ts/torch      ΔG par   ΔD par   ΔG run   Δeval    SSIM ts/torch    baseline: ΔG par ΔD par ΔG run Δeval",
  );
  for (const d of main.dumps) {
    console.log(
      row(
        d,
        baseline?.dumps.find((b) => b.step === d.step),
      ),
    );
  }
  const where = (g: Comparison["firstLrDifference"]) =>
    g ? `step ${g.step} (${g.a.toPrecision(6)} vs ${g.b.toPrecision(6)})` : "none";
  console.log(`first learning-rate difference: ${where(main.firstLrDifference)}`);
  console.log(`first G_L1 more than 1% apart: ${where(main.firstLossDeparture)}`);
  console.log(`mean |ΔG_L1|/G_L1 by quarter: ${main.l1GapByQuarter.map(sci).join(" ")}`);
  if (baseline) {
    console.log(`  baseline (PyTorch vs PyTorch, 1 ulp): ${baseline.l1GapByQuarter.map(sci).join(" ")}`);
    console.log(`  baseline first G_L1 more than 1% apart: ${where(baseline.firstLossDeparture)}`);
  }
}

let config: TrajectoryConfig;
if (args["compare-only"]) {
  config = JSON.parse(readFileSync(files.config, "utf8"));
} else {
  const backend = await useBackend(args.backend as BackendChoice);
  const configured = configure();
  config = configured.config;
  console.log(`preparing ${dir}: ${config.data}, ${config.steps} steps`);
  await prepareRun(dir, config, configured.options);
  const torchRuns = (async () => {
    await runPython();
    if (!args["no-baseline"]) await runPython("--perturb");
  })();
  torchRuns.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection first
  const started = performance.now();
  await trainTs(dir, config);
  console.log(`pix2pix-ts (${backend}): ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await torchRuns;
}
const main = await compareSides(dir, config, "ts", "torch");
const baseline = existsSync(files.losses("torch-perturbed"))
  ? await compareSides(dir, config, "torch-perturbed", "torch")
  : undefined;
report(main, baseline);
writeFileSync(files.summary, `${JSON.stringify({ config, main, baseline }, null, 2)}\n`);
