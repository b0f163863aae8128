import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, LEAKY_RELU_GRAD } from "../src/index.ts";
import { assertMatchesCpu, assertRunsNatively, randomTensor, valueAndGrads } from "./compare.ts";

const SHAPE = [2, 5, 7, 3];

const UNARY: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  relu: tf.relu,
  leakyRelu: (x) => tf.leakyRelu(x, 0.2),
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  exp: tf.exp,
  log: (x) => tf.log(tf.add(tf.abs(x), 0.5)),
  log1p: (x) => tf.log1p(tf.abs(x)),
  abs: tf.abs,
  neg: tf.neg,
  sqrt: (x) => tf.sqrt(tf.add(tf.abs(x), 0.1)),
  rsqrt: (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1)),
  square: tf.square,
  sign: tf.sign,
  step: (x) => tf.step(x, 0.3),
  reciprocal: (x) => tf.reciprocal(tf.add(tf.abs(x), 0.5)),
  elu: tf.elu,
  relu6: (x) => tf.relu6(tf.mul(x, 8)),
};

// [a, b] shape pairs: same shape, per-channel (bias), broadcast on both sides, scalar, odd rank.
const BROADCASTS: Array<[number[], number[]]> = [
  [SHAPE, SHAPE],
  [SHAPE, [3]],
  [
    [2, 1, 7, 1],
    [1, 5, 1, 3],
  ],
  [[], SHAPE],
  [
    [3, 1, 4],
    [5, 1],
  ],
];

const BINARY: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5)),
  maximum: tf.maximum,
  minimum: tf.minimum,
  squaredDifference: tf.squaredDifference,
};
// tfjs's gradients of these do not sum over broadcast dimensions (on any backend): gradients are
// compared on equal shapes only.
const NO_BROADCAST_GRADIENT = new Set(["maximum", "minimum", "squaredDifference"]);

const COMPARISONS: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  greater: tf.greater,
  greaterEqual: tf.greaterEqual,
  less: tf.less,
  lessEqual: tf.lessEqual,
  equal: tf.equal,
  notEqual: tf.notEqual,
};

describe("onednn element-wise kernels match the cpu backend", () => {
  for (const [name, f] of Object.entries(UNARY)) {
    test(`${name}: value and gradient`, async () => {
      const compute = () => valueAndGrads(f, [randomTensor(SHAPE, 1)]);
      await assertMatchesCpu(name, compute);
      await assertRunsNatively(name, () => [f(randomTensor([64, 64, 8], 2))]);
    });
  }

  for (const [name, f] of Object.entries(BINARY)) {
    test(`${name} with broadcasting: value and gradients`, async () => {
      for (const [aShape, bShape] of BROADCASTS) {
        const [a, b] = [() => randomTensor(aShape, 3), () => randomTensor(bShape, 4)];
        const sameShape = aShape.join() === bShape.join();
        await assertMatchesCpu(`${name} ${aShape} ${bShape}`, () =>
          NO_BROADCAST_GRADIENT.has(name) && !sameShape ? [f(a(), b())] : valueAndGrads(f, [a(), b()]),
        );
      }
      await assertRunsNatively(name, () => [f(randomTensor([64, 64, 8], 2), randomTensor([8], 3))]);
    });
  }

  test("large tensors (split over threads): broadcast binary ops, a long row, unary maps", async () => {
    const big = [4, 64, 64, 16];
    await assertMatchesCpu("large", () => {
      const [x, bias, row] = [randomTensor(big, 11), randomTensor([16], 12), randomTensor([1 << 18], 13)];
      return [
        tf.mul(x, bias),
        tf.sub(x, tf.reshape(bias, [1, 1, 1, 16])),
        tf.add(row, row),
        tf.tanh(x),
        tf.relu(x),
      ];
    });
  });

  test("comparisons (bool outputs, poisoned with 2)", async () => {
    for (const [name, f] of Object.entries(COMPARISONS)) {
      for (const [aShape, bShape] of BROADCASTS) {
        // Rounded inputs, so that equality happens.
        const input = (shape: number[], seed: number) => tf.round(tf.mul(randomTensor(shape, seed), 2));
        await assertMatchesCpu(`${name} ${aShape} ${bShape}`, () => [f(input(aShape, 5), input(bShape, 6))]);
      }
    }
  });

  test("where (Select): value and gradients", async () => {
    await assertMatchesCpu("where", () => {
      const [a, b] = [randomTensor(SHAPE, 7), randomTensor(SHAPE, 8)];
      const mask = tf.greater(a, b);
      return valueAndGrads((x, y) => tf.where(mask, tf.mul(x, 3), y), [a, b]);
    });
  });

  for (const alpha of [0.2, 0]) {
    test(`the LeakyReluGrad kernel (alpha ${alpha}) equals tfjs's gradient of leakyRelu/relu on cpu`, async () => {
      const shape = [2, 33, 17, 64];
      await assertMatchesCpu(`LeakyReluGrad ${alpha}`, () => {
        const [x, dy] = [randomTensor(shape, 11), randomTensor(shape, 12)];
        if (tf.getBackend() === BACKEND_NAME)
          return [tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x }, { alpha }) as tf.Tensor];
        const forward = (input: tf.Tensor) => (alpha === 0 ? tf.relu(input) : tf.leakyRelu(input, alpha));
        return [tf.grad(forward)(x, dy)];
      });
    });
  }

  test("addN, fill, ones and zeros, zerosLike and onesLike", async () => {
    await assertMatchesCpu("addN", () =>
      valueAndGrads(
        (a, b, c) => tf.addN([a, b, c]),
        [1, 2, 3].map((s) => randomTensor(SHAPE, s)),
      ),
    );
    await assertMatchesCpu("fill", () => [tf.fill([3, 5, 7], 0.25), tf.ones([2, 3]), tf.zeros([4])]);
    await assertMatchesCpu("zerosLike, onesLike", () => {
      const x = randomTensor([4, 4, 3, 5], 4);
      const ints = tf.tensor([3, -1], [2], "int32"); // the cpu kernel's
      return [tf.zerosLike(x), tf.onesLike(x), tf.zerosLike(ints), tf.onesLike(ints)];
    });
  });
});
