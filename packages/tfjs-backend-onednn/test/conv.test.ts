import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, type OnednnBackend } from "../src/index.ts";
import { assertMatchesCpu, randomTensor, relativeError, TOLERANCE, valueAndGrads } from "./compare.ts";

type Pad = number | "same" | "valid";
interface ConvCase {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly stride: number;
  readonly pad: Pad;
}

// Every convolution the pix2pix networks use, on odd sizes and batches above one. Gradients of outputs of
// up to 64 elements per channel take the primitives that read HWIO filters; larger ones the blocked layouts.
const CONVS: ConvCase[] = [
  { name: "U-Net/PatchGAN down 4x4 s2 p1", x: [2, 9, 11, 3], filter: [4, 4, 3, 8], stride: 2, pad: 1 },
  { name: "U-Net down 4x4 s2 p1, blocked", x: [1, 21, 18, 16], filter: [4, 4, 16, 32], stride: 2, pad: 1 },
  { name: "U-Net down, blocked, batch 2", x: [2, 9, 7, 32], filter: [4, 4, 32, 16], stride: 2, pad: 1 },
  {
    name: "U-Net innermost 2x2 -> 1x1, blocked",
    x: [1, 2, 2, 32],
    filter: [4, 4, 32, 48],
    stride: 2,
    pad: 1,
  },
  { name: "PatchGAN 4x4 s1 p1", x: [3, 7, 6, 5], filter: [4, 4, 5, 4], stride: 1, pad: 1 },
  { name: "ResNet stem 7x7 s1 p0", x: [2, 13, 12, 3], filter: [7, 7, 3, 6], stride: 1, pad: "valid" },
  { name: "ResNet block 3x3 s1 p1", x: [2, 7, 9, 6], filter: [3, 3, 6, 6], stride: 1, pad: 1 },
  { name: "ResNet down 3x3 s2 p1", x: [1, 11, 9, 4], filter: [3, 3, 4, 8], stride: 2, pad: 1 },
  { name: "Keras 4x4 s2 same", x: [2, 10, 7, 3], filter: [4, 4, 3, 5], stride: 2, pad: "same" },
  { name: "pixel 1x1", x: [2, 5, 5, 6], filter: [1, 1, 6, 7], stride: 1, pad: 0 },
];

// With 32 or more output channels (on hosts without AVX-512) the filter gradient is one matrix product
// over copied input windows (native/columns.h): windows cut by the padding on every side, partial
// blocks of 16 input channels.
const PRODUCT_CONVS: ConvCase[] = [
  {
    name: "product, 3 channels s2 p1, odd sizes",
    x: [2, 13, 11, 3],
    filter: [4, 4, 3, 32],
    stride: 2,
    pad: 1,
  },
  { name: "product, 20 channels s1 p1", x: [1, 9, 10, 20], filter: [4, 4, 20, 40], stride: 1, pad: 1 },
  {
    name: "product, s2 same (more padding after)",
    x: [2, 10, 7, 17],
    filter: [4, 4, 17, 32],
    stride: 2,
    pad: "same",
  },
  { name: "product, 3x3 s1 valid", x: [1, 8, 9, 16], filter: [3, 3, 16, 48], stride: 1, pad: "valid" },
  { name: "product, window mostly padding", x: [2, 2, 3, 32], filter: [4, 4, 32, 64], stride: 2, pad: 1 },
];

// With one output channel (a PatchGAN's last layer) all three run as matrix products over the filter's
// taps (native/taps.h): windows cut by the padding, strides, a batch, a 1x1 filter.
const ONE_OUTPUT_CONVS: ConvCase[] = [
  { name: "one output, PatchGAN last 4x4 s1 p1", x: [2, 9, 8, 24], filter: [4, 4, 24, 1], stride: 1, pad: 1 },
  { name: "one output, 4x4 s2 same", x: [2, 10, 7, 5], filter: [4, 4, 5, 1], stride: 2, pad: "same" },
  { name: "one output, window mostly padding", x: [1, 2, 3, 16], filter: [4, 4, 16, 1], stride: 2, pad: 1 },
  { name: "one output, 1x1", x: [2, 5, 5, 6], filter: [1, 1, 6, 1], stride: 1, pad: 0 },
];

