/**
 * The studio page: a model (the server's, or a dropped weights file) runs on this device's best tfjs
 * backend; the input is drawn, uploaded or a synthetic sample; the output follows the pen. Every failure
 * ends as a message in the status line, never as a broken page.
 */
import {
  generatorFromBytes,
  generatorSizeMultiple,
  type LoadedGenerator,
  renderSyntheticPair,
} from "pix2pix-ts";
import { type BrowserBackend, isBrowserBackend, startBackend, wasmThreads } from "./backends.ts";
import { decodeImage, resized } from "./images.ts";
import { css, PALETTES, type PaletteName } from "./palettes.ts";
import { runsView } from "./runs-view.ts";
import { listModels, type ServerModel, weightsUrl } from "./server-api.ts";
import { Sketch } from "./sketch.ts";
import { trainView } from "./train-view.ts";
import { translate } from "./translate.ts";
import { downloadWeights, forgetDropped, lastDropped, rememberDropped } from "./weights-cache.ts";

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no #${id}`);
  return found;
}

const ui = {
  backend: element("backend-select", HTMLSelectElement),
  backendName: document.querySelector<HTMLElement>("[data-testid=backend]") as HTMLElement,
  backendNote: element("backend-note", HTMLElement),
  time: element("time", HTMLElement),
  status: element("status", HTMLElement),
  modelSelect: element("model-select", HTMLSelectElement),
  modelFile: element("model-file", HTMLInputElement),
  modelInfo: element("model-info", HTMLElement),
  palette: element("palette", HTMLSelectElement),
  swatches: element("swatches", HTMLElement),
  pen: element("pen", HTMLButtonElement),
  eraser: element("eraser", HTMLButtonElement),
  radius: element("radius", HTMLInputElement),
  undo: element("undo", HTMLButtonElement),
  clear: element("clear", HTMLButtonElement),
  drawCanvas: element("draw-canvas", HTMLCanvasElement),
  inputFile: element("input-file", HTMLInputElement),
  sampleLabels: element("sample-labels", HTMLButtonElement),
  samplePhoto: element("sample-photo", HTMLButtonElement),
  size: element("size", HTMLInputElement),
  translate: element("translate", HTMLButtonElement),
  eval: element("eval", HTMLInputElement),
  live: element("live", HTMLInputElement),
  output: element("output", HTMLCanvasElement),
  download: element("download", HTMLAnchorElement),
  originalSize: element("original-size", HTMLInputElement),
};

// ---------------------------------------------------------------- status line

function say(message: string): void {
  ui.status.textContent = message;
  ui.status.classList.remove("error");
}

function fail(error: unknown): void {
  const e = error as { message?: string; hint?: string };
  const message = typeof e?.message === "string" ? e.message : String(error);
  ui.status.textContent = e?.hint ? `${message} (${e.hint})` : message;
  ui.status.classList.add("error");
}

/** Runs an event handler; whatever it throws becomes the status line. */
const guarded =
  <A extends unknown[]>(handler: (...args: A) => unknown) =>
  (...args: A) => {
    Promise.resolve()
      .then(() => handler(...args))
      .catch(fail);
  };

// ---------------------------------------------------------------- the model

interface CurrentModel {
  readonly loaded: LoadedGenerator;
  readonly name: string;
  /** The weights file's bytes (what a fine-tuning run starts from). */
  readonly bytes: Uint8Array;
  readonly server?: ServerModel;
}

let model: CurrentModel | undefined;
/** Size of the image uploaded last (for a download at its size), cleared by drawing a sample. */
let uploadedSize: { width: number; height: number } | undefined;

function describe({ loaded, name }: CurrentModel): string {
  const a = loaded.architecture;
  const dropout = a.noDropout ? "no dropout" : "dropout";
  return `${name}: ${a.netG}, ngf ${a.ngf}, ${a.norm} norm, ${dropout}, ${a.inputNc} → ${a.outputNc} channels`;
}

