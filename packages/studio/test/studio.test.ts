/**
 * The studio in real Chromium (Debian's, which scripts/setup.sh installs), served by `vite preview` from
 * its build: a hostile .pth is refused with a message; a tiny model made here with the library loads
 * from a dropped file; an uploaded image translates to what `pix2pix translate` writes for the same
 * model and input (within 2 levels, in the paper's test mode and in eval mode); a pen stroke changes
 * the output; the page logs no errors. One browser launch, a 64-pixel ResNet with ngf 8.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  createGenerator,
  generatorConfig,
  Rng,
  readImage,
  renderSyntheticPair,
  resizeBicubic,
  saveNetwork,
  translateImage,
  useBackend,
  writeImage,
} from "pix2pix-ts/node";
import type { Browser, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { launchChromium, openStudio, STUDIO, serveStudio } from "./browser.ts";

const SIZE = 64;
const architecture = { netG: "resnet_6blocks", ngf: 8, norm: "batch", noDropout: true } as const;

let dir: string;
let server: PreviewServer;
let url: string;
let browser: Browser;
let serve: ChildProcess | undefined;
let page: Page;
const pageErrors: string[] = [];

/** A pickle that, unpickled by Python, would run `echo pwned` through os.system. */
function hostilePickle(): Uint8Array {
  const text = new TextEncoder();
  const command = text.encode("echo pwned");
  return Uint8Array.from([
    0x80,
    2,
    0x63, // GLOBAL os.system
    ...text.encode("os\nsystem\n"),
    0x58, // BINUNICODE
    ...new Uint8Array(new Uint32Array([command.length]).buffer),
    ...command,
    0x85, // TUPLE1
    0x52, // REDUCE
    0x2e, // STOP
  ]);
}

const testid = (id: string) => page.getByTestId(id);

/** The number of translations the page has finished (the output canvas counts them). */
const translations = async () => Number((await testid("output").getAttribute("data-translations")) ?? 0);

/** Waits until the page has finished a translation after `count`, and says "ready". */
async function nextTranslation(count: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const output = document.querySelector("[data-testid=output]");
      const status = document.querySelector("[data-testid=status]")?.textContent;
      return Number(output?.getAttribute("data-translations") ?? 0) > n && status === "ready";
    },
    count,
    { timeout: 120_000 },
  );
}

/** The output canvas's RGB bytes. */
async function outputPixels(): Promise<number[]> {
  return page.evaluate(() => {
    const canvas = document.querySelector("[data-testid=output]") as HTMLCanvasElement;
    const rgba = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    return [...rgba].filter((_, i) => i % 4 !== 3);
  });
}

/** `pix2pix translate`'s output for the test's model and input, as RGB bytes. */
async function cliOutput(evalMode: boolean): Promise<number[]> {
  const output = path.join(dir, evalMode ? "cli-eval.png" : "cli-test.png");
  await translateImage(path.join(dir, "input.png"), {
    model: path.join(dir, "tiny.safetensors"),
    output,
    loadSize: SIZE,
    eval: evalMode,
    ...architecture,
  });
  const image = await readImage(output, 3);
  return [...image.data].map((v) => Math.round((v + 1) * 127.5));
}

