/** What the page and the training worker (train-worker.ts) say to each other. */
import type { PairLossRecord } from "pix2pix-ts";
import type { BrowserBackend } from "./backends.ts";

export type ToWorker =
  /** Train the run kept in IndexedDB (from its saved progress, if any) on `backend`. */
  | { readonly kind: "train"; readonly backend: BrowserBackend }
  /** Stop after the step in progress, saving the run. */
  | { readonly kind: "pause" };

/** One sample: the input, G's output and the target as RGBA, side by side in one image. */
export interface SampleRow {
  readonly rgba: Uint8ClampedArray<ArrayBuffer>;
  readonly width: number;
  readonly height: number;
}

export type FromWorker =
  | { readonly kind: "started"; readonly backend: string; readonly iteration: number }
  | { readonly kind: "log"; readonly record: PairLossRecord; readonly stepsPerSecond: number }
  | { readonly kind: "samples"; readonly rows: readonly SampleRow[] }
  | { readonly kind: "saved"; readonly iteration: number }
  | { readonly kind: "stopped"; readonly outcome: "finished" | "paused"; readonly iteration: number }
  | { readonly kind: "failed"; readonly message: string };
