/**
 * Learning check (a benchmark, not part of the test suite): does pix2pix-ts learn facades as well as
 * PyTorch does with the same recipe and budget, beyond the spread between seeds? The protocol:
 *   - data: aligned photo|labels facades (--data, default datasets/facades/train, as
 *     `npx pix2pix datasets download facades` writes it), sorted by number; the last 40 are held out;
 *   - training: labels → photo (BtoA), unet_128 (dropout) + basic D, ngf = ndf = --ngf, batch 1,
 *     resize 143 (bicubic) + random 128 crop + flip, vanilla GAN + 100·L1, Adam 2e-4 / 0.5, up to the
 *     last of --steps; the learning rate constant, or with `--schedule N+M` the reference's linear
 *     schedule over N epochs plus M decaying ones (an epoch: one pass over the training pairs; --steps
 *     then defaults to all of them); once per seed of ours (--seeds) and of PyTorch's (--torch-seeds,
 *     torch_facades.py over tools/torch_reference);
 *   - scoring, at each step count of --steps: the 40 held-out label maps resized to 128 px, identical
 *     inputs for both, translated in eval mode (running statistics, no dropout), the outputs made 8-bit
 *     as the reference's tensor2im does, and scored against the 8-bit targets: L1 on the [0, 1] scale,
 *     PSNR (dB), SSIM.
 * Prints one JSON line per run and step count, then per step count and implementation the mean ±
 * standard deviation [min, max] of each metric over seeds, and writes all of it, with the git commit,
 * to OUT/summary.json.
 *
 * usage: node --import tsx tools/learning-check/facades.ts [--data DIR] [--steps 600[,1200...]] [--ngf 32]
 *          [--schedule constant|N+M] [--seeds 0,1,2] [--torch-seeds 0,1,2] [--out runs/learning-check] [--backend auto]
 *          [--threads 2] [--python /usr/bin/python3]
 * An empty --seeds or --torch-seeds skips that side.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type BackendChoice,
  createGenerator,
  dataOptions,
  generatorConfig,
  type ImageMetrics,
  imageMetrics,
  loadNetwork,
  meanMetrics,
  openPairedDataset,
  type PairBatch,
  Rng,
  resolveOptions,
  type TrainOptions,
  train,
  trainOptions,
  translateBatch,
} from "pix2pix-ts/node";

const HELD_OUT = 40;
const LOAD_SIZE = 143;
const SIZE = 128;

const { values: args } = parseArgs({
  options: {
    data: { type: "string", default: "datasets/facades/train" },
    steps: { type: "string" },
    schedule: { type: "string", default: "constant" },
    ngf: { type: "string", default: "32" },
    seeds: { type: "string", default: "0,1,2" },
    "torch-seeds": { type: "string" },
    out: { type: "string", default: "runs/learning-check" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string", default: "2" },
    python: { type: "string", default: "/usr/bin/python3" },
  },
});
const seedList = (text: string) => (text.trim() === "" ? [] : text.split(",").map(Number));

/** The learning rate's course: constant, or the reference's linear policy over epochs + decaying epochs. */
type Schedule =
  | { readonly kind: "constant" }
  | { readonly kind: "linear"; readonly nEpochs: number; readonly nEpochsDecay: number };

function parseSchedule(text: string): Schedule {
  if (text === "constant") return { kind: "constant" };
  const match = /^(\d+)\+(\d+)$/.exec(text);
  if (!match)
    throw new Error(`--schedule must be "constant" or N+M (epochs + decaying epochs), not "${text}"`);
  return { kind: "linear", nEpochs: Number(match[1]), nEpochsDecay: Number(match[2]) };
}
const schedule = parseSchedule(args.schedule);
const ngf = Number(args.ngf);
const ourSeeds = seedList(args.seeds);
const torchSeeds = seedList(args["torch-seeds"] ?? args.seeds);
const out = path.resolve(args.out);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface RunResult extends ImageMetrics {
  readonly impl: string;
  readonly seed: number;
  readonly steps: number;
  readonly ngf: number;
  readonly s_per_step: number;
}

/**
 * DATAROOT/train (all but the last HELD_OUT files by number) and DATAROOT/test (those), as symlinks;
 * returns the number of training pairs.
 */