/** The size a model runs at: the server's load size, else the U-Net's own (128 or 256), else 256. */
function naturalSize(next: CurrentModel): number {
  const { netG } = next.loaded.architecture;
  const multiple = generatorSizeMultiple(netG);
  const wanted = next.server?.loadSize ?? (netG.startsWith("unet") ? multiple : 256);
  return Math.max(multiple, Math.round(wanted / multiple) * multiple);
}

async function useModel(bytes: Uint8Array, name: string, server?: ServerModel): Promise<void> {
  say(`reading ${name}…`);
  const loaded = generatorFromBytes(bytes, name);
  await inFlight?.catch(() => undefined); // it finishes with the weights it started with
  model?.loaded.g.dispose();
  model = { loaded, name, bytes, ...(server && { server }) };
  ui.modelInfo.textContent = describe(model);
  const multiple = generatorSizeMultiple(loaded.architecture.netG);
  ui.size.step = ui.size.min = String(multiple);
  setSize(naturalSize(model));
  if (loaded.architecture.inputNc === 1 && ui.palette.value !== "edges") choosePalette("edges");
  if (ui.live.checked) await runTranslation();
  else say(`${name} is loaded: press translate`);
}

async function openDropped(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  ui.modelSelect.value = "";
  await useModel(bytes, file.name);
  await rememberDropped(file.name, bytes);
}

async function openServerModel(name: string, models: readonly ServerModel[]): Promise<void> {
  if (!name) return;
  const server = models.find((m) => m.name === name);
  say(`downloading ${name}…`);
  const { bytes, fileName, cached } = await downloadWeights(weightsUrl(name));
  await useModel(bytes, fileName ?? `${name}.safetensors`, server);
  await forgetDropped();
  if (cached) ui.modelInfo.textContent += " (weights from the browser's cache)";
}

// ---------------------------------------------------------------- the input

const sketch = new Sketch(ui.drawCanvas, (final) => scheduleTranslation(final));

function setSize(size: number): void {
  ui.size.value = String(size);
  sketch.resize(size);
  ui.output.width = ui.output.height = size;
}

function choosePalette(name: PaletteName): void {
  ui.palette.value = name;
  const palette = PALETTES[name];
  sketch.background = palette.background;
  ui.swatches.replaceChildren(
    ...palette.colours.map(({ name: label, rgb }, i) => {
      const swatch = document.createElement("button");
      swatch.title = label;
      swatch.style.background = css(rgb);
      swatch.addEventListener("click", () => {
        sketch.colour = rgb;
        setTool("pen");
        for (const other of ui.swatches.children) other.classList.toggle("active", other === swatch);
      });
      if (i === 0) swatch.classList.add("active");
      return swatch;
    }),
  );
  sketch.colour = palette.colours[0]?.rgb ?? [0, 0, 0];
}

function setTool(tool: "pen" | "eraser"): void {
  sketch.tool = tool;
  ui.pen.classList.toggle("active", tool === "pen");
  ui.eraser.classList.toggle("active", tool === "eraser");
}

function drawSample(kind: "labels" | "photo"): void {
  const size = sketch.size;
  const pair = renderSyntheticPair(Math.floor(Math.random() * 100_000), size);
  const rgb = pair[kind];
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    rgba.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  uploadedSize = undefined;
  if (kind === "labels") choosePalette("synthetic");
  sketch.put(new ImageData(rgba, size, size));
}

async function uploadImage(file: File): Promise<void> {
  const image = await decodeImage(file, file.name);
  uploadedSize = { width: image.width, height: image.height };
  sketch.put(resized(image, sketch.size, sketch.size));
}

// ---------------------------------------------------------------- translation

const DEBOUNCE_MS = 80;
let timer: ReturnType<typeof setTimeout> | undefined;
/** The translation running now, if any. */
let inFlight: Promise<void> | undefined;
let again = false;

