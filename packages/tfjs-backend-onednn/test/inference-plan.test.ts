/**
 * The InferencePlan kernel against the same network written with tfjs ops on the cpu backend, a small
 * U-Net: convolutions with bias and LeakyRelu / Relu, a transposed convolution writing its Relu'd
 * output into the second half of a concatenation, a Relu copy of the skip into the first half, and a
 * transposed convolution with Tanh into a 3-channel output.
 * Batch of two, relative error ≤ 1e-4; a slice off a channel block is refused. Then a convolution to
 * 3 channels, and transposed convolutions whose output channels do not fill a channel block (the plan
 * computes them by output phase) against conv2dTranspose, at odd and even sizes; then convolutions wide
 * enough to run in pieces of output channels.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, INFERENCE_PLAN, type InferencePlanSpec, type PlanStep } from "../src/index.ts";
import { randomValues, relativeError, TOLERANCE } from "./compare.ts";

const step = (s: Partial<PlanStep> & Pick<PlanStep, "kind" | "src" | "dst">): PlanStep => ({
  bias: true,
  kernel: 4,
  stride: 2,
  pad: 1,
  activation: "none",
  alpha: 0,
  ...s,
});

// buffers: 0 input (3 ch, H) · 1 skip (32 ch, H/2) · 2 inner (64 ch, H/4) · 3 concatenation (64 ch,
// H/2) · 4 output (3 ch, H)
const PLAN: InferencePlanSpec = {
  bufferChannels: [3, 32, 64, 64, 3],
  output: 4,
  steps: [
    step({ kind: "conv", src: [0, 0, 3], dst: [1, 0, 32], activation: "leakyRelu", alpha: 0.2 }),
    step({ kind: "conv", src: [1, 0, 32], dst: [2, 0, 64], activation: "relu" }),
    step({ kind: "deconv", src: [2, 0, 64], dst: [3, 32, 32], activation: "relu" }),
    step({ kind: "eltwise", src: [1, 0, 32], dst: [3, 0, 32], activation: "relu" }),
    step({ kind: "deconv", src: [3, 0, 64], dst: [4, 0, 3], activation: "tanh" }),
  ],
};

// OIHW for convolutions, IOHW for transposed ones (PyTorch's layouts), by step
const SHAPES: Record<string, number[]> = {
  w0: [32, 3, 4, 4],
  b0: [32],
  w1: [64, 32, 4, 4],
  b1: [64],
  w2: [64, 32, 4, 4],
  b2: [32],
  w4: [64, 3, 4, 4],
  b4: [3],
};

function weights(): tf.NamedTensorMap {
  return Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape], i) => [
      name,
      tf.tensor(
        Float32Array.from(randomValues(tf.util.sizeFromShape(shape), 10 + i), (v) => 0.2 * v),
        shape,
      ),
    ]),
  );
}

/** The plan's network with tfjs ops (NHWC: OIHW → HWIO for conv2d, IOHW → HW·out·in for conv2dTranspose). */
function reference(x: tf.Tensor4D, w: tf.NamedTensorMap): tf.Tensor {
  const at = (name: string) => w[name] as tf.Tensor;
  const conv = (t: tf.Tensor4D, i: number) =>
    tf.add(
      tf.conv2d(t, tf.transpose(at(`w${i}`), [2, 3, 1, 0]) as tf.Tensor4D, 2, 1),
      at(`b${i}`),
    ) as tf.Tensor4D;
  const deconv = (t: tf.Tensor4D, i: number, channels: number) => {
    const [n, h, wd] = t.shape;
    const filter = tf.transpose(at(`w${i}`), [2, 3, 1, 0]) as tf.Tensor4D;
    return tf.add(
      tf.conv2dTranspose(t, filter, [n, h * 2, wd * 2, channels], 2, 1),
      at(`b${i}`),
    ) as tf.Tensor4D;
  };
  const skip = tf.leakyRelu(conv(x, 0), 0.2) as tf.Tensor4D;
  const inner = tf.relu(conv(skip, 1)) as tf.Tensor4D;
  const cat = tf.concat([tf.relu(skip), tf.relu(deconv(inner, 2, 32))], 3) as tf.Tensor4D;
  return tf.tanh(deconv(cat, 4, 3));
}

