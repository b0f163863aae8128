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
    assert.match(stdout, /imported 9 tensors \(232 parameters, pixel\)/);
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

  test("a D needs no flags; flags that contradict its weights: exit 2, one error naming both, no file", async () => {
    const out = path.join(dir, "wrong.safetensors");
    const file = path.join(PARITY_FIXTURES, "pixel.pth");
    const contradictions: [string[], RegExp][] = [
      [["--ndf", "4"], /--ndf 4 contradicts the weights in .*pixel\.pth, which hold --netD pixel --ndf 8/],
      [["--netD", "basic"], /--netD basic contradicts the weights/],
      [["--output-nc", "1"], /\(4 input channels\) contradicts the weights .*, 6 input channels/],
    ];
    for (const [flags, message] of contradictions) {
      const { status, stderr } = runCli(["import", file, "--output", out, "--net", "D", ...flags]);
      assert.equal(status, 2, flags.join(" "));
      assert.match(stderr, message);
      assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
      assert.equal(existsSync(out), false);
    }
    const basic = path.join(dir, "n_layers_1_D.safetensors");
    const read = runCli([
      "import",
      path.join(PARITY_FIXTURES, "n_layers_1_none.pth"),
      "--net",
      "D",
      "-o",
      basic,
    ]);
    assert.equal(read.status, 0, read.stderr);
    const { metadata } = await readSafetensors(basic);
    assert.deepEqual(
      [metadata.netD, metadata.nLayersD, metadata.ndf, metadata.norm],
      ["n_layers", "1", "8", "none"],
    );
  });
});