function scheduleTranslation(final: boolean): void {
  if (!model || !ui.live.checked) return;
  clearTimeout(timer);
  timer = setTimeout(() => void runTranslation().catch(fail), final ? 0 : DEBOUNCE_MS);
}

/** Translates the canvas; a request while one runs is run once after it, with the latest drawing. */
async function runTranslation(): Promise<void> {
  if (!model) {
    say("no model yet: pick a server model or drop a weights file");
    return;
  }
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = translateUntilCurrent(model).finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

async function translateUntilCurrent(using: CurrentModel): Promise<void> {
  do {
    again = false;
    say("translating…");
    const mode = ui.eval.checked ? "eval" : "test";
    const { output, milliseconds } = await translate(using.loaded, sketch.pixels(), mode);
    ui.output.width = output.width;
    ui.output.height = output.height;
    ui.output.getContext("2d")?.putImageData(output, 0, 0);
    // a count that tests (ours and anyone's) can wait on
    ui.output.dataset.translations = String(Number(ui.output.dataset.translations ?? 0) + 1);
    ui.time.textContent = `${milliseconds.toFixed(0)} ms`;
    ui.time.dataset.ms = String(milliseconds);
    ui.download.setAttribute("aria-disabled", "false");
  } while (again);
  say("ready");
}

function downloadOutput(event: Event): void {
  event.preventDefault();
  let canvas = ui.output;
  const output = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height);
  if (ui.originalSize.checked && uploadedSize && output) {
    canvas = document.createElement("canvas");
    canvas.width = uploadedSize.width;
    canvas.height = uploadedSize.height;
    canvas.getContext("2d")?.putImageData(resized(output, canvas.width, canvas.height), 0, 0);
  }
  canvas.toBlob((blob) => {
    if (!blob) return fail(new Error("the browser could not encode the PNG"));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${(model?.name ?? "pix2pix").replace(/\.[^.]*$/, "")}-output.png`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, "image/png");
}

// ---------------------------------------------------------------- wiring

function wire(models: () => readonly ServerModel[]): void {
  ui.modelSelect.addEventListener(
    "change",
    guarded(() => openServerModel(ui.modelSelect.value, models())),
  );
  ui.modelFile.addEventListener(
    "change",
    guarded(async () => {
      const file = ui.modelFile.files?.[0];
      ui.modelFile.value = "";
      if (file) await openDropped(file);
    }),
  );
  ui.inputFile.addEventListener(
    "change",
    guarded(async () => {
      const file = ui.inputFile.files?.[0];
      ui.inputFile.value = "";
      if (file) await uploadImage(file);
    }),
  );
  // a dropped weights file loads as the model, a dropped image as the input
  document.addEventListener("dragover", (e) => {
    e.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener(
    "drop",
    guarded(async (e: DragEvent) => {
      e.preventDefault();
      document.body.classList.remove("dragging");
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      if (file.type.startsWith("image/")) await uploadImage(file);
      else await openDropped(file);
    }),
  );
  ui.palette.addEventListener("change", () => choosePalette(ui.palette.value as PaletteName));
  ui.pen.addEventListener("click", () => setTool("pen"));
  ui.eraser.addEventListener("click", () => setTool("eraser"));
  ui.radius.addEventListener("input", () => {
    sketch.radius = Number(ui.radius.value);
  });
  ui.undo.addEventListener("click", () => sketch.undo());
  ui.clear.addEventListener("click", () => sketch.clear());
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if ((e.ctrlKey || e.metaKey) && e.key === "z") sketch.undo();
    else if (e.key === "p") setTool("pen");
    else if (e.key === "e") setTool("eraser");
  });
  ui.sampleLabels.addEventListener("click", () => drawSample("labels"));
  ui.samplePhoto.addEventListener("click", () => drawSample("photo"));
  ui.size.addEventListener(
    "change",
    guarded(async () => {
      const multiple = Number(ui.size.step) || 4;
      const size = Math.max(multiple, Math.round(Number(ui.size.value) / multiple) * multiple);
      setSize(Math.min(size, 2048));
      scheduleTranslation(true);
    }),
  );
  ui.translate.addEventListener("click", guarded(runTranslation));
  ui.eval.addEventListener("change", () => scheduleTranslation(true));
  ui.download.addEventListener("click", downloadOutput);
  ui.backend.addEventListener("change", () => {
    const url = new URL(location.href);
    if (ui.backend.value) url.searchParams.set("backend", ui.backend.value);
    else url.searchParams.delete("backend");
    location.assign(url);
  });
}

async function fillServerModels(): Promise<ServerModel[]> {
  const models = await listModels().catch((error: Error) => {
    fail(new Error(`the server's models: ${error.message}`));
    return [];
  });
  for (const m of models) ui.modelSelect.add(new Option(`${m.name} (${m.netG}, ${m.source})`, m.name));
  return models;
}

