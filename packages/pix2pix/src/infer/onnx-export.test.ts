/**
 * The exported ONNX generator computes what ours computes in eval mode: each generator kind, each
 * norm, dropout's place in the numbering, run by onnxruntime (its native CPU build) on a batch of two,
 * within 1e-4.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { useBackend } from "../backend.ts";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors-codec.ts";
import { networkStateDict } from "../io/state-dict.ts";
import { detectGenerator } from "../models/detect.ts";
import { createGenerator, generatorConfig } from "../models/index.ts";
import type { GeneratorName } from "../models/options.ts";
import type { NormName } from "../nn/layers.ts";
import { nchwToNhwc, nhwcToNchw } from "../nn/layout.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../random.ts";
import { generatorToOnnx } from "./onnx-export.ts";

const { onnx } = onnxProto;

/** Biases and running statistics away from their initial zeros and ones, so that every input of every node matters. */
function perturb(net: Network, rng: Rng): void {
  for (const [key, v] of [...net.params, ...net.buffers]) {
    if (v.dtype !== "float32" || !/\.(bias|running_mean|running_var)$/.test(key)) continue;
    const values = Float32Array.from({ length: v.size }, () =>
      key.endsWith("running_var") ? 2 + 2 * rng.next() : 0.1 * rng.normal(),
    );
    v.assign(tf.tensor(values, v.shape));
  }
}

async function onnxOutput(bytes: Uint8Array, nchw: Float32Array, shape: number[]) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ input: new ort.Tensor("float32", nchw, shape) });
    const output = result.output as ort.Tensor;
    return { data: output.data as Float32Array, dims: [...output.dims] };
  } finally {
    await session.release();
  }
}

describe("generatorToOnnx", () => {
  before(async () => {
    await useBackend("cpu");
  });

  const cases: [GeneratorName, NormName, boolean, number][] = [
    ["unet_128", "batch", false, 128],
    ["unet_256", "none", true, 256],
    ["resnet_6blocks", "instance", false, 20],
    ["resnet_9blocks", "batch", true, 16],
  ];
  for (const [netG, norm, noDropout, size] of cases) {
    test(`${netG} ${norm}${noDropout ? " no-dropout" : ""}: onnxruntime gives our eval-mode output`, async () => {
      const options = { netG, ngf: 4, norm, noDropout, initType: "kaiming" as const, initGain: 0.02 };
      const rng = Rng.fromSeed(11);
      const net = createGenerator(generatorConfig(options, 3, 2), rng);
      perturb(net, rng);
      // the architecture as the CLI gets it: read back from the weights
      const saved = decodeSafetensors(encodeSafetensors(networkStateDict(net)), "g.safetensors");
      const architecture = { ...detectGenerator(saved.tensors), noDropout };
      const bytes = generatorToOnnx(net, architecture);

      const nhwc = tf.tidy(() => tf.randomUniform([2, size, size, 3], -1, 1, "float32", 5));
      const ours = tf.tidy(() => net.apply(nhwc as tf.Tensor4D, "eval", Rng.fromSeed(0)));
      const input = nhwcToNchw({ shape: nhwc.shape, data: nhwc.dataSync() as Float32Array });
      const { data, dims } = await onnxOutput(bytes, input.data, [...input.shape]);
      assert.deepEqual(dims, [2, 2, size, size]);
      const theirs = nchwToNhwc({ shape: dims, data });
      const expected = ours.dataSync() as Float32Array;
      let maxDiff = 0;
      let sumSquares = 0;
      for (let i = 0; i < expected.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs((theirs.data[i] as number) - (expected[i] as number)));
        sumSquares += (expected[i] as number) ** 2;
      }
      assert.ok(maxDiff <= 1e-4, `max |onnxruntime − ours| = ${maxDiff}`);
      // an output near zero, or saturated at ±1, everywhere would make the comparison meaningless
      assert.ok(Math.sqrt(sumSquares / expected.length) > 0.05, "the output carries signal");
      const saturated = expected.filter((v) => Math.abs(v) > 0.99).length;
      assert.ok(saturated < expected.length / 10, `${saturated} of ${expected.length} outputs saturated`);
      tf.dispose([nhwc, ours]);
      net.dispose();
    });
  }

  test("the model says what it is: opset 13, NCHW input with free N, H, W, the architecture in its metadata", () => {
    const options = { netG: "resnet_6blocks" as const, ngf: 2, norm: "instance" as const, noDropout: true };
    const net = createGenerator(generatorConfig(options, 1, 3), Rng.fromSeed(1));
    const architecture = { ...options, inputNc: 1, outputNc: 3 };
    const model = onnx.ModelProto.decode(generatorToOnnx(net, architecture));
    net.dispose();
    assert.deepEqual(
      model.opsetImport.map((o) => [o.domain, Number(o.version)]),
      [["", 13]],
    );
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    assert.deepEqual(model.graph?.input?.map(dims), [["N", 1, "H", "W"]]);
    assert.deepEqual(model.graph?.output?.map(dims), [["N", 3, "H", "W"]]);
    const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    assert.deepEqual(metadata, {
      netG: "resnet_6blocks",
      ngf: "2",
      norm: "instance",
      noDropout: "true",
      inputNc: "1",
      outputNc: "3",
      mode: "eval",
    });
  });
});
