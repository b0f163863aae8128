/**
 * `pix2pix export` against PyTorch: the parity fixtures' generators (a reference .pth, and weights
 * filled as tools/make-parity-fixtures.py fills them) exported from the command line, run by
 * onnxruntime, give PyTorch's eval-mode outputs (the fixtures' `output.eval`).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import * as ort from "onnxruntime-node";
import { runCli } from "../../../test/cli-helpers.ts";
import { PARITY_FIXTURES, pattern, patternValue } from "../../../test/parity.ts";
import { readSafetensors, writeSafetensors } from "../../io/safetensors.ts";
import type { StateDict } from "../../io/safetensors-codec.ts";

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-export-"));

async function expectedOf(name: string) {
  const { tensors, metadata } = await readSafetensors(
    path.join(PARITY_FIXTURES, `${name}.expected.safetensors`),
  );
  const output = tensors.get("output.eval");
  assert.ok(output?.dtype === "float32");
  const shapes = JSON.parse(metadata.state_dict_shapes ?? "{}") as Record<string, number[]>;
  return { output, shapes };
}

/** Runs the ONNX file on the fixture input (NCHW, as PyTorch took it) and compares with PyTorch's output. */
async function assertRunsAsPytorch(
  onnxFile: string,
  name: string,
  batch: number,
  channels: number,
  size: number,
) {
  const { output } = await expectedOf(name);
  const shape = [batch, channels, size, size];
  const session = await ort.InferenceSession.create(onnxFile);
  const result = await session.run({ input: new ort.Tensor("float32", pattern(shape, 1), shape) });
  await session.release();
  const actual = result.output as ort.Tensor;
  assert.deepEqual([...actual.dims], output.shape);
  const data = actual.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < data.length; i++)
    worst = Math.max(worst, Math.abs((data[i] as number) - (output.data[i] as number)));
  assert.ok(worst <= 1e-4, `${name}: max |onnxruntime − PyTorch| = ${worst}`);
}

describe("pix2pix export", () => {
  test("a reference .pth (unet_128, batch norm): its ONNX file gives PyTorch's eval output", async () => {
    const onnxFile = path.join(dir, "unet_128_ngf2.onnx");
    const { status, stdout, stderr } = runCli([
      "export",
      "--model",
      path.join(PARITY_FIXTURES, "unet_128_ngf2.pth"),
      "-o",
      onnxFile,
    ]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /wrote .*unet_128_ngf2\.onnx .*unet_128 ngf 2 batch norm.*eval mode/);
    await assertRunsAsPytorch(onnxFile, "unet_128_ngf2", 1, 3, 128);
  });

  for (const [name, size] of [
    ["resnet_6blocks_instance", 16],
    ["resnet_9blocks", 20],
  ] as const) {
    test(`${name}, weights as the fixture script filled them: PyTorch's eval output`, async () => {
      const { shapes } = await expectedOf(name);
      const dict: StateDict = new Map(
        Object.entries(shapes).map(([key, shape]) => [key, patternValue(key, shape)]),
      );
      const weights = path.join(dir, `${name}.safetensors`);
      await writeSafetensors(weights, dict);
      const onnxFile = path.join(dir, `${name}.onnx`);
      // the fixtures' ResNets have no dropout, which places their layers: the file does not say so
      const { status, stderr } = runCli(["export", "--model", weights, "--no-dropout", "-o", onnxFile]);
      assert.equal(status, 0, stderr);
      await assertRunsAsPytorch(onnxFile, name, 2, 3, size);
    });
  }

  test("flags that contradict the weights are one error naming both", () => {
    const model = path.join(PARITY_FIXTURES, "unet_128_ngf2.pth");
    const { status, stderr } = runCli([
      "export",
      "--model",
      model,
      "--ngf",
      "64",
      "-o",
      path.join(dir, "x.onnx"),
    ]);
    assert.equal(status, 2);
    assert.match(stderr, /--ngf 64 contradicts the weights in .*unet_128_ngf2\.pth, which hold --ngf 2/);
  });
});
