/**
 * `pix2pix test` as a library call: runs a trained generator over a split (the paper's test time by
 * default: batch statistics and dropout on; `eval` for running statistics without dropout), and writes
 * a self-contained results page (input | output | target per image) and the metrics as JSON.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { type BackendName, useBackend } from "../backend.ts";
import { openPairedDataset } from "../data/index.ts";
import { UserError } from "../errors.ts";
import { writeError, writeFileAtomic } from "../io/atomic-file.ts";
import { loadNetwork } from "../io/network-file.ts";
import { runFiles, trainOptionsFile } from "../io/run-files.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import { modelOptions } from "../models/options.ts";
import { camelCase, defaults, resolveOptions } from "../options/schema.ts";
import { Rng } from "../random.ts";
import { definitionTable, htmlPage, tripletTable } from "../report/html.ts";
import { type Translation, translateBatch } from "./evaluate.ts";
import { type ImageMetrics, meanMetrics } from "./metrics.ts";
import { type TestOptions, testOptions } from "./test-options.ts";

/** Options the run's saved training options supply when left at their defaults here. */
const FROM_TRAINING = [
  ...Object.keys(modelOptions),
  "dataroot",
  "dataset-mode",
  "direction",
  "input-nc",
  "output-nc",
  "preprocess",
  "load-size",
  "crop-size",
] as const;

export interface TestResult {
  readonly backend: BackendName;
  readonly page: string;
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

const formatMetrics = (m: ImageMetrics) =>
  `L1 ${m.l1.toFixed(4)} · PSNR ${m.psnr.toFixed(2)} dB · SSIM ${m.ssim.toFixed(4)}`;

export async function runTest(given: Partial<TestOptions>): Promise<TestResult> {
  const requested = resolveOptions(testOptions, given);
  const dir = path.join(requested.checkpointsDir, requested.name);
  const o = await withTrainingOptions(requested, dir);
  const generatorFile = runFiles(dir, o.epoch).g;
  if (!existsSync(generatorFile)) {
    throw new UserError(
      `no generator to test: ${generatorFile} does not exist`,
      "check --name, --checkpoints-dir and --epoch, or train the run first",
    );
  }
  const backend = await useBackend(o.backend);
  const rng = Rng.fromSeed(o.seed);
  const g = createGenerator(generatorConfig(o, o.inputNc, o.outputNc), null); // weights come from the file
  const mode = o.eval ? "eval" : "test";
  const translations: Translation[] = [];
  try {
    await loadNetwork(generatorFile, g);
    const dataset = await openPairedDataset({ ...o, serialBatches: true, noFlip: true }, rng);
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
  const mean = meanMetrics(translations.map((t) => t.metrics));
  const out = path.join(o.resultsDir, o.name, `test_${o.epoch}`);
  const page = path.join(out, "index.html");
  const metricsFile = path.join(out, "metrics.json");
  const rows = translations.map((t) => ({
    ...t,
    name: path.basename(t.name),
    caption: formatMetrics(t.metrics),
  }));
  const body = [
    `<p>${translations.length} pairs of ${o.dataroot ?? o.datasetMode} (${o.phase}), mode ${mode}, backend ${backend}.</p>`,
    definitionTable([
      ["mean L1 ([-1, 1] scale)", mean.l1.toFixed(4)],
      ["mean PSNR (dB)", mean.psnr.toFixed(2)],
      ["mean SSIM", mean.ssim.toFixed(4)],
    ]),
    await tripletTable(rows),
  ].join("\n");
  const metrics = {
    name: o.name,
    epoch: o.epoch,
    mode,
    count: translations.length,
    mean,
    images: translations.map((t) => ({ name: t.name, ...t.metrics })),
    options: o,
  };
  try {
    await mkdir(out, { recursive: true });
    await writeFileAtomic(page, htmlPage(`pix2pix test results: ${o.name} (${o.epoch})`, body));
    await writeFileAtomic(metricsFile, `${JSON.stringify(metrics, null, 2)}\n`);
  } catch (error) {
    throw writeError(out, error);
  }
  return { backend, page, metricsFile, mean, count: translations.length };
}
