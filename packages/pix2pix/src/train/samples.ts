/** The fixed pairs the training report translates at every refresh: a held-out split when there is one. */
import { existsSync } from "node:fs";
import path from "node:path";
import { type DataOptions, openPairedDataset, type PairBatch } from "../data/index.ts";
import { Rng } from "../random.ts";
import type { TrainOptions } from "./options.ts";

const SAMPLE_COUNT = 4;

export interface SamplePairs {
  readonly batches: readonly PairBatch[];
  /** Where they come from, as the report says it. */
  readonly source: string;
}

function heldOutOptions(o: TrainOptions): { data: DataOptions; source: string } {
  const fixed = { serialBatches: true, noFlip: true, maxDatasetSize: SAMPLE_COUNT };
  if (o.datasetMode === "synthetic") {
    return { data: { ...o, ...fixed, phase: "test" }, source: "held-out synthetic test pairs" };
  }
  for (const phase of ["val", "test"]) {
    if (o.dataroot && phase !== o.phase && existsSync(path.join(o.dataroot, phase))) {
      return {
        data: { ...o, ...fixed, phase },
        source: `the first pairs of ${path.join(o.dataroot, phase)}`,
      };
    }
  }
  return { data: { ...o, ...fixed }, source: "training pairs (the dataset has no val/ or test/ split)" };
}

export async function loadSamplePairs(o: TrainOptions): Promise<SamplePairs> {
  const { data, source } = heldOutOptions(o);
  const dataset = await openPairedDataset(data, Rng.fromSeed(o.seed), { warn: () => {} });
  try {
    const batches = [];
    for await (const batch of dataset.batches(1, Rng.fromSeed(o.seed))) {
      batches.push(batch);
      if (batches.length === SAMPLE_COUNT) break;
    }
    return { batches, source };
  } finally {
    await dataset.close();
  }
}
