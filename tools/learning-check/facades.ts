/**
 * Learning check (a benchmark, not part of the test suite): does pix2pix-ts learn facades as well as
 * PyTorch does with the same recipe and budget? In one run it
 *   1. splits /work/shared/datasets/facades/train (400 aligned photo|labels files) into 360 training
 *      files and the last 40 (by number) held out,
 *   2. trains pix2pix-ts (labels → photo, BtoA; unet_128, basic D, resize 142 + random 128 crop + flip,
 *      the reference's defaults otherwise) for a fixed number of steps,
 *   3. trains the reference architecture in an equivalent PyTorch loop (torch_facades.py) for the
 *      same number of steps,
 *   4. translates the 40 held-out label maps (resized to 128 px, identical inputs for both) in the
 *      paper's test mode and scores both with infer/metrics.ts against the identical targets.
 * Prints one JSON line per implementation and writes summary.json.
 *
 * usage: node --import tsx tools/learning-check/facades.ts [--steps 300] [--ngf 64] [--out DIR] [--backend auto]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { openPairedDataset } from "../../packages/pix2pix/src/data/index.ts";
import { translateBatch } from "../../packages/pix2pix/src/infer/evaluate.ts";
import { type Image, imageMetrics, meanMetrics } from "../../packages/pix2pix/src/infer/metrics.ts";
import { loadNetwork } from "../../packages/pix2pix/src/io/state-dict.ts";
import { createGenerator, generatorConfig } from "../../packages/pix2pix/src/models/index.ts";
import { resolveOptions } from "../../packages/pix2pix/src/options/schema.ts";
import { Rng } from "../../packages/pix2pix/src/random.ts";
import { checkpointFiles } from "../../packages/pix2pix/src/train/checkpoint.ts";
import { trainOptions } from "../../packages/pix2pix/src/train/options.ts";
import { createProgress } from "../../packages/pix2pix/src/cli/progress/training.ts";
import { train } from "../../packages/pix2pix/src/train/trainer.ts";

const FACADES = "/work/shared/datasets/facades/train";
const HELD_OUT = 40;
const SIZE = 128;

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "300" },
    ngf: { type: "string", default: "64" },
    out: { type: "string", default: "/tmp/pix2pix-learning-check" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string", default: "2" },
  },
});
const steps = Number(args.steps);
const ngf = Number(args.ngf);
const out = path.resolve(args.out);

function splitFacades(dataroot: string): void {
  const files = readdirSync(FACADES)
    .filter((f) => /^\d+\.jpg$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  rmSync(dataroot, { recursive: true, force: true });
  for (const [phase, part] of [
    ["train", files.slice(0, -HELD_OUT)],
    ["test", files.slice(-HELD_OUT)],
  ] as const) {
    mkdirSync(path.join(dataroot, phase), { recursive: true });
    for (const f of part) symlinkSync(path.join(FACADES, f), path.join(dataroot, phase, f));
  }
}

const dataroot = path.join(out, "facades");
splitFacades(dataroot);
const options = resolveOptions(trainOptions, {
  dataroot,
  direction: "BtoA",
  netG: "unet_128",
  ngf,
  ndf: ngf,
  loadSize: 142,
  cropSize: SIZE,
  nEpochs: 1000,
  nEpochsDecay: 0,
  printFreq: 50,
  displayFreq: 100,
  saveLatestFreq: 1_000_000,
  checkpointsDir: path.join(out, "runs"),
  name: "facades-ts",
  backend: args.backend as "auto",
});

// The held-out pairs at 128 px, identical inputs and targets for both implementations.
const evalData = await openPairedDataset(
  { ...options, phase: "test", preprocess: "resize", loadSize: SIZE, serialBatches: true, noFlip: true },
  Rng.fromSeed(0),
);
const pairs = [];
for await (const batch of evalData.batches(1, Rng.fromSeed(0))) pairs.push(batch);
await evalData.close();
const inputsFile = path.join(out, "eval-inputs.f32");
writeFileSync(
  inputsFile,
  Buffer.concat(pairs.map((p) => Buffer.from(p.a.buffer, p.a.byteOffset, p.a.byteLength))),
);
const image = (data: Float32Array): Image => ({ data, height: SIZE, width: SIZE, channels: 3 });

const tsStart = performance.now();
const run = await train(options, { maxSteps: steps, progress: createProgress(50, false) });
const tsSeconds = (performance.now() - tsStart) / 1000;
const g = createGenerator(generatorConfig(options, 3, 3), null);
await loadNetwork(checkpointFiles(run.dir, "latest").g, g);
const rng = Rng.fromSeed(0);
const tsScores = meanMetrics(pairs.flatMap((p) => translateBatch(g, p, "test", rng).map((t) => t.metrics)));
const tsResult = { impl: `pix2pix-ts (${run.backend})`, steps, ngf, train_seconds: tsSeconds, ...tsScores };
console.log(JSON.stringify(tsResult));

const torchOut = path.join(out, "torch-outputs.f32");
const script = path.join(import.meta.dirname, "torch_facades.py");
const torch = spawnSync(
  "/usr/bin/python3",
  [
    script,
    "--data",
    dataroot,
    "--steps",
    String(steps),
    "--ngf",
    String(ngf),
    "--threads",
    args.threads,
    "--eval-inputs",
    inputsFile,
    "--eval-count",
    String(pairs.length),
    "--out",
    torchOut,
  ],
  { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
if (torch.status !== 0) throw new Error(`torch_facades.py failed (${torch.status})`);
const torchInfo = JSON.parse(torch.stdout.trim().split("\n").at(-1) ?? "{}");
const torchOutputs = new Float32Array((await readFile(torchOut)).buffer.slice(0));
const per = SIZE * SIZE * 3;
const torchScores = meanMetrics(
  pairs.map((p, i) => imageMetrics(image(torchOutputs.subarray(i * per, (i + 1) * per)), image(p.b))),
);
const torchResult = {
  impl: torchInfo.impl,
  steps,
  ngf,
  train_seconds: torchInfo.train_seconds,
  ...torchScores,
};
console.log(JSON.stringify(torchResult));
writeFileSync(
  path.join(out, "summary.json"),
  `${JSON.stringify({ heldOut: pairs.length, results: [tsResult, torchResult] }, null, 2)}\n`,
);
