/**
 * `pix2pix export` against PyTorch: the parity fixtures' generators (a reference .pth, and weights
 * filled as tools/make-parity-fixtures.py fills them) exported from the command line, run by
 * onnxruntime, give PyTorch's eval-mode outputs (the fixtures' `output.eval`); --format safetensors
 * and pth write the same tensors, ours with the architecture, the .pth one PyTorch's reference model
 * loads with torch.load(weights_only=True) (checked with /usr/bin/python3's torch where it is
 * installed; everywhere, read back through our own .pth reader).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import * as ort from "onnxruntime-node";
import { runCli } from "../../../test/cli-helpers.ts";
import { PARITY_FIXTURES, pattern, patternValue } from "../../../test/parity.ts";
import { useBackend } from "../../backend.ts";
import { openGenerator } from "../../infer/generator-file.ts";
import { parsePth } from "../../io/pth.ts";
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
    assert.doesNotMatch(stdout + stderr, /TensorFlow\.js in Node/, "no tfjs advice on the console");
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

  test("--format safetensors and pth: the same tensors; ours loads with no flags, the .pth in the reference", async () => {
    const source = path.join(PARITY_FIXTURES, "unet_128_ngf2.pth");
    const original = parsePth(readFileSync(source), source);
    const assertSameTensors = (dict: StateDict, what: string) => {
      assert.deepEqual([...dict.keys()].sort(), [...original.keys()].sort(), what);
      for (const [key, tensor] of original) assert.deepEqual(dict.get(key), tensor, `${what}: ${key}`);
    };

    const ours = path.join(dir, "unet_128_ngf2.safetensors");
    const exported = runCli(["export", "--model", source, "-o", ours]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /safetensors with the architecture in its metadata/);
    const { tensors, metadata } = await readSafetensors(ours);
    assertSameTensors(tensors, "safetensors");
    assert.deepEqual(
      [metadata.netG, metadata.ngf, metadata.norm, metadata.noDropout],
      ["unet_128", "2", "batch", "false"],
    );
    await useBackend("cpu");
    const reopened = await openGenerator(ours);
    reopened.network.dispose();
    assert.equal(reopened.architecture.netG, "unet_128");

    const pth = path.join(dir, "latest_net_G.pth");
    const written = runCli(["export", "--model", ours, "--format", "pth", "-o", pth]);
    assert.equal(written.status, 0, written.stderr);
    assertSameTensors(parsePth(readFileSync(pth), pth), "pth");

    // where PyTorch is installed (CI has none), the reference's own loader and model take the file
    const torch = spawnSync("/usr/bin/python3", ["-c", "import torch"]);
    if (torch.status === 0) {
      const check = [
        "import sys, torch",
        "sys.path.insert(0, 'tools')",
        "from torch_reference import define_G",
        "mine, theirs = torch.load(sys.argv[1], weights_only=True), torch.load(sys.argv[2])",
        "net = define_G(3, 3, 2, 'unet_128', 'batch', use_dropout=True)",
        "net.load_state_dict(mine, strict=True)",
        "assert all(torch.equal(mine[k], theirs[k]) and mine[k].dtype == theirs[k].dtype for k in theirs)",
        "print('loaded', len(mine))",
      ].join("\n");
      const root = path.resolve(import.meta.dirname, "../../../../..");
      const loaded = spawnSync("/usr/bin/python3", ["-c", check, pth, source], {
        cwd: root,
        encoding: "utf8",
      });
      assert.equal(loaded.status, 0, loaded.stderr);
      assert.equal(loaded.stdout.trim(), `loaded ${original.size}`);
    }

    const wrong = runCli(["export", "--model", ours, "--format", "zip", "-o", path.join(dir, "x.zip")]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /--format zip is not one of onnx, safetensors, pth/);
    const unknown = runCli(["export", "--model", ours, "-o", path.join(dir, "x.bin")]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /cannot tell the format of .*x\.bin from its extension/);
  });
});
