import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { runCli } from "../../../test/cli-helpers.ts";
import { tempDir, writeRgb } from "../../../test/image-files.ts";
import { useBackend } from "../../backend.ts";
import { readImage } from "../../io/images.ts";
import { saveNetwork } from "../../io/network-file.ts";
import { createGenerator, generatorConfig } from "../../models/index.ts";
import { Rng } from "../../random.ts";

const dir = tempDir("pix2pix-translate-folder-");
const inputs = path.join(dir, "in");
const out = path.join(dir, "out");
const model = path.join(dir, "g.safetensors");
const bad = path.join(inputs, "bad.jpg");

const translate = (...args: string[]) =>
  runCli(["translate", "--model", model, "--load-size", "128", "--batch-size", "2", ...args]);

const filesUnder = (folder: string) =>
  readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => statSync(path.join(folder, name)).isFile())
    .sort();

describe("pix2pix translate on folders", () => {
  before(async () => {
    await useBackend("auto");
    const architecture = { netG: "unet_128", ngf: 8, norm: "batch", noDropout: false } as const;
    const g = createGenerator(generatorConfig(architecture, 3, 3), Rng.fromSeed(3));
    await saveNetwork(model, g);
    g.dispose();
    await writeRgb(path.join(inputs, "a.png"), 100, 60, (x, y) => [x * 2, y * 4, 90]);
    await writeRgb(path.join(inputs, "sub", "b.jpg"), 128, 128, (x, y) => [(x * y) % 256, 40, x]);
    await writeRgb(path.join(inputs, "sub", "deeper", "c.webp"), 70, 90, (x, y) => [y, x, (x + y) % 256]);
    // A JPEG cut off half-way, as an interrupted copy leaves it; and a file that is no image at all.
    await writeRgb(bad, 64, 64, (x, y) => [x * 4, y * 4, 0]);
    const jpeg = readFileSync(bad);
    writeFileSync(bad, jpeg.subarray(0, jpeg.length / 2));
    writeFileSync(path.join(inputs, "notes.txt"), "not an image");
  });

  test("a folder with a corrupt file: the rest is written, mirrored; the corrupt file is listed", async () => {
    const run = translate("-o", out, inputs);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stdout, /translated 3, skipped 0 \(output exists\), failed 1 of 4/);
    assert.match(run.stdout, /failed: .*bad\.jpg: cannot read image .*bad\.jpg/);
    assert.match(run.stderr, /1 of 4 inputs could not be translated.*\nhint: .*--skip-existing/);
    // The folder structure is mirrored, each output in its input's format; nothing half-written is left.
    assert.deepEqual(filesUnder(out), ["a.png", "sub/b.jpg", "sub/deeper/c.webp"]);
    const c = await readImage(path.join(out, "sub", "deeper", "c.webp"), 3);
    assert.deepEqual([c.width, c.height], [128, 128]);

    // a.png and sub/b.jpg went through the network as one batch in the paper's test mode; a.png
    // alone, with the single-file form, gives the same pixels.
    const single = path.join(dir, "single-a.png");
    const alone = translate("-o", single, path.join(inputs, "a.png"));
    assert.equal(alone.status, 0, alone.stderr);
    assert.match(alone.stdout, /wrote .*single-a\.png \(128×128; unet_128 ngf 8 batch norm/);
    assert.deepEqual((await readImage(path.join(out, "a.png"), 3)).data, (await readImage(single, 3)).data);
  });

  test("--skip-existing resumes: only the missing output is written", async () => {
    const kept = statSync(path.join(out, "a.png")).mtimeMs;
    rmSync(path.join(out, "sub", "b.jpg"));
    const run = translate("--skip-existing", "-o", out, inputs);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stdout, /translated 1, skipped 2 \(output exists\), failed 1 of 4/);
    assert.equal(statSync(path.join(out, "a.png")).mtimeMs, kept, "an existing output is not rewritten");
    assert.deepEqual(filesUnder(out), ["a.png", "sub/b.jpg", "sub/deeper/c.webp"]);
  });

  test("a quoted glob keeps the paths below its wildcard-free folders; -o must then be a folder", () => {
    const globbed = path.join(dir, "globbed");
    const run = translate("-o", globbed, `${inputs}/**/*.{webp,png}`);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /translated 2, skipped 0 \(output exists\), failed 0 of 2/);
    assert.deepEqual(filesUnder(globbed), ["a.png", "sub/deeper/c.webp"]);
    const toImage = translate("-o", path.join(dir, "x.png"), inputs);
    assert.equal(toImage.status, 2);
    assert.match(
      toImage.stderr,
      /-o .*x\.png names an image, but the inputs are several files, folders or globs/,
    );
    const none = translate("-o", globbed, `${inputs}/*.tiff`);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no image files match/);
  });
});