describe("onednn convolutions match the cpu backend", () => {
  for (const c of [...CONVS, ...PRODUCT_CONVS, ...ONE_OUTPUT_CONVS]) {
    test(`conv2d ${c.name}: value, d/dx, d/dfilter`, async () => {
      await assertMatchesCpu(c.name, () =>
        valueAndGrads(
          (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad),
          [randomTensor(c.x, 1), randomTensor(c.filter, 2)],
        ),
      );
    });
  }

  // Columns over the scratch budget (16 MiB, native/columns.cc) are taken in pieces, the product
  // summing over them: here 762 output rows of 126·48 floats, in two pieces, the second starting inside
  // an image. Each image alone fits in one piece, as in the cases checked against the cpu above (which
  // would take minutes over a batch this large).
  test("a filter gradient taken in pieces equals the sum of its images' gradients", async () => {
    await tf.setBackend(BACKEND_NAME);
    const [whole, sum] = tf.tidy(() => {
      const x = randomTensor([6, 255, 253, 3], 15) as tf.Tensor4D;
      const dy = randomTensor([6, 127, 126, 32], 16) as tf.Tensor4D;
      const filterGrad = (xs: tf.Tensor4D, dys: tf.Tensor4D) =>
        tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xs, f as tf.Tensor4D, 2, 1), dys)))(
          tf.zeros([4, 4, 3, 32]),
        );
      const image = (t: tf.Tensor4D, i: number) => tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]);
      const images = [0, 1, 2, 3, 4, 5].map((i) => filterGrad(image(x, i), image(dy, i)));
      return [filterGrad(x, dy).dataSync().slice(), tf.addN(images).dataSync().slice()];
    });
    assert.ok(relativeError(whole, sum) <= TOLERANCE, `relative error ${relativeError(whole, sum)}`);
  });

  test("fused conv2d with bias and each activation", async () => {
    for (const activation of ["linear", "relu", "leakyrelu", "elu", "relu6", "sigmoid"] as const) {
      await assertMatchesCpu(`fused ${activation}`, () => [
        tf.fused.conv2d({
          x: randomTensor([2, 9, 8, 3], 1) as tf.Tensor4D,
          filter: randomTensor([4, 4, 3, 5], 2) as tf.Tensor4D,
          strides: 2,
          pad: 1,
          bias: randomTensor([5], 3),
          activation,
          leakyreluAlpha: 0.2,
        }),
      ]);
    }
  });

  // Transposed convolutions as the models build them: the full ("valid") transposed conv, then a crop.
  const TRANSPOSED = [
    { name: "U-Net up 4x4 s2 p1", x: [2, 5, 7, 8], filter: [4, 4, 3, 8], stride: 2, kernel: 4, crop: [1, 1] },
    {
      name: "U-Net up, blocked",
      x: [2, 3, 4, 32],
      filter: [4, 4, 16, 32],
      stride: 2,
      kernel: 4,
      crop: [1, 1],
    },
    {
      name: "ResNet up 3x3 s2 p1 op1",
      x: [2, 6, 5, 6],
      filter: [3, 3, 4, 6],
      stride: 2,
      kernel: 3,
      crop: [1, 0],
    },
  ] as const;
  for (const c of TRANSPOSED) {
    test(`conv2dTranspose ${c.name}: value, d/dx, d/dfilter`, async () => {
      const [n, h, w] = c.x;
      const full = (size: number) => (size - 1) * c.stride + c.kernel;
      const out = (size: number) => full(size) - c.crop[0] - c.crop[1];
      await assertMatchesCpu(c.name, () =>
        valueAndGrads(
          (x, f) =>
            tf.slice(
              tf.conv2dTranspose(
                x as tf.Tensor4D,
                f as tf.Tensor4D,
                [n, full(h), full(w), c.filter[2]],
                c.stride,
                "valid",
              ),
              [0, c.crop[0], c.crop[0], 0],
              [n, out(h), out(w), c.filter[2]],
            ),
          [randomTensor([...c.x], 4), randomTensor([...c.filter], 5)],
        ),
      );
    });
  }

  test("conv2dTranspose with 'same' padding and an odd output", async () => {
    await assertMatchesCpu("transpose same", () =>
      valueAndGrads(
        (x, f) => tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, [2, 9, 7, 3], 2, "same"),
        [randomTensor([2, 5, 4, 6], 6), randomTensor([4, 4, 3, 6], 7)],
      ),
    );
  });

  // The backend keeps a filter in a primitive's layout from its second use on: every use of the same
  // tensor, and of a variable after assign, must still see the current values.
  test("a filter reused by conv2d and conv2dTranspose, then assigned new values", async () => {
    await assertMatchesCpu("reused filter", () => {
      const filter = tf.variable(randomTensor([4, 4, 16, 32], 8));
      const x = randomTensor([1, 10, 8, 16], 9) as tf.Tensor4D;
      const dy = randomTensor([1, 5, 4, 32], 10) as tf.Tensor4D;
      const useAll = () => [
        ...[1, 2, 3].map(() => tf.conv2d(x, filter as tf.Tensor4D, 2, 1)),
        ...[1, 2, 3].map(() => tf.conv2dTranspose(dy, filter as tf.Tensor4D, [1, 10, 8, 16], 2, 1)),
      ];
      const before = useAll();
      filter.assign(randomTensor([4, 4, 16, 32], 11));
      const after = useAll();
      filter.dispose();
      return [...before, ...after];
    });
  });

  // 20 input and 24 output channels: the primitives' filter layouts are padded to whole channel blocks,
  // and the copy kept from the second use on sits in a buffer from the pool (here poisoned with NaN).
  test("a filter kept in a padded layout", async () => {
    await assertMatchesCpu("padded filter", () => {
      const filter = randomTensor([4, 4, 20, 24], 12) as tf.Tensor4D;
      const x = randomTensor([1, 16, 14, 20], 13) as tf.Tensor4D;
      const dy = randomTensor([1, 8, 7, 24], 14) as tf.Tensor4D;
      return [1, 2, 3].flatMap(() => [
        tf.conv2d(x, filter, 2, 1),
        tf.conv2dTranspose(dy, filter, [1, 16, 14, 20], 2, 1),
      ]);
    });
  });

  // Batch size changes the activations' layouts, never the weights': a filter used at several batch sizes
  // (a server's batches) is kept once per layout, not once per geometry.
  test("a filter used at batches 1, 2 and 4 is kept in one copy, and every result is right", async () => {
    const filter = randomTensor([4, 4, 16, 32], 15) as tf.Tensor4D;
    const batches = [1, 2, 4, 1, 2, 4];
    const inputs = batches.map((batch, i) => randomTensor([batch, 12, 10, 16], 16 + i) as tf.Tensor4D);
    await assertMatchesCpu("filter across batches", () => inputs.map((x) => tf.conv2d(x, filter, 2, 1)));
    await tf.setBackend(BACKEND_NAME);
    for (const x of inputs) tf.conv2d(x, filter, 2, 1).dispose();
    const backend = tf.backend() as OnednnBackend;
    const kept = [...(backend.preparedFilters.get(filter.dataId)?.values() ?? [])].filter(
      (copy) => copy !== null,
    );
    assert.equal(kept.length, 1);
  });
});
