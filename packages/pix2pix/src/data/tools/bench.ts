/** Measures the loader: pairs per second through one epoch, as a trainer would consume them. */
import { Rng } from "../../random.ts";
import { openPairedDataset } from "../index.ts";
import type { DataOptions } from "../options.ts";

export interface BenchResult {
  readonly dataroot: string | undefined;
  readonly mode: string;
  readonly pairs: number;
  readonly batchSize: number;
  readonly threads: number;
  readonly cropSize: number;
  readonly openSeconds: number;
  readonly firstBatchSeconds: number;
  readonly seconds: number;
  readonly pairsPerSecond: number;
  /** After the first batch: the rate once the worker threads are up and the prefetch window is full. */
  readonly steadyPairsPerSecond: number;
  /** CPU time of the whole process (all threads) per pair: the cost, whatever else shares the machine. */
  readonly cpuMsPerPair: number;
}

export async function benchLoader(
  options: DataOptions,
  batchSize: number,
  maxPairs: number,
): Promise<BenchResult> {
  const started = performance.now();
  const dataset = await openPairedDataset(options, Rng.fromSeed(0));
  const opened = performance.now();
  const cpuAtOpen = process.cpuUsage();
  let pairs = 0;
  let firstBatch = 0;
  let firstBatchPairs = 0;
  try {
    for await (const batch of dataset.batches(batchSize, Rng.fromSeed(1))) {
      pairs += batch.shapeA[0];
      if (firstBatch === 0) {
        firstBatch = performance.now();
        firstBatchPairs = pairs;
      }
      if (maxPairs > 0 && pairs >= maxPairs) break;
    }
  } finally {
    await dataset.close();
  }
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuAtOpen);
  const seconds = (finished - opened) / 1000;
  return {
    dataroot: options.dataroot,
    mode: options.datasetMode,
    pairs,
    batchSize,
    threads: options.numThreads,
    cropSize: options.cropSize,
    openSeconds: (opened - started) / 1000,
    firstBatchSeconds: (firstBatch - opened) / 1000,
    seconds,
    pairsPerSecond: pairs / seconds,
    steadyPairsPerSecond: (pairs - firstBatchPairs) / ((finished - firstBatch) / 1000),
    cpuMsPerPair: (cpu.user + cpu.system) / 1000 / pairs,
  };
}
