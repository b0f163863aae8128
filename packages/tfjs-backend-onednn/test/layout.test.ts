import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { assertMatchesCpu, assertRunsNatively, randomTensor, valueAndGrads } from "./compare.ts";

const SHAPE = [2, 5, 7, 3];

describe("onednn layout kernels match the cpu backend", () => {
  test("transpose: several permutations, value and gradient", async () => {
    for (const perm of [
      [0, 3, 1, 2],
      [0, 2, 3, 1],
      [3, 2, 1, 0],
      [1, 0, 2, 3],
      [0, 1, 2, 3],
    ]) {
      await assertMatchesCpu(`transpose ${perm}`, () =>
        valueAndGrads((x) => tf.transpose(x, perm), [randomTensor(SHAPE, 1)]),
      );
    }
  });

  test("slice (a crop, a channel range, a single row): value and gradient", async () => {
    const cases: Array<[number[], number[]]> = [
      [
        [0, 1, 1, 0],
        [2, 3, 5, 3],
      ],
      [
        [1, 0, 0, 1],
        [1, 5, 7, 2],
      ],
      [
        [0, 4, 0, 0],
        [-1, 1, -1, -1],
      ],
    ];
    for (const [begin, size] of cases) {
      await assertMatchesCpu(`slice ${begin} ${size}`, () =>
        valueAndGrads((x) => tf.slice(x, begin, size), [randomTensor(SHAPE, 2)]),
      );
    }
  });

  test("concat on channels (U-Net skips) and on other axes: value and gradients", async () => {
    for (const axis of [3, 1, 0]) {
      const other = [...SHAPE];
      other[axis] = 4;
      await assertMatchesCpu(`concat axis ${axis}`, () =>
        valueAndGrads((a, b) => tf.concat([a, b], axis), [randomTensor(SHAPE, 3), randomTensor(other, 4)]),
      );
    }
  });

  test("split (concat's gradient) into unequal parts", async () => {
    await assertMatchesCpu("split", () => tf.split(randomTensor([2, 5, 7, 9], 5), [2, 3, 4], 3));
  });

  test("pad with a constant: value and gradient", async () => {
    await assertMatchesCpu("pad", () =>
      valueAndGrads(
        (x) =>
          tf.pad(
            x,
            [
              [0, 0],
              [1, 2],
              [3, 1],
              [0, 1],
            ],
            0.5,
          ),
        [randomTensor(SHAPE, 6)],
      ),
    );
  });

  test("mirror pad, reflect (ResNet's ReflectionPad2d) and symmetric", async () => {
    for (const mode of ["reflect", "symmetric"] as const) {
      await assertMatchesCpu(`mirrorPad ${mode}`, () => [
        tf.mirrorPad(
          randomTensor([2, 6, 7, 3], 7),
          [
            [0, 0],
            [3, 3],
            [2, 4],
            [0, 0],
          ],
          mode,
        ),
      ]);
    }
  });

  test("tile: value and gradient", async () => {
    await assertMatchesCpu("tile", () =>
      valueAndGrads((x) => tf.tile(x, [2, 1, 3, 2]), [randomTensor(SHAPE, 8)]),
    );
  });

  test("every layout kernel runs natively on float32", async () => {
    await assertRunsNatively("layout", () => {
      const x = randomTensor([2, 16, 16, 8], 9);
      return [
        tf.transpose(x, [0, 3, 1, 2]),
        tf.slice(x, [0, 1, 1, 0], [2, 8, 8, 8]),
        ...tf.split(x, 2, 3),
        tf.concat([x, x], 3),
        tf.pad(x, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
        tf.mirrorPad(
          x,
          [
            [0, 0],
            [3, 3],
            [3, 3],
            [0, 0],
          ],
          "reflect",
        ),
        tf.tile(x, [1, 2, 1, 1]),
      ];
    });
  });
});