async function start(): Promise<void> {
  for (const [name, palette] of Object.entries(PALETTES)) ui.palette.add(new Option(palette.title, name));
  choosePalette("edges");
  sketch.fill(PALETTES.edges.background);

  const requested = new URLSearchParams(location.search).get("backend");
  const wanted: BrowserBackend | undefined = isBrowserBackend(requested) ? requested : undefined;
  ui.backend.value = wanted ?? "";
  const backend = await startBackend(wanted);
  ui.backendName.textContent = backend.name;
  const threads = wasmThreads();
  const notes = [threads > 1 && `${threads} threads`, backend.note].filter(Boolean);
  ui.backendNote.textContent = notes.length > 0 ? `(${notes.join("; ")})` : "";

  let models: ServerModel[] = [];
  wire(() => models);
  const runs = runsView(
    {
      select: element("run-select", HTMLSelectElement),
      info: element("runs-info", HTMLElement),
      chart: element("loss-chart", HTMLCanvasElement),
      report: element("run-report", HTMLElement),
      frame: element("report-frame", HTMLIFrameElement),
    },
    (name) => {
      // the run saved a new generator: the model in use follows it
      if (model?.server?.name === name) void openServerModel(name, models).catch(fail);
    },
  );
  trainView(
    {
      files: element("train-files", HTMLInputElement),
      filesB: element("train-files-b", HTMLInputElement),
      drawA: element("train-draw-a", HTMLButtonElement),
      drawB: element("train-draw-b", HTMLButtonElement),
      clearPairs: element("train-clear-pairs", HTMLButtonElement),
      pairsInfo: element("train-pairs-info", HTMLElement),
      from: element("train-from", HTMLSelectElement),
      netG: element("train-netg", HTMLSelectElement),
      size: element("train-size", HTMLInputElement),
      ngf: element("train-ngf", HTMLInputElement),
      steps: element("train-steps", HTMLInputElement),
      lr: element("train-lr", HTMLInputElement),
      start: element("train-start", HTMLButtonElement),
      pause: element("train-pause", HTMLButtonElement),
      step: element("train-step", HTMLElement),
      total: element("train-total", HTMLElement),
      loss: element("train-loss", HTMLElement),
      status: element("train-status", HTMLElement),
      chart: element("train-chart", HTMLCanvasElement),
      samples: element("train-samples", HTMLCanvasElement),
      download: element("train-download", HTMLButtonElement),
      use: element("train-use", HTMLButtonElement),
      upload: element("train-upload", HTMLButtonElement),
    },
    {
      backend: backend.name,
      loadedModel: () => model && { bytes: model.bytes, name: model.name },
      drawing: () => sketch.pixels(),
      useModel: (bytes, name) => useModel(bytes, name),
      fail,
    },
  );
  models = await fillServerModels();
  void runs.refresh();

  const dropped = await lastDropped();
  if (dropped) await useModel(dropped.bytes, dropped.name);
  else say(models.length > 0 ? "pick a model" : "drop a weights file (.safetensors, .pth or .pict) to start");
}

start().catch(fail);
