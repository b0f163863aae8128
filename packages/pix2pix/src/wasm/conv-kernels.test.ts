/**
 * The convolution kernels registered here for wasm (Conv2DBackpropFilter, Conv2DBackpropInput) against
 * the cpu backend's, to 1e-4 of each output's scale: the kernels themselves on the shapes a pix2pix
 * step runs (NHWC; the U-Net's and D's 4×4 stride-2 padding-1 convolutions, D's stride-1 and 1×1 ones,
 * the ResNet's 7×7 and 3×3, "same"), and the gradients they compute: a convolution's filter and input,
 * a transposed convolution's output and filter (the U-Net's and ResNet's up layers), and the second
 * order WGAN-GP's penalty takes through D.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { assertClose } from "../../test/parity.ts";
import { Rng } from "../random.ts";
import "../train/gradients.ts";
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from "../wasm.ts";

const TOLERANCE = 1e-4;

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = Rng.fromSeed(seed);
  return tf.tensor(
    Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.next() * 2 - 1),
    shape,
  );
}

/** `compute`'s outputs on wasm and on cpu agree. */
async function assertMatchesCpu(label: string, compute: () => tf.Tensor[]): Promise<void> {
  const run = async (backend: string) => {
    assert.ok(await tf.setBackend(backend), `${backend} starts`);
    return tf.tidy(() => compute().map((t) => Float32Array.from(t.dataSync())));
  };
  const wasm = await run("wasm");
  const cpu = await run("cpu");
  assert.equal(wasm.length, cpu.length);
  cpu.forEach((expected, i) => {
    assertClose(wasm[i] as Float32Array, expected, TOLERANCE, `${label}, output ${i}`);
  });
}

type Pad = "same" | "valid" | number;
interface ConvCase {
  readonly what: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly stride: number;
  readonly pad: Pad;
}

const CONVS: readonly ConvCase[] = [
  { what: "U-Net's outermost down", x: [1, 32, 32, 3], filter: [4, 4, 3, 8], stride: 2, pad: 1 },
  { what: "D's stride 2, batch 2", x: [2, 16, 16, 8], filter: [4, 4, 8, 16], stride: 2, pad: 1 },
  { what: "D's stride 1", x: [1, 7, 7, 16], filter: [4, 4, 16, 1], stride: 1, pad: 1 },
  { what: "pixel D's 1×1", x: [1, 16, 16, 6], filter: [1, 1, 6, 8], stride: 1, pad: 0 },
  {
    what: "ResNet's 7×7 (reflection-padded)",
    x: [1, 22, 22, 3],
    filter: [7, 7, 3, 8],
    stride: 1,
    pad: "valid",
  },
  { what: "ResNet's 3×3 down", x: [1, 15, 15, 8], filter: [3, 3, 8, 16], stride: 2, pad: 1 },
  { what: "unet_256_tf's 'same'", x: [1, 16, 16, 8], filter: [4, 4, 8, 16], stride: 2, pad: "same" },
];

registerWasmTrainingKernels();

test("registering is idempotent, for wasm only: the kernel the backend lacks and the one it replaces", () => {
  registerWasmTrainingKernels();
  for (const { kernelName, backendName, kernelFunc } of WASM_TRAINING_KERNELS) {
    assert.equal(backendName, "wasm");
    assert.equal(tf.getKernel(kernelName, "wasm")?.kernelFunc, kernelFunc, `${kernelName} is ours`);
  }
  assert.deepEqual(
    WASM_TRAINING_KERNELS.map((k) => k.kernelName),
    [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput],
  );
});

