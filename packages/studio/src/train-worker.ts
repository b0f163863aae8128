/**
 * The training worker: runs pix2pix-ts's trainOnPairs (the same session, step, Adam and schedule as
 * `pix2pix train`) off the page's thread, on the run kept in IndexedDB, saving its progress there as
 * it goes; the page hears each logged step, the samples and the saves. A pause stops after the step in
 * progress, with a save.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import * as tf from "@tensorflow/tfjs-core";
import { type PairLossRecord, trainOnPairs, unitRangeToRgba } from "pix2pix-ts";
import { registerWasmTrainingKernels } from "pix2pix-ts/wasm";
import "./backends.ts"; // the wasm binaries' URLs, and the backends themselves
import type { BrowserBackend } from "./backends.ts";
import type { FromWorker, SampleRow, ToWorker } from "./train-messages.ts";
import { loadProgress, loadSetup, saveProgress, setRunning } from "./train-store.ts";

type Image = {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
};

const post = (message: FromWorker, transfer: Transferable[] = []) => postMessage(message, { transfer });

let stop: AbortController | undefined;

/** A worker's thread is its own: still, let a pause message in between steps. */
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function channelsOf(image: Image): 1 | 3 {
  return image.channels === 1 ? 1 : 3;
}

/** input | output | target as one RGBA image. */
function sampleRow(images: readonly Image[]): SampleRow {
  const first = images[0] as Image;
  const { width, height } = first;
  const rgba = new Uint8ClampedArray(width * images.length * height * 4);
  images.forEach((image, n) => {
    const pixels = unitRangeToRgba(image.data, channelsOf(image));
    for (let y = 0; y < height; y++) {
      rgba.set(
        pixels.subarray(y * width * 4, (y + 1) * width * 4),
        (y * width * images.length + n * width) * 4,
      );
    }
  });
  return { rgba, width: width * images.length, height };
}

async function startBackend(name: BrowserBackend): Promise<void> {
  registerWasmTrainingKernels();
  if (!(await tf.setBackend(name).catch(() => false))) {
    throw new Error(`the ${name} backend does not start in this browser's workers`);
  }
}

async function train(backend: BrowserBackend): Promise<void> {
  const [setup, progress] = await Promise.all([loadSetup(), loadProgress()]);
  if (!setup) throw new Error("there is no run to train: add pairs and press start");
  await startBackend(backend);
  const records: PairLossRecord[] = [...(progress?.records ?? [])];
  stop = new AbortController();
  post({ kind: "started", backend: tf.getBackend(), iteration: progress?.iteration ?? 0 });
  const started = performance.now();
  let steps = 0;
  const result = await trainOnPairs(
    {
      pairs: setup.pairs,
      options: setup.options,
      ...(progress && { resume: progress.state }),
      ...(setup.fineTune && { fineTune: setup.fineTune }),
    },
    {
      signal: stop.signal,
      stopAtIteration: setup.steps,
      onStep: () => void steps++,
      onLog: async (record) => {
        records.push(record);
        const stepsPerSecond = steps / ((performance.now() - started) / 1000);
        post({ kind: "log", record, stepsPerSecond });
        await breathe();
      },
      onSamples: (samples) => {
        const rows = samples.map((s) => sampleRow([s.input, s.output, s.target]));
        post(
          { kind: "samples", rows },
          rows.map((r) => r.rgba.buffer),
        );
      },
      onSave: async (state, iteration) => {
        await saveProgress({ state, iteration, records: records.filter((r) => r.iteration <= iteration) });
        post({ kind: "saved", iteration });
      },
    },
  );
  const finished = result.iteration >= setup.steps || result.outcome === "finished";
  await setRunning(false);
  post({ kind: "stopped", outcome: finished ? "finished" : "paused", iteration: result.iteration });
}

addEventListener("message", (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.kind === "pause") {
    stop?.abort();
    return;
  }
  train(message.backend).catch((error: unknown) => {
    const e = error as { message?: string; hint?: string };
    const text = typeof e?.message === "string" ? e.message : String(error);
    post({ kind: "failed", message: e?.hint ? `${text} (${e.hint})` : text });
  });
});