test("InferencePlan: a small U-Net in one call gives what its ops give on the cpu backend", async () => {
  const x = tf.tensor(randomValues(2 * 32 * 32 * 3, 1), [2, 32, 32, 3]) as tf.Tensor4D;
  const w = weights();
  await tf.setBackend("cpu");
  const expected = tf.tidy(() => reference(x, w)).dataSync();
  await tf.setBackend(BACKEND_NAME);
  for (let call = 0; call < 2; call++) {
    const y = tf.engine().runKernel(INFERENCE_PLAN, { ...w, x }, { plan: PLAN }) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 32, 32, 3]);
    const error = relativeError(y.dataSync(), expected);
    assert.ok(error <= TOLERANCE, `call ${call}: relative error ${error}`);
    y.dispose();
  }
  const offBlock: InferencePlanSpec = {
    ...PLAN,
    steps: PLAN.steps.map((s, i) => (i === 3 ? { ...s, dst: [3, 4, 32] } : s)),
  };
  assert.throws(() => tf.engine().runKernel(INFERENCE_PLAN, { ...w, x }, { plan: offBlock }), RangeError);
  tf.dispose([x, ...Object.values(w)]);
});

test("InferencePlan: a convolution to 3 channels (a primitive with scratch memory: its padded bias)", async () => {
  const plan: InferencePlanSpec = {
    bufferChannels: [3, 16, 3],
    output: 2,
    steps: [
      step({ kind: "conv", src: [0, 0, 3], dst: [1, 0, 16], kernel: 3, stride: 1, activation: "relu" }),
      step({ kind: "conv", src: [1, 0, 16], dst: [2, 0, 3], kernel: 3, stride: 1, activation: "tanh" }),
    ],
  };
  const random = (shape: number[], seed: number) =>
    tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
  const w: tf.NamedTensorMap = {
    w0: random([16, 3, 3, 3], 1),
    b0: random([16], 2),
    w1: random([3, 16, 3, 3], 3),
    b1: random([3], 4),
  };
  const x = random([2, 9, 8, 3], 5) as tf.Tensor4D;
  await tf.setBackend("cpu");
  const expected = tf
    .tidy(() => {
      const conv = (t: tf.Tensor4D, i: number) =>
        tf.add(
          tf.conv2d(t, tf.transpose(w[`w${i}`] as tf.Tensor, [2, 3, 1, 0]) as tf.Tensor4D, 1, 1),
          w[`b${i}`] as tf.Tensor,
        );
      return tf.tanh(conv(tf.relu(conv(x, 0)) as tf.Tensor4D, 1));
    })
    .dataSync();
  await tf.setBackend(BACKEND_NAME);
  const y = tf.engine().runKernel(INFERENCE_PLAN, { ...w, x }, { plan }) as tf.Tensor;
  const error = relativeError(y.dataSync(), expected);
  assert.ok(error <= TOLERANCE, `relative error ${error}`);
  tf.dispose([x, y, ...Object.values(w)]);
});

// [height, width, input channels, output channels, activation, through a 16-channel convolution first
// (a channel-blocked source) or straight from the input image]
const PHASE_CASES: [number, number, number, number, PlanStep["activation"], boolean][] = [
  [3, 5, 4, 1, "leakyRelu", false],
  [4, 4, 8, 3, "tanh", true],
  [7, 6, 16, 5, "none", true],
  [5, 2, 16, 12, "relu", false],
  [1, 1, 8, 3, "tanh", true],
];

const ACTIVATIONS: Record<PlanStep["activation"], (t: tf.Tensor) => tf.Tensor> = {
  none: (t) => t,
  relu: (t) => tf.relu(t),
  leakyRelu: (t) => tf.leakyRelu(t, 0.3),
  tanh: (t) => tf.tanh(t),
};