describe("Conv2DBackpropFilter and Conv2DBackpropInput on wasm match cpu", () => {
  for (const { what, x, filter, stride, pad } of CONVS) {
    test(`${what}: x ${x}, filter ${filter}, stride ${stride}, pad ${pad}`, async () => {
      await assertMatchesCpu(what, () => {
        const input = randomTensor(x, 1);
        const { outShape } = tf.backend_util.computeConv2DInfo(x, filter, stride, 1, pad);
        const attrs = { strides: stride, pad, dataFormat: "NHWC", filterShape: filter };
        const dy = randomTensor(outShape, 2);
        const filterValue = randomTensor(filter, 3);
        const run = <T extends tf.Tensor>(kernel: string, inputs: tf.NamedTensorMap, shape: object) =>
          tf.engine().runKernel<T>(kernel, inputs, { ...attrs, ...shape });
        const dw = run(tf.Conv2DBackpropFilter, { x: input, dy }, {});
        const dx = run(tf.Conv2DBackpropInput, { dy, filter: filterValue }, { inputShape: x });
        // ...and as the gradients of the convolution that training takes.
        const output = (i: tf.Tensor, w: tf.Tensor) =>
          tf.conv2d(i as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
        const gradients = tf.grads((i: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(output(i, w), dy)))([
          input,
          filterValue,
        ]);
        return [dw, dx, ...gradients];
      });
    });
  }

  for (const { what, x, out, filter, pad } of [
    {
      what: "U-Net's up layer (4×4, stride 2, padding 1)",
      x: [2, 8, 8, 16],
      out: [2, 16, 16, 8],
      filter: [4, 4, 8, 16],
      pad: 1,
    },
    {
      what: "ResNet's up layer (3×3, stride 2, full)",
      x: [1, 8, 8, 16],
      out: [1, 17, 17, 8],
      filter: [3, 3, 8, 16],
      pad: "valid",
    },
  ] as const) {
    test(`a transposed convolution, output and gradients: the ${what}`, async () => {
      await assertMatchesCpu(what, () => {
        const [input, c, weights] = [
          randomTensor([...x], 5),
          randomTensor([...out], 6),
          randomTensor([...filter], 7),
        ];
        const up = (i: tf.Tensor, w: tf.Tensor) =>
          tf.conv2dTranspose(i as tf.Tensor4D, w as tf.Tensor4D, [...out], 2, pad);
        const gradients = tf.grads((i: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(up(i, w), c)))([
          input,
          weights,
        ]);
        return [up(input, weights), ...gradients];
      });
    });
  }

  test("the second order: d/dw of the input gradient, as WGAN-GP's penalty through D", async () => {
    await assertMatchesCpu("second order", () => {
      const x = randomTensor([1, 16, 16, 6], 11) as tf.Tensor4D;
      const c = randomTensor([1, 8, 8, 8], 12);
      const e = randomTensor([1, 16, 16, 6], 13);
      const inputGradient = (w: tf.Tensor) =>
        tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, w as tf.Tensor4D, 2, 1), c)),
        )(x);
      return [tf.grad((w: tf.Tensor) => tf.sum(tf.mul(inputGradient(w), e)))(randomTensor([4, 4, 6, 8], 14))];
    });
  });
});

test("the kernels free what they allocate: no wasm memory grows over repeated calls", async () => {
  await tf.setBackend("wasm");
  const [x, dy, filter] = [
    randomTensor([1, 16, 16, 8], 15),
    randomTensor([1, 8, 8, 16], 16),
    randomTensor([4, 4, 8, 16], 17),
  ];
  const attrs = {
    strides: 2,
    pad: 1,
    dataFormat: "NHWC",
    filterShape: [4, 4, 8, 16],
    inputShape: [1, 16, 16, 8],
  };
  const call = () => {
    tf.engine().runKernel<tf.Tensor>(tf.Conv2DBackpropFilter, { x, dy }, attrs).dispose();
    tf.engine().runKernel<tf.Tensor>(tf.Conv2DBackpropInput, { dy, filter }, attrs).dispose();
  };
  call();
  const before = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) call();
  assert.equal(tf.engine().backend.numDataIds(), before);
  tf.dispose([x, dy, filter]);
});
