/**
 * pix2pix-tensorflow's .pict models (ml5.js's pix2pix format): the fixture written by
 * tools/pict/make-pict-fixtures.py, whose expected output comes from an independent PyTorch forward
 * pass of pix2pix-tensorflow's generator with the dequantized weights, is what ours computes (1e-4
 * relative); each image of a batch answers as alone; the ONNX export, `translate`, `import` and the
 * server's model listing take the file; a broken file is a UserError naming it.
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import * as ort from "onnxruntime-node";
import { tempDir, writeRgb } from "../../test/image-files.ts";
import { pattern } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { readImage } from "../io/images.ts";
import { decodePict } from "../io/pict.ts";
import { encodePth } from "../io/pth-write.ts";
import { decodeSafetensors } from "../io/safetensors-codec.ts";
import { nchwToNhwc, nhwcToNchw } from "../nn/layout.ts";
import type { Mode, Network } from "../nn/network.ts";
import { Rng } from "../random.ts";
import { scanModels } from "../server/model-registry.ts";
import { decodeWeightsFile, generatorFromBytes } from "./generator-bytes.ts";
import { openGenerator } from "./generator-file.ts";
import { importCheckpoint } from "./import-checkpoint.ts";
import { generatorToOnnx } from "./onnx-export.ts";
import { translateImage } from "./translate-image.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../../test/fixtures/pict");
const PICT = path.join(FIXTURES, "tf_unet_ngf4.pict");
const SHAPE: [number, number, number, number] = [1, 256, 256, 3];
const input = () => tf.tensor4d(pattern(SHAPE, 11), SHAPE);

function run(g: Network, x: tf.Tensor4D, mode: Mode): Float32Array {
  const y = g.apply(x, mode, Rng.fromSeed(0));
  const data = y.dataSync() as Float32Array;
  y.dispose();
  return data;
}

/** max |a − b| over max |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / scale;
}

describe(".pict models (pix2pix-tensorflow, ml5.js)", () => {
  const bytes = readFileSync(PICT);
  const expected = decodeSafetensors(readFileSync(path.join(FIXTURES, "tf_unet_ngf4.expected.safetensors")));
  const output = expected.tensors.get("output");
  let g: Network;

  before(async () => {
    await useBackend("cpu");
    g = generatorFromBytes(bytes, "tf_unet_ngf4.pict").g;
  });

  test("read with no flags as pix2pix-tensorflow's generator, without dropout", () => {
    const { architecture, g: other } = generatorFromBytes(bytes, "model.bin"); // the bytes say .pict too
    other.dispose();
    assert.deepEqual(architecture, {
      netG: "unet_256_tf",
      ngf: 4,
      norm: "batch",
      noDropout: true,
      inputNc: 3,
      outputNc: 3,
    });
    // its weights in a .pth (no metadata) read back without dropout too, so they translate the same
    const pth = encodePth(decodeWeightsFile(bytes, "tf_unet_ngf4.pict").tensors);
    const fromPth = generatorFromBytes(pth, "model.pth");
    fromPth.g.dispose();
    assert.equal(fromPth.architecture.noDropout, true);
  });

  test("the output of pix2pix-tensorflow's generator (independent PyTorch pass) within 1e-4 relative, test and eval", () => {
    assert.equal(output?.dtype, "float32");
    const x = input();
    for (const mode of ["test", "eval"] as const) {
      const error = relativeError(run(g, x, mode), output.data);
      assert.ok(error < 1e-4, `${mode}: relative error ${error}`);
    }
    x.dispose();
  });

  test("each image of a batch answers as it would alone (its own batch statistics)", () => {
    const x = input();
    const other = tf.reverse(x, 2);
    const both = tf.concat([x, other], 0);
    const together = run(g, both, "test");
    const alone = [...run(g, x, "test"), ...run(g, other, "test")];
    assert.ok(relativeError(together, Float32Array.from(alone)) < 1e-5);
    tf.dispose([x, other, both]);
  });

  test("the ONNX export computes the same in onnxruntime", async () => {
    const { architecture } = generatorFromBytes(bytes, "m.pict");
    const session = await ort.InferenceSession.create(generatorToOnnx(g, architecture));
    try {
      const nchw = nhwcToNchw({ shape: SHAPE, data: pattern(SHAPE, 11) });
      const result = await session.run({ input: new ort.Tensor("float32", nchw.data, [...nchw.shape]) });
      const y = nchwToNhwc({
        shape: [...(result.output as ort.Tensor).dims],
        data: result.output?.data as Float32Array,
      });
      assert.ok(relativeError(y.data, output?.data as Float32Array) < 1e-4);
    } finally {
      await session.release();
    }
  });

  test("translate, import and the server's model folder take .pict files", async () => {
    const dir = tempDir("pix2pix-pict-");
    const model = path.join(dir, "edges2cats.pict");
    copyFileSync(PICT, model);
    const photo = await writeRgb(path.join(dir, "in.png"), 256, 256, (x, y) => [x, y, (x * y) % 256]);
    const out = path.join(dir, "out.png");
    const result = await translateImage(photo, { model, output: out, backend: "cpu" });
    assert.equal(result.architecture.netG, "unet_256_tf");
    const image = await readImage(out, 3, { width: 256, height: 256 });
    const x = tf.tensor4d((await readImage(photo, 3, { width: 256, height: 256 })).data, SHAPE);
    const direct = run(g, x, "test");
    x.dispose();
    const written = image.data.reduce(
      (worst, v, i) => Math.max(worst, Math.abs(v - (direct[i] as number))),
      0,
    );
    assert.ok(
      written <= 1 / 127.5 + 1e-6,
      `the written image is the network's output to 8 bits (${written})`,
    );

    const imported = await importCheckpoint(model, {});
    assert.equal(imported.output, path.join(dir, "edges2cats.safetensors"));
    const reopened = await openGenerator(imported.output);
    assert.equal(reopened.architecture.netG, "unet_256_tf");
    assert.equal(reopened.architecture.noDropout, true);
    const y = input();
    assert.deepEqual(run(reopened.network, y, "test"), run(g, y, "test"));
    y.dispose();
    reopened.network.dispose();

    const entries = await scanModels(dir, path.join(dir, "no-runs"));
    assert.equal(entries.get("edges2cats")?.model, model);
  });

  test("a truncated or foreign .pict is a UserError naming the file", () => {
    const codebook = new Uint8Array(1024);
    const cases: [Uint8Array, RegExp][] = [
      [bytes.subarray(0, 1000), /^broken\.pict is not a \.pict model file: chunk 1 says 4310 bytes/],
      [bytes.subarray(0, bytes.length - 1), /chunk 3 says/],
      [pictBytes([new TextEncoder().encode("[{"), codebook, new Uint8Array(0)]), /first chunk is not a JSON/],
      [pictBytes([variableList("g/x", [2]), codebook, new Uint8Array(3)]), /hold 2 values, its last chunk 3/],
    ];
    for (const [broken, message] of cases) {
      assert.throws(
        () => decodePict(broken, "broken.pict"),
        (e: unknown) => e instanceof UserError && message.test(e.message),
      );
    }
    const name = "generator/encoder_1/separable_conv2d/depthwise_kernel";
    const separable = pictBytes([variableList(name, [1]), codebook, new Uint8Array(1)]);
    assert.throws(
      () => generatorFromBytes(separable, "sep.pict"),
      (e: unknown) =>
        e instanceof UserError &&
        /^sep\.pict: variable .*separable_conv2d/.test(e.message) &&
        /--separable_conv/.test(e.hint ?? ""),
    );
  });
});

function variableList(name: string, shape: number[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify([{ name, shape }]));
}

/** A .pict's layout: each chunk after its big-endian length. */
function pictBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + 4 + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    new DataView(out.buffer).setUint32(offset, chunk.length);
    out.set(chunk, offset + 4);
    offset += 4 + chunk.length;
  }
  return out;
}
