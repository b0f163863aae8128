/**
 * `pix2pix test` as a library call: runs a trained generator over a split (the paper's test time by
 * default: batch statistics and dropout on; `eval` for running statistics without dropout), and writes
 * the reference's results folder — `images/<name>_{real_A,fake_B,real_B}.png` and an `index.html`
 * showing them (input | output | target per image; with `selfContained`, inlined) — and the metrics as JSON.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { type BackendName, useBackend } from "../backend.ts";
import { openPairedDataset } from "../data/index.ts";
import { mapLimited } from "../data/map-limited.ts";
import { UserError } from "../errors.ts";
import { writeError, writeFileAtomic } from "../io/atomic-file.ts";
import { writeImage } from "../io/images.ts";
import { runFiles, trainOptionsFile } from "../io/run-files.ts";
import type { Mode, Network } from "../nn/network.ts";
import { camelCase, defaults, resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import { definitionTable, escapeHtml, htmlPage, tripletTable } from "../report/html.ts";
import { type Translation, translateBatch } from "./evaluate.ts";
import { openGenerator } from "./generator-file.ts";
import { type ImageMetrics, meanMetrics } from "./metrics.ts";
import { type TestOptions, testOptions } from "./test-options.ts";

/** Data options the run's saved training options supply when left at their defaults here (the
 * generator's architecture comes from its weights). */
const FROM_TRAINING = [
  "dataroot",
  "dataset-mode",
  "direction",
  "preprocess",
  "load-size",
  "crop-size",
] as const;

export interface TestResult {
  readonly backend: BackendName;
  readonly page: string;
  readonly imagesDir: string;
  readonly metricsFile: string;
  readonly mean: ImageMetrics;
  readonly count: number;
}

async function withTrainingOptions(o: TestOptions, dir: string): Promise<TestOptions> {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(await readFile(trainOptionsFile(dir), "utf8"));
  } catch {
    return o; // an imported or copied generator: the options given here describe it
  }
  const fallback: Record<string, unknown> = defaults(testOptions);
  const given: Record<string, unknown> = o;
  const merged: Record<string, unknown> = { ...o };
  for (const flag of FROM_TRAINING) {
    const key = camelCase(flag);
    if (given[key] === fallback[key] && saved[key] !== undefined) merged[key] = saved[key];
  }
  return resolveOptions(testOptions, merged as Partial<TestOptions>);
}

/** One pair's image files, relative to the results folder, named as the reference names them. */
function imageFiles(name: string) {
  const stem = path.parse(name).name;
  return {
    realA: `images/${stem}_real_A.png`,
    fakeB: `images/${stem}_fake_B.png`,
    realB: `images/${stem}_real_B.png`,
  };
}

interface PairResult extends Translation {
  readonly files: ReturnType<typeof imageFiles>;
}

/** Enough writes in flight to overlap PNG encoding and fsync, few enough to stay far from the open-file limit. */
const WRITES_IN_FLIGHT = 8;

async function writeImages(out: string, results: readonly PairResult[]): Promise<void> {
  await mapLimited(results, WRITES_IN_FLIGHT, async ({ files, input, output, target }) => {
    await writeImage(path.join(out, files.realA), input);
    await writeImage(path.join(out, files.fakeB), output);
    await writeImage(path.join(out, files.realB), target);
  });
}

/** The generator's outputs for the first `numTest` pairs of the split, one pair at a time in file order. */
async function translateSplit(o: TestOptions, g: Network, mode: Mode): Promise<Translation[]> {
  const rng = Rng.fromSeed(o.seed);
  const translations: Translation[] = [];
  try {
    const dataset = await openPairedDataset(
      { ...o, serialBatches: true, noFlip: true, maxDatasetSize: 0 },
      rng,
    );
    try {
      for await (const batch of dataset.batches(1, rng)) {
        translations.push(...translateBatch(g, batch, mode, rng));
        if (translations.length >= o.numTest) break;
      }
    } finally {
      await dataset.close();
    }
  } finally {
    g.dispose();
  }
  return translations;
}

const formatMetrics = (m: ImageMetrics) =>
  `L1 ${m.l1.toFixed(4)} · PSNR ${m.psnr.toFixed(2)} dB · SSIM ${m.ssim.toFixed(4)}`;

/** index.html: the run, the mean metrics and input | output | target per pair (files, or inlined). */
async function resultsPage(
  o: TestOptions,
  summary: string,
  mean: ImageMetrics,
  results: readonly PairResult[],
) {
  const rows = results.map((r) => ({
    name: path.basename(r.name),
    caption: formatMetrics(r.metrics),
    input: o.selfContained ? r.input : r.files.realA,
    output: o.selfContained ? r.output : r.files.fakeB,
    target: o.selfContained ? r.target : r.files.realB,
  }));
  const body = [
    `<p>${escapeHtml(summary)}</p>`,
    definitionTable([
      ["mean L1 ([-1, 1] scale)", mean.l1.toFixed(4)],
      ["mean PSNR (dB)", mean.psnr.toFixed(2)],
      ["mean SSIM", mean.ssim.toFixed(4)],
    ]),
    await tripletTable(rows),
  ].join("\n");
  return htmlPage(`pix2pix test results: ${o.name} (${o.epoch})`, body);
}

export async function runTest(given: Partial<TestOptions>): Promise<TestResult> {
  const requested = resolveOptions(testOptions, given);
  const dir = path.join(requested.checkpointsDir, requested.name);
  const withTraining = await withTrainingOptions(requested, dir);
  const { epoch, resultsDir, name } = withTraining;
  const generatorFile = runFiles(dir, epoch).g;
  if (!existsSync(generatorFile)) {
    throw new UserError(
      `no generator to test: ${generatorFile} does not exist`,
      "check --name, --checkpoints-dir and --epoch, or train the run first",
    );
  }
  const out = path.join(resultsDir, name, `test_${epoch}`);
  const imagesDir = path.join(out, "images");
  try {
    await mkdir(imagesDir, { recursive: true }); // before the work, so an unwritable --results-dir fails fast
  } catch (error) {
    throw writeError(out, error);
  }
  const backend = await useBackend(withTraining.backend);
  const mode = withTraining.eval ? "eval" : "test";
  // The architecture is the weights' (flags given must agree); the data's channels follow it.
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
  const request = { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) };
  const { network, architecture } = await openGenerator(generatorFile, request);
  const o = { ...withTraining, ...architecture };
  const translations = await translateSplit(o, network, mode);
  const results = translations.map((t) => ({ ...t, files: imageFiles(t.name) }));
  const mean = meanMetrics(translations.map((t) => t.metrics));
  await writeImages(out, results);
  const summary = `${results.length} pairs of ${o.dataroot ?? o.datasetMode} (${o.phase}), mode ${mode}, backend ${backend}.`;
  const page = path.join(out, "index.html");
  await writeFileAtomic(page, await resultsPage(o, summary, mean, results));
  const metrics = {
    name: o.name,
    epoch: o.epoch,
    mode,
    count: results.length,
    mean,
    images: results.map((r) => ({ name: r.name, ...r.metrics, files: r.files })),
    options: o,
  };
  const metricsFile = path.join(out, "metrics.json");
  await writeFileAtomic(metricsFile, `${JSON.stringify(metrics, null, 2)}\n`);
  return { backend, page, imagesDir, metricsFile, mean, count: results.length };
}
