import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import sharp from "sharp";
import { resizeBicubic } from "../io/resample.ts";
import { loadPair } from "./decode.ts";
import { rgbToLuma } from "./pixels.ts";

// Made by tools/make-transform-fixtures.py with Pillow: what the reference's transforms produce.
const fixtures = path.resolve(import.meta.dirname, "../../test/fixtures/transforms");
const manifest = JSON.parse(readFileSync(path.join(fixtures, "manifest.json"), "utf8")) as {
  cases: (
    | { kind: "resize"; input: string; mode: "RGB" | "L"; size: [number, number]; expected: string }
    | {
        kind: "aligned";
        input: string;
        side: "A" | "B";
        channels: 1 | 3;
        loadSize: number;
        cropSize: number;
        left: number;
        top: number;
        flip: boolean;
        expected: string;
      }
  )[];
};

async function raw(
  file: string,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const image = sharp(path.join(fixtures, file));
  // sharp outputs a grey PNG as RGB unless told to keep its one band.
  const grey = (await image.metadata()).channels === 1;
  const { data, info } = await (grey ? image.extractChannel(0) : image)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe("Pillow parity", () => {
  for (const c of manifest.cases) {
    if (c.kind !== "resize") continue;
    test(`bicubic resize of an ${c.mode} image to ${c.size.join("x")} is Pillow's, byte for byte`, async () => {
      const input = await raw(c.input);
      const pixels = c.mode === "L" ? rgbToLuma(input.data) : input.data;
      const channels = c.mode === "L" ? 1 : 3;
      const out = resizeBicubic(pixels, input.width, input.height, channels, c.size[0], c.size[1]);
      const expected = await raw(c.expected);
      assert.equal(expected.channels, channels);
      assert.deepEqual(Buffer.from(out), Buffer.from(expected.data));
    });
  }

  test("an aligned pair through grayscale, resize_and_crop and flip is what the reference computes", async () => {
    const cases = manifest.cases.filter((c) => c.kind === "aligned");
    const first = cases[0];
    assert.ok(first);
    const free = first.loadSize - first.cropSize + 1;
    const result = await loadPair({
      source: { kind: "aligned", path: path.join(fixtures, first.input) },
      // Fractions that land the crop at (left, top).
      augmentation: { cropX: (first.left + 0.5) / free, cropY: (first.top + 0.5) / free, flip: first.flip },
      transform: {
        preprocess: "resize_and_crop",
        loadSize: first.loadSize,
        cropSize: first.cropSize,
        noFlip: false,
      },
      inputSide: "A",
      inputNc: 1,
      outputNc: 3,
    });
    assert.ok(result.ok);
    for (const c of cases) {
      const expected = await raw(c.expected);
      const got: Float32Array = c.side === "A" ? result.input : result.target;
      const bytes = Array.from(got, (v: number) => Math.round((v + 1) * 127.5));
      assert.equal(expected.channels, c.channels);
      assert.deepEqual(bytes, Array.from(expected.data), `side ${c.side}`);
    }
  });
});
