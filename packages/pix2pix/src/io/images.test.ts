import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import sharp from "sharp";
import { UserError } from "../errors.ts";
import { readImage, writeImage } from "./images.ts";
import { resizeBicubic } from "./resample.ts";

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-images-"));

function ramp(height: number, width: number): Float32Array {
  return new Float32Array(height * width * 3).map((_, i) => ((i * 37) % 256) / 127.5 - 1);
}

describe("image files", () => {
  test("a resized read scales as training does: Pillow's bicubic, byte for byte", async () => {
    const [width, height] = [37, 23];
    const bytes = new Uint8Array(width * height * 3).map((_, i) => (i * 37 + (i % 7) * 11) % 256);
    const file = path.join(dir, "resize-source.png");
    await sharp(bytes, { raw: { width, height, channels: 3 } })
      .png()
      .toFile(file);
    const read = await readImage(file, 3, { width: 64, height: 48 });
    const expected = resizeBicubic(bytes, width, height, 3, 64, 48);
    assert.deepEqual([read.width, read.height], [64, 48]);
    assert.deepEqual(
      Array.from(read.data, (v) => Math.round((v + 1) * 127.5)),
      Array.from(expected),
    );
  });

  test("a PNG round trip is exact, WebP keeps the size, and parent folders are created", async () => {
    const image = { data: ramp(5, 7), height: 5, width: 7, channels: 3 as const };
    for (const name of ["a/b/c.png", "d.webp"]) {
      const file = path.join(dir, name);
      await writeImage(file, image);
      const back = await readImage(file, 3);
      assert.equal(back.height, 5);
      assert.equal(back.width, 7);
      if (name.endsWith(".png")) assert.deepEqual(back.data, image.data);
    }
  });

  test("one channel is PIL's luma of RGB; grey files read as three equal channels", async () => {
    const file = path.join(dir, "rgb.png");
    const rgb = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    await sharp(rgb, { raw: { width: 4, height: 1, channels: 3 } })
      .png()
      .toFile(file);
    const grey = await readImage(file, 1);
    const luma = [76, 149, 29, Math.floor((10 * 299 + 20 * 587 + 30 * 114) / 1000)];
    assert.deepEqual(
      [...grey.data],
      luma.map((v) => Math.fround(v / 127.5 - 1)),
    );
    const greyFile = path.join(dir, "grey.png");
    await writeImage(greyFile, grey);
    const three = await readImage(greyFile, 3);
    assert.equal(three.channels, 3);
    assert.deepEqual([...three.data.slice(0, 3)], [grey.data[0], grey.data[0], grey.data[0]]);
  });

  test("alpha is dropped, 16-bit is reduced, resize gives the exact size", async () => {
    const file = path.join(dir, "rgba16.png");
    const pixels = new Uint16Array(3 * 2 * 4).fill(65535);
    await sharp(Buffer.from(pixels.buffer), { raw: { width: 3, height: 2, channels: 4 } })
      .toColourspace("rgb16")
      .png()
      .toFile(file);
    const image = await readImage(file, 3, { height: 8, width: 4 });
    assert.equal(image.height, 8);
    assert.equal(image.width, 4);
    assert.equal(image.data.length, 8 * 4 * 3);
    assert.ok(image.data.every((v) => v === 1));
  });

  test("missing and corrupt files are user errors naming the file", async () => {
    const missing = path.join(dir, "missing.png");
    await assert.rejects(
      readImage(missing, 3),
      (e: unknown) => e instanceof UserError && e.message.includes(missing),
    );
    const corrupt = path.join(dir, "corrupt.jpg");
    writeFileSync(corrupt, "not an image");
    await assert.rejects(
      readImage(corrupt, 3),
      (e: unknown) => e instanceof UserError && e.message.includes(corrupt),
    );
    await assert.rejects(
      writeImage(path.join(dir, "x.gif"), { data: new Float32Array(3), height: 1, width: 1, channels: 3 }),
      /unknown extension '.gif'/,
    );
  });
});