test("InferencePlan: transposed convolutions to few channels give conv2dTranspose's output", async () => {
  for (const [h, w, ic, oc, activation, blocked] of PHASE_CASES) {
    const random = (shape: number[], seed: number) =>
      tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
    const mid = blocked ? 16 : ic;
    const conv = { w: random([mid, ic, 3, 3], 1), b: random([mid], 2) };
    const deconv = { w: random([mid, oc, 4, 4], 3), b: random([oc], 4) };
    const x = random([2, h, w, ic], 5) as tf.Tensor4D;
    const deconvStep = step({ kind: "deconv", src: [1, 0, mid], dst: [2, 0, oc], activation, alpha: 0.3 });
    const plan: InferencePlanSpec = blocked
      ? {
          bufferChannels: [ic, mid, oc],
          output: 2,
          steps: [
            step({
              kind: "conv",
              src: [0, 0, ic],
              dst: [1, 0, mid],
              kernel: 3,
              stride: 1,
              activation: "relu",
            }),
            deconvStep,
          ],
        }
      : { bufferChannels: [ic, oc], output: 1, steps: [{ ...deconvStep, src: [0, 0, ic], dst: [1, 0, oc] }] };
    const inputs: tf.NamedTensorMap = blocked
      ? { w0: conv.w, b0: conv.b, w1: deconv.w, b1: deconv.b }
      : { w0: deconv.w, b0: deconv.b };
    await tf.setBackend("cpu");
    const expected = tf
      .tidy(() => {
        const hwio = (t: tf.Tensor) => tf.transpose(t, [2, 3, 1, 0]) as tf.Tensor4D;
        const source = blocked
          ? (tf.relu(tf.add(tf.conv2d(x, hwio(conv.w), 1, 1), conv.b)) as tf.Tensor4D)
          : x;
        const y = tf.conv2dTranspose(source, hwio(deconv.w), [2, 2 * h, 2 * w, oc], 2, 1);
        return ACTIVATIONS[activation](tf.add(y, deconv.b));
      })
      .dataSync();
    await tf.setBackend(BACKEND_NAME);
    const y = tf.engine().runKernel(INFERENCE_PLAN, { ...inputs, x }, { plan }) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 2 * h, 2 * w, oc]);
    const error = relativeError(y.dataSync(), expected);
    assert.ok(error <= TOLERANCE, `${h}×${w}, ${ic} → ${oc} channels: relative error ${error}`);
    tf.dispose([x, y, conv.w, conv.b, deconv.w, deconv.b]);
  }
});

// Wide enough to run in pieces (native/plan.cc: 128 or more output channels, pieces of 64, and enough
// FLOPs for several threads): a stride-2 convolution to 128 channels and a transposed convolution from
// 128 to 128, each piece its own primitive writing its channels of a blocked buffer, then a 3×3
// convolution to the 3-channel output.
test("InferencePlan: convolutions run in pieces of output channels give what their ops give", async () => {
  const random = (shape: number[], seed: number, scale: number) =>
    tf.tensor(
      Float32Array.from(randomValues(tf.util.sizeFromShape(shape), seed), (v) => scale * v),
      shape,
    );
  const w: tf.NamedTensorMap = {
    w0: random([128, 64, 4, 4], 1, 0.05),
    b0: random([128], 2, 1),
    w1: random([128, 128, 4, 4], 3, 0.05),
    b1: random([128], 4, 1),
    w2: random([3, 128, 3, 3], 5, 0.05),
    b2: random([3], 6, 1),
  };
  const plan: InferencePlanSpec = {
    bufferChannels: [64, 128, 128, 3],
    output: 3,
    steps: [
      step({ kind: "conv", src: [0, 0, 64], dst: [1, 0, 128], activation: "leakyRelu", alpha: 0.2 }),
      step({ kind: "deconv", src: [1, 0, 128], dst: [2, 0, 128], activation: "relu" }),
      step({ kind: "conv", src: [2, 0, 128], dst: [3, 0, 3], kernel: 3, stride: 1, activation: "tanh" }),
    ],
  };
  const x = random([1, 32, 32, 64], 7, 1) as tf.Tensor4D;
  await tf.setBackend("cpu");
  const expected = tf
    .tidy(() => {
      const hwio = (name: string) => tf.transpose(w[name] as tf.Tensor, [2, 3, 1, 0]) as tf.Tensor4D;
      const down = tf.leakyRelu(
        tf.add(tf.conv2d(x, hwio("w0"), 2, 1), w.b0 as tf.Tensor),
        0.2,
      ) as tf.Tensor4D;
      const up = tf.relu(
        tf.add(tf.conv2dTranspose(down, hwio("w1"), [1, 32, 32, 128], 2, 1), w.b1 as tf.Tensor),
      ) as tf.Tensor4D;
      return tf.tanh(tf.add(tf.conv2d(up, hwio("w2"), 1, 1), w.b2 as tf.Tensor));
    })
    .dataSync();
  await tf.setBackend(BACKEND_NAME);
  const y = tf.engine().runKernel(INFERENCE_PLAN, { ...w, x }, { plan }) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 32, 32, 3]);
  const error = relativeError(y.dataSync(), expected);
  assert.ok(error <= TOLERANCE, `relative error ${error}`);
  tf.dispose([x, y, ...Object.values(w)]);
});
