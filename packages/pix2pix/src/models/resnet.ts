/**
 * The reference's ResnetGenerator: reflection-padded 7×7 stem, two stride-2 downsamplings, residual
 * blocks (keys `model.10.conv_block.1.weight`, …), two transposed-conv upsamplings, 7×7 conv, Tanh.
 * Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NormName } from "../nn/layers.ts";
import {
  conv2d,
  convTranspose2d,
  dropout,
  GENERATOR_NORM,
  type Module,
  named,
  norm,
  reflectionPad,
  relu,
  sequential,
  tanh,
  type VariableStore,
} from "../nn/layers.ts";

export interface ResnetConfig {
  readonly blocks: number;
  readonly ngf: number;
  readonly norm: NormName;
  readonly dropout: boolean;
  readonly inputNc: number;
  readonly outputNc: number;
}

const DOWNSAMPLINGS = 2;

function residualBlock(store: VariableStore, dim: number, c: ResnetConfig, bias: boolean): Module {
  const conv3x3 = () => conv2d(store, { inC: dim, outC: dim, kernel: 3, stride: 1, padding: 0, bias });
  const layers = [reflectionPad(1), conv3x3(), norm(store, c.norm, dim, GENERATOR_NORM), relu];
  if (c.dropout) layers.push(dropout);
  layers.push(reflectionPad(1), conv3x3(), norm(store, c.norm, dim, GENERATOR_NORM));
  const convBlock = named("conv_block", sequential(...layers));
  return (key) => {
    const layer = convBlock(key);
    return (x, ctx) => tf.add(x, layer(x, ctx));
  };
}

export function resnetGenerator(store: VariableStore, c: ResnetConfig): Module {
  // The reference's rule: convs carry a bias only under instance norm.
  const bias = c.norm === "instance";
  const { ngf } = c;
  const layers: Module[] = [
    reflectionPad(3),
    conv2d(store, { inC: c.inputNc, outC: ngf, kernel: 7, stride: 1, padding: 0, bias }),
    norm(store, c.norm, ngf, GENERATOR_NORM),
    relu,
  ];
  for (let i = 0; i < DOWNSAMPLINGS; i++) {
    const channels = ngf * 2 ** i;
    layers.push(
      conv2d(store, { inC: channels, outC: channels * 2, kernel: 3, stride: 2, padding: 1, bias }),
      norm(store, c.norm, channels * 2, GENERATOR_NORM),
      relu,
    );
  }
  const width = ngf * 2 ** DOWNSAMPLINGS;
  for (let i = 0; i < c.blocks; i++) layers.push(residualBlock(store, width, c, bias));
  for (let i = 0; i < DOWNSAMPLINGS; i++) {
    const channels = ngf * 2 ** (DOWNSAMPLINGS - i);
    const up = { kernel: 3, stride: 2, padding: 1, outputPadding: 1, bias };
    layers.push(
      convTranspose2d(store, { inC: channels, outC: channels / 2, ...up }),
      norm(store, c.norm, channels / 2, GENERATOR_NORM),
      relu,
    );
  }
  layers.push(
    reflectionPad(3),
    conv2d(store, { inC: ngf, outC: c.outputNc, kernel: 7, stride: 1, padding: 0, bias: true }),
    tanh,
  );
  return named("model", sequential(...layers));
}