function splitFacades(source: string, dataroot: string): number {
  const files = readdirSync(source)
    .filter((f) => /^\d+\.(jpg|png)$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  if (files.length <= HELD_OUT) {
    throw new Error(`${source} has ${files.length} numbered images; the check holds out ${HELD_OUT}`);
  }
  rmSync(dataroot, { recursive: true, force: true });
  for (const [phase, part] of [
    ["train", files.slice(0, -HELD_OUT)],
    ["test", files.slice(-HELD_OUT)],
  ] as const) {
    mkdirSync(path.join(dataroot, phase), { recursive: true });
    for (const f of part) symlinkSync(path.join(source, f), path.join(dataroot, phase, f));
  }
  return files.length - HELD_OUT;
}

/** The pairs of a split at 128 px (plain resize, no flip, in order), labels as input. */
async function* pairsOf(dataroot: string, phase: string): AsyncGenerator<PairBatch> {
  const options = resolveOptions(dataOptions, {
    dataroot,
    phase,
    direction: "BtoA",
    preprocess: "resize",
    loadSize: SIZE,
    serialBatches: true,
    noFlip: true,
  });
  const dataset = await openPairedDataset(options, Rng.fromSeed(0));
  try {
    yield* dataset.batches(1, Rng.fromSeed(0));
  } finally {
    await dataset.close();
  }
}

/** An output in [-1, 1] as the reference's tensor2im makes it 8-bit (truncating), back in [-1, 1]. */
function eightBit(data: Float32Array): Float32Array {
  return data.map((v) => Math.min(255, Math.max(0, Math.trunc(((v + 1) / 2) * 255))) / 127.5 - 1);
}

/** Mean metrics of 8-bit outputs (in [-1, 1]) against the held-out targets; L1 on the [0, 1] scale. */
function score(outputs: readonly Float32Array[], pairs: readonly PairBatch[]): ImageMetrics {
  const image = (data: Float32Array) => ({ data, height: SIZE, width: SIZE, channels: 3 });
  const mean = meanMetrics(pairs.map((p, i) => imageMetrics(image(outputs[i] as Float32Array), image(p.b))));
  return { ...mean, l1: mean.l1 / 2 };
}

/**
 * What no training scores: every output the training photos' mean colour. Early on (hundreds of steps)
 * facades models score about this, so a setting is informative only where they clearly beat it.
 */
async function flatBaseline(dataroot: string, pairs: readonly PairBatch[]): Promise<ImageMetrics> {
  let sum = [0, 0, 0];
  let pixels = 0;
  for await (const p of pairsOf(dataroot, "train")) {
    sum = sum.map((s, c) => p.b.reduce((t, v, i) => (i % 3 === c ? t + v : t), s));
    pixels += p.b.length / 3;
  }
  const flat = eightBit(
    Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (sum[i % 3] as number) / pixels),
  );
  return score(
    pairs.map(() => flat),
    pairs,
  );
}

function trainingOptions(dataroot: string, seed: number): Partial<TrainOptions> {
  const epochs =
    schedule.kind === "linear"
      ? { nEpochs: schedule.nEpochs, nEpochsDecay: schedule.nEpochsDecay }
      : { nEpochs: 1_000_000, nEpochsDecay: 0 }; // a constant learning rate for the whole budget of steps
  return {
    dataroot,
    direction: "BtoA",
    netG: "unet_128",
    ngf,
    ndf: ngf,
    loadSize: LOAD_SIZE,
    cropSize: SIZE,
    ...epochs,
    printFreq: 100,
    displayFreq: lastStep,
    saveLatestFreq: 1_000_000_000,
    checkpointsDir: path.join(out, "runs"),
    name: `ts-seed${seed}`,
    seed,
    backend: args.backend as BackendChoice,
  };
}

/** Trains ours to each step count in turn (stopping, scoring, resuming) and scores it there. */
async function runOurs(dataroot: string, pairs: readonly PairBatch[], seed: number): Promise<RunResult[]> {
  const given = trainingOptions(dataroot, seed);
  const results: RunResult[] = [];
  let seconds = 0;
  let done = 0;
  for (const steps of stepCounts) {
    const start = performance.now();
    const run = await train(
      { ...given, continue: done > 0 },
      {
        maxSteps: steps - done,
        onNote: log,
        onStep: ({ iteration, losses }) => {
          if (iteration % 100 !== 0) return;
          const perStep = (seconds + (performance.now() - start) / 1000) / iteration;
          log(
            `ours seed ${seed} step ${iteration}/${lastStep} G_L1 ${losses.G_L1.toFixed(3)} (${perStep.toFixed(2)} s/step)`,
          );
        },
      },
    );
    seconds += (performance.now() - start) / 1000;
    done = steps;
    const g = createGenerator(generatorConfig(resolveOptions(trainOptions, given), 3, 3), null);
    await loadNetwork(path.join(run.dir, "latest_net_G.safetensors"), g);
    const rng = Rng.fromSeed(seed);
    const outputs = pairs.flatMap((p) =>
      translateBatch(g, p, "eval", rng).map((t) => eightBit(t.output.data)),
    );
    g.dispose();
    const impl = `pix2pix-ts (${run.backend})`;
    results.push({ impl, seed, steps, ngf, s_per_step: seconds / steps, ...score(outputs, pairs) });
    console.log(JSON.stringify(results.at(-1)));
  }
  return results;
}

