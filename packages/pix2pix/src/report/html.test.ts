import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { tripletTable } from "./html.ts";

const sources = (html: string) => [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1] as string);

test("a triplet row shows files by URL-encoded relative path, or pixels inlined as PNG", async () => {
  const grey = { data: new Float32Array(2 * 3).fill(0), height: 2, width: 3, channels: 1 };
  const html = await tripletTable([
    {
      name: "a b#1.jpg",
      input: "images/a b#1_real_A.png",
      output: "images/a b#1_fake_B.png",
      target: grey,
    },
  ]);
  const [input, output, target] = sources(html);
  assert.equal(input, "images/a%20b%231_real_A.png");
  assert.equal(output, "images/a%20b%231_fake_B.png");
  const png = Buffer.from((target as string).replace(/^data:image\/png;base64,/, ""), "base64");
  const { width, height, channels, format } = await sharp(png).metadata();
  assert.deepEqual([format, width, height, channels], ["png", 3, 2, 1]);
  const data = await sharp(png).raw().toBuffer();
  assert.ok(
    data.every((v) => v === 128),
    "0 in [-1, 1] is mid grey",
  );
});
