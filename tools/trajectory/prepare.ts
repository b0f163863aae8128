/**
 * The shared inputs of a trajectory run, drawn once by pix2pix-ts so that both sides start and train on
 * the very same numbers: the initial weights of G and D (init.safetensors, reference keys), every
 * training batch in its order (batches.f32: pix2pix-ts's own data pipeline, epoch by epoch, with its
 * shuffles, crops and flips) and a few held-out pairs for eval-mode outputs (eval.f32). The seeds are
 * used as `pix2pix train --seed` uses them: one Rng draws G's weights, then D's, then forks one Rng per
 * epoch for the data.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import {
  createDiscriminator,
  createGenerator,
  type DataOptions,
  discriminatorConfig,
  generatorConfig,
  networkStateDict,
  openPairedDataset,
  type PairedDataset,
  Rng,
  type StateDict,
  type TrainOptions,
  writeSafetensors,
} from "pix2pix-ts/node";
import { runFiles, type TrajectoryConfig } from "./config.ts";

function prefixed(prefix: string, dict: StateDict): StateDict {
  return new Map([...dict].map(([key, t]) => [`${prefix}${key}`, t]));
}

async function withDataset<T>(o: DataOptions, use: (d: PairedDataset) => Promise<T>): Promise<T> {
  const dataset = await openPairedDataset(o, Rng.fromSeed(0), { warn: () => {} });
  try {
    return await use(dataset);
  } finally {
    await dataset.close();
  }
}

function appendFloats(fd: number, data: Float32Array): void {
  writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Writes the run folder's config, initial weights, batches and evaluation pairs. */
export async function prepareRun(dir: string, c: TrajectoryConfig, o: TrainOptions): Promise<void> {
  const files = runFiles(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(files.config, `${JSON.stringify(c, null, 2)}\n`);

  const rng = Rng.fromSeed(c.seed);
  const g = createGenerator(generatorConfig(o, c.inputNc, c.outputNc), rng);
  const d = createDiscriminator(discriminatorConfig(o, c.inputNc, c.outputNc), rng);
  const init = new Map([...prefixed("G.", networkStateDict(g)), ...prefixed("D.", networkStateDict(d))]);
  g.dispose();
  d.dispose();
  await writeSafetensors(files.init, init);

  const fd = openSync(files.batches, "w");
  try {
    await withDataset(o, async (dataset) => {
      let written = 0;
      while (written < c.steps) {
        for await (const batch of dataset.batches(1, rng.fork())) {
          appendFloats(fd, batch.a);
          appendFloats(fd, batch.b);
          if (++written === c.steps) break;
        }
      }
    });
  } finally {
    closeSync(fd);
  }

  const held = { ...o, ...evalData(o), maxDatasetSize: c.evalCount, serialBatches: true, noFlip: true };
  const pairs = await withDataset(held, async (dataset) => {
    const all = [];
    for await (const batch of dataset.batches(1, Rng.fromSeed(0))) all.push(batch);
    return all;
  });
  if (pairs.length !== c.evalCount)
    throw new Error(`expected ${c.evalCount} eval pairs, got ${pairs.length}`);
  const evalFd = openSync(files.eval, "w");
  try {
    for (const p of pairs) appendFloats(evalFd, p.a);
    for (const p of pairs) appendFloats(evalFd, p.b);
  } finally {
    closeSync(evalFd);
  }
}

/** Held-out pairs: synthetic ones of the test phase, or the dataset's pairs resized (not cropped) to the crop size. */
function evalData(o: TrainOptions): Partial<DataOptions> {
  if (o.datasetMode === "synthetic") return { phase: "test" };
  return { preprocess: "resize", loadSize: o.cropSize };
}
