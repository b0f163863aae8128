/**
 * Paired datasets for pix2pix: the public entry point of the data side (Node only: it reads files and
 * runs worker threads). A dataset yields batches of (input, target) pairs as NHWC float32 in [-1, 1].
 */
export type {
  OpenHooks,
  PairBatch,
  PairedDataset,
  Shape4,
  SkippedFile,
} from "./dataset.ts";
export { openPairedDataset } from "./open.ts";
export type { DataOptions } from "./options.ts";
export { dataOptions } from "./options.ts";
