/**
 * The training benchmark's page (test/train-bench.ts builds and drives it): `trainBench` trains a
 * pix2pix on synthetic pairs with pix2pix-ts's trainOnPairs (what the studio's Train view runs) on the
 * backend `startBackend` started (the one `?backend=` names, started as the studio starts it; with
 * `?wasm-threads=1`, wasm's threaded build), and returns each step's wall time.
 */
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { type ImagePair, renderSyntheticPair, trainOnPairs } from "pix2pix-ts";
import { registerWasmTrainingKernels } from "pix2pix-ts/wasm";
import { isBrowserBackend, startBackend, wasmThreads } from "../../src/backends.ts";

export interface TrainBenchRequest {
  readonly netG: "unet_128" | "unet_256";
  readonly ngf: number;
  readonly size: number;
  /** Steps to take, the first (model set-up, shaders, first allocations) included. */
  readonly steps: number;
  /** No step starts after this many ms. */
  readonly budgetMs: number;
}

export interface StartedBackend {
  readonly backend: string;
  /** wasm's threads (1: the single-threaded build); 0 on other backends. */
  readonly threads: number;
}

export interface TrainBenchSteps {
  /** Each step's ms (the first from the call's start: the network's creation included). */
  readonly ms: number[];
  /** Each step's G_L1: the same seed and data on every backend, so the same numbers, near enough. */
  readonly l1: number[];
}

declare global {
  interface Window {
    /** Starts the backend `?backend=` names, as the studio does. */
    startBackend(): Promise<StartedBackend>;
    trainBench(request: TrainBenchRequest): Promise<TrainBenchSteps>;
  }
}

/** Pairs of the synthetic facade-like dataset at the training size: no resizing in the data path. */
function pairs(size: number, count: number): ImagePair[] {
  return Array.from({ length: count }, (_, i) => {
    const { labels, photo } = renderSyntheticPair(i, size);
    return {
      name: `synthetic-${i}`,
      a: { data: labels, width: size, height: size },
      b: { data: photo, width: size, height: size },
    };
  });
}

window.startBackend = async () => {
  const wanted = new URLSearchParams(location.search).get("backend");
  if (!isBrowserBackend(wanted)) throw new Error(`?backend= names no backend: ${wanted}`);
  registerWasmTrainingKernels();
  const { name } = await startBackend(wanted);
  return { backend: name, threads: wasmThreads() };
};

window.trainBench = async ({ netG, ngf, size, steps, budgetMs }) => {
  const ms: number[] = [];
  const l1: number[] = [];
  let last = performance.now();
  await trainOnPairs(
    {
      pairs: pairs(size, 4),
      options: { netG, ngf, ndf: ngf, netD: "basic", loadSize: size, cropSize: size, nEpochs: 1000 },
    },
    {
      maxSteps: steps,
      deadline: Date.now() + budgetMs,
      onStep: ({ losses }) => {
        const now = performance.now();
        ms.push(now - last);
        l1.push(losses.G_L1);
        last = now;
      },
    },
  );
  return { ms, l1 };
};