function assertWithin(actual: number[], expected: number[], levels: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: pixel count`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
  assert.ok(worst <= levels, `${what}: differs by up to ${worst} levels from pix2pix translate`);
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "pix2pix-studio-"));
  await useBackend("cpu");
  const g = createGenerator(generatorConfig(architecture, 3, 3), Rng.fromSeed(5));
  await saveNetwork(path.join(dir, "tiny.safetensors"), g, { noDropout: "true" });
  g.dispose();
  const labels = renderSyntheticPair(3, SIZE).labels;
  await writeImage(path.join(dir, "input.png"), {
    data: Float32Array.from(labels, (v) => v / 127.5 - 1),
    height: SIZE,
    width: SIZE,
    channels: 3,
  });
  writeFileSync(path.join(dir, "evil.pth"), hostilePickle());

  ({ server, url } = await serveStudio());
  browser = await launchChromium();
  page = await openStudio(browser, url, "wasm", pageErrors);
});

after(async () => {
  serve?.kill("SIGTERM");
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("asked for no backend, headless Chromium (software WebGL) gets wasm and says why", async () => {
  const other = await browser.newPage();
  other.setDefaultTimeout(120_000);
  try {
    await other.goto(url);
    await other.waitForFunction(
      () => document.querySelector("[data-testid=backend]")?.textContent === "wasm",
    );
    assert.match((await other.locator("#backend-note").textContent()) ?? "", /software-rendered/);
  } finally {
    await other.close();
  }
});

test("a hostile .pth is refused with a message naming what it would run; the page keeps working", async () => {
  await testid("model-file").setInputFiles(path.join(dir, "evil.pth"));
  await page.waitForFunction(() =>
    /refusing to load evil\.pth/.test(document.querySelector("[data-testid=status]")?.textContent ?? ""),
  );
  assert.match((await testid("status").textContent()) ?? "", /'os\.system'/);
});

test("a dropped model and an uploaded image give pix2pix translate's output, in test and eval mode", async () => {
  let count = await translations();
  await testid("model-file").setInputFiles(path.join(dir, "tiny.safetensors"));
  await page.waitForFunction(() =>
    document.getElementById("model-info")?.textContent?.includes("resnet_6blocks"),
  );
  count = await translations();
  await testid("size").fill(String(SIZE));
  await testid("size").dispatchEvent("change");
  await nextTranslation(count);

  count = await translations();
  await testid("input-file").setInputFiles(path.join(dir, "input.png"));
  await nextTranslation(count);
  assert.equal(await testid("eval").isChecked(), false);
  assertWithin(await outputPixels(), await cliOutput(false), 2, "test mode");

  count = await translations();
  await testid("eval").check();
  await nextTranslation(count);
  assertWithin(await outputPixels(), await cliOutput(true), 2, "eval mode");
});

test("on WebGL (software in headless Chromium) the output is pix2pix translate's too", async () => {
  const other = await browser.newPage();
  other.setDefaultTimeout(120_000);
  other.on("pageerror", (error) => pageErrors.push(String(error)));
  try {
    await other.goto(`${url}?backend=webgl`);
    await other.waitForFunction(
      () => document.querySelector("[data-testid=backend]")?.textContent === "webgl",
    );
    // one translation only, at the end (software WebGL compiles its shaders slowly)
    await other.locator("#live").uncheck();
    await other.getByTestId("model-file").setInputFiles(path.join(dir, "tiny.safetensors"));
    await other.waitForFunction(() =>
      document.getElementById("model-info")?.textContent?.includes("resnet_6blocks"),
    );
    await other.getByTestId("size").fill(String(SIZE));
    await other.getByTestId("size").dispatchEvent("change");
    await other.getByTestId("eval").check();
    await other.getByTestId("input-file").setInputFiles(path.join(dir, "input.png"));
    await other.getByTestId("translate").click();
    await other.waitForFunction(
      () =>
        document.querySelector("[data-testid=output]")?.getAttribute("data-translations") === "1" &&
        document.querySelector("[data-testid=status]")?.textContent === "ready",
      undefined,
      { timeout: 120_000 },
    );
    const pixels = await other.evaluate(() => {
      const canvas = document.querySelector("[data-testid=output]") as HTMLCanvasElement;
      return [...(canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [])];
    });
    assertWithin(
      pixels.filter((_, i) => i % 4 !== 3),
      await cliOutput(true),
      2,
      "webgl, eval mode",
    );
  } finally {
    await other.close();
  }
});

test("drawing a stroke changes the output, and undo brings the input back", async () => {
  const before = await outputPixels();
  const box = await testid("draw-canvas").boundingBox();
  assert.ok(box);
  const count = await translations();
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(box.x + box.width * (0.2 + 0.07 * i), box.y + box.height * (0.3 + 0.05 * i));
  }
  await page.mouse.up();
  await nextTranslation(count);
  const after = await outputPixels();
  const changed = after.filter((v, i) => v !== before[i]).length;
  assert.ok(changed > 50, `the stroke changed ${changed} output values`);

  const undoCount = await translations();
  await page.locator("#undo").click();
  await nextTranslation(undoCount);
  assert.deepEqual(await outputPixels(), before);
});

test("an image of another size is scaled as training reads it, and the PNG downloads at its size", async () => {
  const [width, height] = [96, 72];
  const photo = renderSyntheticPair(7, width).photo.subarray(0, width * height * 3);
  await writeImage(path.join(dir, "wide.png"), {
    data: Float32Array.from(photo, (v) => v / 127.5 - 1),
    height,
    width,
    channels: 3,
  });
  const count = await translations();
  await testid("input-file").setInputFiles(path.join(dir, "wide.png"));
  await nextTranslation(count);
  const input = await page.evaluate(() => {
    const canvas = document.querySelector("[data-testid=draw-canvas]") as HTMLCanvasElement;
    const rgba = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    return [...rgba].filter((_, i) => i % 4 !== 3);
  });
  // the reference's PIL bicubic resize, byte for byte, on the file's own bytes
  assert.deepEqual(input, [...resizeBicubic(photo, width, height, 3, SIZE, SIZE)]);

  await page.locator("#original-size").check();
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
  const file = path.join(dir, "downloaded.png");
  await download.saveAs(file);
  const image = await readImage(file, 3);
  assert.deepEqual([image.width, image.height], [width, height]);
});

/** `pix2pix serve` (from the sources, as the CLI's tests run it) on a free port; resolves to its address. */
async function startServe(args: string[]): Promise<string> {
  const cli = path.resolve(STUDIO, "../pix2pix/test/pix2pix-source.js");
  serve = spawn(process.execPath, [cli, "serve", "--port", "0", "--backend", "cpu", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    serve?.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
      const url = /pix2pix serve: (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    serve?.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    serve?.once("exit", (code) => reject(new Error(`pix2pix serve exited (${code}): ${output}`)));
    setTimeout(
      () => reject(new Error(`pix2pix serve did not start in 2 minutes: ${output}`)),
      120_000,
    ).unref();
  });
}

const lossLine = (iteration: number) =>
  `${JSON.stringify({ epoch: 1, iteration, lr: 2e-4, losses: { G_GAN: 1 / iteration, G_L1: 9 - iteration }, seconds: iteration, rssMiB: 300 })}\n`;

test("served by pix2pix serve: a server model translates, comes from the cache after a reload; a run's losses arrive live", async () => {
  const models = path.join(dir, "models");
  const run = path.join(dir, "checkpoints", "demo");
  mkdirSync(models);
  mkdirSync(run, { recursive: true });
  copyFileSync(path.join(dir, "tiny.safetensors"), path.join(models, "tiny.safetensors"));
  const referencePth = path.join(STUDIO, "../pix2pix/test/fixtures/parity/unet_128_ngf2.pth");
  copyFileSync(referencePth, path.join(models, "unet_128_ngf2.pth"));
  writeFileSync(path.join(run, "loss_log.jsonl"), lossLine(1) + lossLine(2));
  const serverUrl = await startServe([
    "--models",
    models,
    "--checkpoints-dir",
    path.dirname(run),
    "--studio",
    path.join(STUDIO, "dist"),
    "--load-size",
    String(SIZE),
  ]);

  for (const visit of ["first", "after a reload"]) {
    await page.goto(`${serverUrl}/?backend=wasm`);
    await page.waitForFunction(() => document.querySelector("[data-testid=backend]")?.textContent === "wasm");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("[data-testid=model-select] option")].some(
        (o) => (o as HTMLOptionElement).value === "tiny",
      ),
    );
    const count = await translations();
    await testid("model-select").selectOption("tiny");
    await nextTranslation(count);
    assert.equal(await testid("size").inputValue(), String(SIZE), "the server's load size");
    const info = (await page.locator("#model-info").textContent()) ?? "";
    assert.match(info, /resnet_6blocks, ngf 8/);
    assert.equal(info.includes("from the browser's cache"), visit !== "first", visit);
  }

  // a reference .pth among the server's models: read by the restricted unpickler in the browser too
  const count = await translations();
  await testid("model-select").selectOption("unet_128_ngf2");
  await nextTranslation(count);
  assert.match((await page.locator("#model-info").textContent()) ?? "", /unet_128, ngf 2/);

  await page.locator("#run-select").selectOption("demo");
  await page.waitForFunction(() => document.getElementById("loss-chart")?.dataset.records === "2");
  appendFileSync(path.join(run, "loss_log.jsonl"), lossLine(3));
  await page.waitForFunction(() => document.getElementById("loss-chart")?.dataset.records === "3");
});

test("the page logged no errors", () => {
  assert.deepEqual(pageErrors, []);
});