/** Trains PyTorch's once, scoring it at each step count. */
function runTorch(
  dataroot: string,
  pairs: readonly PairBatch[],
  inputsFile: string,
  seed: number,
): RunResult[] {
  const prefix = path.join(out, `torch-seed${seed}`);
  const script = path.join(import.meta.dirname, "torch_facades.py");
  const flags = {
    data: dataroot,
    steps: stepCounts.join(","),
    schedule: args.schedule,
    seed,
    ngf,
    "load-size": LOAD_SIZE,
    "crop-size": SIZE,
    threads: args.threads,
    "eval-inputs": inputsFile,
    "eval-count": pairs.length,
    out: prefix,
  };
  const argv = [script, ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const torch = spawnSync(args.python, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (torch.status !== 0)
    throw new Error(`torch_facades.py failed (${torch.status ?? torch.error?.message})`);
  const per = SIZE * SIZE * 3;
  return torch.stdout
    .trim()
    .split("\n")
    .map((line) => {
      const info = JSON.parse(line) as { impl: string; steps: number; train_seconds: number };
      const bytes = readFileSync(`${prefix}-${info.steps}.u8`);
      const outputs = pairs.map((_, i) =>
        Float32Array.from(bytes.subarray(i * per, (i + 1) * per), (v) => v / 127.5 - 1),
      );
      const steps = info.steps;
      const result = { impl: info.impl, seed, steps, ngf, s_per_step: info.train_seconds / steps };
      const scored: RunResult = { ...result, ...score(outputs, pairs) };
      console.log(JSON.stringify(scored));
      return scored;
    });
}

/** mean, sample standard deviation, min and max. */
function spread(values: readonly number[]) {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, sd: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

const METRICS = ["l1", "psnr", "ssim", "s_per_step"] as const;
type Spread = ReturnType<typeof spread>;
type Summary = { impl: string; steps: number; seeds: number[] } & Record<(typeof METRICS)[number], Spread>;

/** Per implementation and step count, each metric's spread over seeds. */
function summarize(results: readonly RunResult[]): Summary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = `${r.impl} at ${r.steps}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) => {
    const { impl, steps } = runs[0] as RunResult;
    const stats = Object.fromEntries(METRICS.map((m) => [m, spread(runs.map((r) => r[m]))]));
    return { impl, steps, seeds: runs.map((r) => r.seed), ...stats } as Summary;
  });
}

/** One block per step count: a row per metric, a column per implementation. */
function table(summary: readonly Summary[]): string {
  const labels = { l1: "L1 [0,1]", psnr: "PSNR dB", ssim: "SSIM", s_per_step: "s/step" } as const;
  const digits = { l1: 4, psnr: 2, ssim: 4, s_per_step: 2 } as const;
  const cell = (s: Spread, d: number) =>
    `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)} [${s.min.toFixed(d)}, ${s.max.toFixed(d)}]`;
  const width = 40;
  const block = (steps: number) => {
    const columns = summary.filter((s) => s.steps === steps);
    const header = [`${steps} steps`, ...columns.map((s) => `${s.impl}, seeds ${s.seeds}`)];
    const rows = METRICS.map((m) => [labels[m], ...columns.map((s) => cell(s[m], digits[m]))]);
    return [header, ...rows].map(([first, ...rest]) =>
      [(first as string).padEnd(10), ...rest.map((c) => c.padEnd(width))].join(" "),
    );
  };
  return stepCounts.map((steps) => block(steps).join("\n")).join("\n\n");
}

function gitCommit(): string {
  const git = (...a: string[]) => spawnSync("git", a, { encoding: "utf8" }).stdout?.trim() ?? "";
  const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
  return `${git("log", "-1", "--format=%h")}${dirty ? " (with uncommitted changes)" : ""}`;
}

const commit = gitCommit();
const dataroot = path.join(out, "facades");
const trainingPairs = splitFacades(path.resolve(args.data), dataroot);
const stepCounts = (
  args.steps?.split(",").map(Number) ?? [
    schedule.kind === "linear" ? (schedule.nEpochs + schedule.nEpochsDecay) * trainingPairs : 600,
  ]
).sort((a, b) => a - b);
const lastStep = stepCounts.at(-1) as number;
const pairs: PairBatch[] = [];
for await (const pair of pairsOf(dataroot, "test")) pairs.push(pair);
const inputsFile = path.join(out, "eval-inputs.f32");
writeFileSync(
  inputsFile,
  Buffer.concat(pairs.map((p) => Buffer.from(p.a.buffer, p.a.byteOffset, p.a.byteLength))),
);

const untrained = await flatBaseline(dataroot, pairs);
const results: RunResult[] = [];
for (const seed of ourSeeds) results.push(...(await runOurs(dataroot, pairs, seed)));
for (const seed of torchSeeds) results.push(...runTorch(dataroot, pairs, inputsFile, seed));
console.log(
  `\nfacades labels → photo, ${SIZE} px, unet_128 + basic D, ngf ${ngf}, lr ${args.schedule}, ${pairs.length} held-out pairs, eval mode, 8-bit; commit ${commit}`,
);
const summary = summarize(results);
console.log(
  `no training (every output the training photos' mean colour): L1 ${untrained.l1.toFixed(4)}, PSNR ${untrained.psnr.toFixed(2)}, SSIM ${untrained.ssim.toFixed(4)}\n`,
);
console.log(table(summary));
const protocol = {
  heldOut: pairs.length,
  trainingPairs,
  size: SIZE,
  loadSize: LOAD_SIZE,
  steps: stepCounts,
  schedule: args.schedule,
  ngf,
  commit,
};
const report = { protocol, untrained, summary, results };
writeFileSync(path.join(out, "summary.json"), `${JSON.stringify(report, null, 2)}\n`);
