/**
 * The Train view: pairs from files or drawings, a few options, start / pause / resume, the live loss
 * curves and sample grid, and the result as a .safetensors (downloaded, used here, or uploaded to the
 * server). Training runs in a Web Worker (train-worker.ts), so the page stays responsive; the run is
 * kept in IndexedDB (train-store.ts), so a reload picks it up where its last save left it.
 */
import {
  GENERATORS,
  type GeneratorName,
  generatorFileFromTrainState,
  type ImagePair,
  type PairLossRecord,
  type RgbImage,
} from "pix2pix-ts";
import type { BrowserBackend } from "./backends.ts";
import { drawLosses } from "./loss-chart.ts";
import { serverConnected, uploadModel } from "./server-api.ts";
import type { FromWorker, SampleRow, ToWorker } from "./train-messages.ts";
import { studioTrainOptions, TRAIN_DEFAULTS } from "./train-options.ts";
import { pairsFromFiles, wholeImage } from "./train-pairs.ts";
import { loadProgress, loadSetup, type RunSetup, saveNewRun, setRunning } from "./train-store.ts";

export interface TrainElements {
  readonly files: HTMLInputElement;
  readonly filesB: HTMLInputElement;
  readonly drawA: HTMLButtonElement;
  readonly drawB: HTMLButtonElement;
  readonly clearPairs: HTMLButtonElement;
  readonly pairsInfo: HTMLElement;
  readonly from: HTMLSelectElement;
  readonly netG: HTMLSelectElement;
  readonly size: HTMLInputElement;
  readonly ngf: HTMLInputElement;
  readonly steps: HTMLInputElement;
  readonly lr: HTMLInputElement;
  readonly start: HTMLButtonElement;
  readonly pause: HTMLButtonElement;
  readonly step: HTMLElement;
  readonly total: HTMLElement;
  readonly loss: HTMLElement;
  readonly status: HTMLElement;
  readonly chart: HTMLCanvasElement;
  readonly samples: HTMLCanvasElement;
  readonly download: HTMLButtonElement;
  readonly use: HTMLButtonElement;
  readonly upload: HTMLButtonElement;
}

/** What the view needs from the rest of the page. */
export interface TrainHost {
  readonly backend: BrowserBackend;
  /** The model loaded in the translate view (its file), for fine-tuning. */
  readonly loadedModel: () => { bytes: Uint8Array; name: string } | undefined;
  /** The drawing on the input canvas. */
  readonly drawing: () => ImageData;
  /** Loads trained weights into the translate view. */
  readonly useModel: (bytes: Uint8Array, name: string) => Promise<void>;
  readonly fail: (error: unknown) => void;
}

type State = "idle" | "training" | "pausing" | "paused" | "finished";

