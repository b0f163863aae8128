import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../../test/cli-helpers.ts";
import { assertClose, PARITY_FIXTURES, patternValue } from "../../../test/parity.ts";
import { readSafetensors } from "../../io/safetensors.ts";

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-import-"));

describe("pix2pix import", () => {
  test("a legacy-format D checkpoint becomes a safetensors file with the same tensors and the architecture", async () => {
    const out = path.join(dir, "pixel_D.safetensors");
    const args = ["import", path.join(PARITY_FIXTURES, "pixel.legacy.pth"), "-o", out];
    const { status, stdout, stderr } = runCli([...args, "--net", "D", "--netD", "pixel", "--ndf", "8"]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /imported 9 tensors \(232 parameters\)/);
    const { tensors, metadata } = await readSafetensors(out);
    assert.equal(metadata.netD, "pixel");
    assert.equal(tensors.size, 9);
    for (const [key, value] of tensors) {
      const expected = patternValue(key, value.shape);
      if (value.dtype === "int64") assert.deepEqual(value.data, expected.data, key);
      else assertClose(value.data, expected.data as Float32Array, 1e-6, key);
    }
  });

  test("a generator needs no architecture flags: its file's metadata carries what the weights hold", async () => {
    const out = path.join(dir, "unet_G.safetensors");
    const { status, stderr } = runCli(["import", path.join(PARITY_FIXTURES, "unet_128_ngf2.pth"), "-o", out]);
    assert.equal(status, 0, stderr);
    const { metadata } = await readSafetensors(out);
    const architecture = [metadata.netG, metadata.ngf, metadata.norm, metadata.noDropout, metadata.outputNc];
    assert.deepEqual(architecture, ["unet_128", "2", "batch", "false", "3"]);
    const wrong = runCli([
      "import",
      path.join(PARITY_FIXTURES, "unet_128_ngf2.pth"),
      "-o",
      out,
      "--netG",
      "unet_256",
    ]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /--netG unet_256 contradicts the weights in .*, which hold unet_128/);
  });

  test("options that do not match the checkpoint: exit 2 and the mis-shaped and missing keys, no file", () => {
    const out = path.join(dir, "wrong.safetensors");
    const file = path.join(PARITY_FIXTURES, "pixel.pth");
    const { status, stderr } = runCli([
      "import",
      file,
      "--output",
      out,
      "--net",
      "D",
      "--netD",
      "pixel",
      "--ndf",
      "4",
    ]);
    assert.equal(status, 2);
    assert.match(stderr, /does not fit this network/);
    assert.match(
      stderr,
      /mis-shaped keys \(\d+\): net\.0\.weight is float32\[8,6,1,1\], expected float32\[4,6,1,1\]/,
    );
    const basic = runCli(["import", file, "--output", out, "--net", "D", "--ndf", "8"]);
    assert.equal(basic.status, 2);
    assert.match(basic.stderr, /missing keys \(\d+\): model\.0\.weight/);
    assert.match(basic.stderr, /unexpected keys \(\d+\): net\.0\.weight/);
    assert.doesNotMatch(basic.stderr, /\n\s+at /, "no stack trace");
    assert.equal(existsSync(out), false);
  });
});