export function trainView(ui: TrainElements, host: TrainHost): void {
  let pairs: ImagePair[] = [];
  let drawnA: RgbImage | undefined;
  let records: PairLossRecord[] = [];
  let state: State = "idle";
  let savedAt = 0;
  let worker: Worker | undefined;

  for (const name of GENERATORS) ui.netG.add(new Option(name, name));
  ui.netG.value = TRAIN_DEFAULTS.netG;
  ui.size.value = String(TRAIN_DEFAULTS.size);
  ui.ngf.value = String(TRAIN_DEFAULTS.ngf);
  ui.steps.value = String(TRAIN_DEFAULTS.steps);
  ui.lr.value = String(TRAIN_DEFAULTS.lr);

  const showPairs = () => {
    const pending = drawnA ? " (a drawn A waits for its B)" : "";
    ui.pairsInfo.textContent =
      pairs.length === 0 ? `no pairs yet${pending}` : `${pairs.length} pairs${pending}`;
    ui.pairsInfo.dataset.pairs = String(pairs.length);
  };

  const show = (next: State, message?: string) => {
    state = next;
    ui.status.textContent = message ?? next;
    ui.start.disabled = next === "training" || next === "pausing";
    ui.pause.disabled = next !== "training" && next !== "paused";
    ui.pause.textContent = next === "paused" ? "resume" : "pause";
    const hasWeights = savedAt > 0;
    for (const button of [ui.download, ui.use, ui.upload]) button.disabled = !hasWeights;
    ui.download.textContent = hasWeights
      ? `download .safetensors (step ${savedAt})`
      : "download .safetensors";
  };

  let drawing = false;
  /** Redraws at the next frame, once however many records arrived before it: the page stays light. */
  const showRecordsSoon = () => {
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(() => {
      drawing = false;
      showRecords();
    });
  };

  const showRecords = () => {
    drawLosses(ui.chart, records);
    const last = records.at(-1);
    ui.step.textContent = String(last?.iteration ?? 0);
    ui.loss.textContent = last ? String(last.losses.G_L1) : "–";
    ui.chart.dataset.l1 = records.map((r) => r.losses.G_L1).join(" "); // the curve's numbers, for tests
  };

  const showSamples = (rows: readonly SampleRow[]) => {
    const first = rows[0];
    if (!first) return;
    ui.samples.width = first.width;
    ui.samples.height = first.height * rows.length;
    const ctx = ui.samples.getContext("2d");
    for (const [i, row] of rows.entries()) {
      ctx?.putImageData(new ImageData(row.rgba, row.width, row.height), 0, i * row.height);
    }
  };

  const onMessage = (message: FromWorker) => {
    switch (message.kind) {
      case "started":
        show("training", `training on ${message.backend} from step ${message.iteration}`);
        return;
      case "log": {
        records.push(message.record);
        showRecordsSoon();
        if (state === "training")
          ui.status.textContent = `training: ${message.stepsPerSecond.toFixed(2)} steps/s`;
        return;
      }
      case "samples":
        showSamples(message.rows);
        return;
      case "saved":
        savedAt = message.iteration;
        ui.step.dataset.saved = String(savedAt);
        show(state, ui.status.textContent ?? undefined);
        return;
      case "stopped":
        showRecords(); // now, not at the next frame: the run's last step is on screen when it says so
        show(
          message.outcome,
          message.outcome === "finished" ? `finished at step ${message.iteration}` : "paused",
        );
        return;
      case "failed":
        show("paused", message.message);
        host.fail(new Error(`training: ${message.message}`));
    }
  };

  const post = (message: ToWorker) => {
    worker ??= new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
    worker.onerror = (event) => {
      show("paused", `the training worker failed: ${event.message}`);
      host.fail(new Error(`the training worker failed: ${event.message}`));
    };
    worker.postMessage(message);
  };

  const train = () => {
    show("training", `starting on ${host.backend}…`);
    post({ kind: "train", backend: host.backend });
  };

  const start = async () => {
    if (pairs.length === 0) throw new Error("no training pairs: add aligned images, two lists, or drawings");
    const steps = Math.max(1, Math.round(Number(ui.steps.value)));
    const tuned = ui.from.value === "model" ? host.loadedModel() : undefined;
    if (ui.from.value === "model" && !tuned)
      throw new Error("no model is loaded to fine-tune: load one first");
    const options = studioTrainOptions({
      netG: ui.netG.value as GeneratorName,
      size: Math.max(4, Math.round(Number(ui.size.value))),
      ngf: Math.max(1, Math.round(Number(ui.ngf.value))),
      steps,
      lr: Number(ui.lr.value),
      pairCount: pairs.length,
    });
    const setup: RunSetup = { pairs, options, steps, running: true, ...(tuned && { fineTune: tuned }) };
    await saveNewRun(setup);
    records = [];
    savedAt = 0;
    showRecords();
    ui.total.textContent = String(steps);
    train();
  };

  const pauseOrResume = async () => {
    if (state === "training") {
      show("pausing", "pausing after this step…");
      post({ kind: "pause" });
    } else if (state === "paused") {
      await setRunning(true);
      train();
    }
  };

  const generatorFile = async () => {
    const progress = await loadProgress();
    if (!progress) throw new Error("nothing is saved yet: the first save comes after a few steps");
    return {
      bytes: generatorFileFromTrainState(progress.state),
      name: `studio-step${progress.iteration}.safetensors`,
    };
  };

  const download = async () => {
    const { bytes, name } = await generatorFile();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([bytes.slice().buffer], { type: "application/octet-stream" }));
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  };

  const guarded = (handler: () => unknown) => () => {
    Promise.resolve()
      .then(handler)
      .catch((error: unknown) => host.fail(error));
  };

  ui.files.addEventListener(
    "change",
    guarded(async () => {
      const inputs = [...(ui.files.files ?? [])];
      const targets = [...(ui.filesB.files ?? [])];
      if (inputs.length === 0) return;
      pairs = [...pairs, ...(await pairsFromFiles(inputs, targets))];
      ui.files.value = ui.filesB.value = "";
      showPairs();
    }),
  );
  ui.drawA.addEventListener("click", () => {
    drawnA = wholeImage(host.drawing());
    showPairs();
  });
  ui.drawB.addEventListener(
    "click",
    guarded(() => {
      if (!drawnA) throw new Error("draw the input first and press 'drawing → A'");
      pairs = [...pairs, { name: `drawing ${pairs.length + 1}`, a: drawnA, b: wholeImage(host.drawing()) }];
      drawnA = undefined;
      showPairs();
    }),
  );
  ui.clearPairs.addEventListener("click", () => {
    pairs = [];
    drawnA = undefined;
    showPairs();
  });
  ui.start.addEventListener("click", guarded(start));
  ui.pause.addEventListener("click", guarded(pauseOrResume));
  ui.download.addEventListener("click", guarded(download));
  ui.use.addEventListener(
    "click",
    guarded(async () => {
      const { bytes, name } = await generatorFile();
      await host.useModel(bytes, name);
    }),
  );
  ui.upload.addEventListener(
    "click",
    guarded(async () => {
      const { bytes, name } = await generatorFile();
      ui.status.textContent = `uploading ${name}…`;
      await uploadModel(name.replace(/\.safetensors$/, ""), bytes);
      ui.status.textContent = `uploaded ${name} to the server`;
    }),
  );

  /** The run a previous visit left: shown as it was saved, and trained on if it was training then. */
  const restore = async (setup: RunSetup) => {
    const progress = await loadProgress();
    pairs = [...setup.pairs];
    records = [...(progress?.records ?? [])];
    savedAt = progress?.iteration ?? 0;
    ui.steps.value = ui.total.textContent = String(setup.steps);
    ui.lr.value = String(setup.options.lr ?? TRAIN_DEFAULTS.lr);
    if (setup.options.netG) ui.netG.value = setup.options.netG;
    if (setup.options.ngf) ui.ngf.value = String(setup.options.ngf);
    if (setup.options.cropSize) ui.size.value = String(setup.options.cropSize);
    showPairs();
    showRecords();
    if (setup.running) train();
    else show(savedAt >= setup.steps ? "finished" : "paused", `kept from the last visit: step ${savedAt}`);
  };

  showPairs();
  show("idle", "add pairs, then start");
  ui.upload.hidden = true; // shown when a server answers
  void serverConnected().then((connected) => {
    ui.upload.hidden = !connected;
  });
  loadSetup()
    .then((setup) => (setup ? restore(setup) : undefined))
    .catch((error: unknown) => host.fail(error));
}
