/**
 * The reference's UnetGenerator: UnetSkipConnectionBlocks nested from the innermost out, each block's
 * layers in `block.model` (a Sequential) and its submodule at the index after its down path, so keys read
 * `model.model.1.model.3.…`. Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../errors.ts";
import type { NormName } from "../nn/layers.ts";
import {
  conv2d,
  convTranspose2d,
  dropout,
  GENERATOR_NORM,
  leakyRelu,
  type Module,
  named,
  norm,
  relu,
  sequential,
  tanh,
  type VariableStore,
} from "../nn/layers.ts";

export interface UnetConfig {
  readonly numDowns: number;
  readonly ngf: number;
  readonly norm: NormName;
  readonly dropout: boolean;
  readonly inputNc: number;
  readonly outputNc: number;
}

type Position = "outermost" | "innermost" | "intermediate";

interface BlockSpec {
  readonly outer: number;
  readonly inner: number;
  readonly input?: number;
  readonly position: Position;
  readonly sub?: Module;
  readonly dropout?: boolean;
}

function block(store: VariableStore, normKind: NormName, spec: BlockSpec): Module {
  // The reference's rule: convs carry a bias only under instance norm (not under "none" either).
  const bias = normKind === "instance";
  const down4x4 = { kernel: 4, stride: 2, padding: 1 };
  const downConv = conv2d(store, { inC: spec.input ?? spec.outer, outC: spec.inner, ...down4x4, bias });
  const upConv = (inC: number, withBias: boolean) =>
    convTranspose2d(store, { inC, outC: spec.outer, ...down4x4, outputPadding: 0, bias: withBias });
  let layers: Module[];
  if (spec.position === "outermost") {
    layers = [downConv, spec.sub as Module, relu, upConv(spec.inner * 2, true), tanh];
  } else if (spec.position === "innermost") {
    layers = [
      leakyRelu,
      downConv,
      relu,
      upConv(spec.inner, bias),
      norm(store, normKind, spec.outer, GENERATOR_NORM),
    ];
  } else {
    layers = [
      leakyRelu,
      downConv,
      norm(store, normKind, spec.inner, GENERATOR_NORM),
      spec.sub as Module,
      relu,
      upConv(spec.inner * 2, bias),
      norm(store, normKind, spec.outer, GENERATOR_NORM),
    ];
    if (spec.dropout) layers.push(dropout);
  }
  const model = named("model", sequential(...layers));
  if (spec.position === "outermost") return model;
  // Skip connection: the block's input, then its output, on channels (torch.cat([x, model(x)], 1)).
  return (key) => {
    const layer = model(key);
    return (x, ctx) => tf.concat([x, layer(x, ctx)], 3);
  };
}

/** Blocks are specified innermost-first, as in the reference; their variables are created when placed, in key order. */
export function unetGenerator(store: VariableStore, c: UnetConfig): Module {
  const { ngf } = c;
  const make = (spec: BlockSpec) => block(store, c.norm, spec);
  let sub = make({ outer: ngf * 8, inner: ngf * 8, position: "innermost" });
  for (let i = 0; i < c.numDowns - 5; i++) {
    sub = make({ outer: ngf * 8, inner: ngf * 8, position: "intermediate", sub, dropout: c.dropout });
  }
  sub = make({ outer: ngf * 4, inner: ngf * 8, position: "intermediate", sub });
  sub = make({ outer: ngf * 2, inner: ngf * 4, position: "intermediate", sub });
  sub = make({ outer: ngf, inner: ngf * 2, position: "intermediate", sub });
  const root = named(
    "model",
    make({ outer: c.outputNc, inner: ngf, input: c.inputNc, position: "outermost", sub }),
  );
  const multiple = 2 ** c.numDowns;
  return (key) => {
    const layer = root(key);
    return (x, ctx) => {
      const [, h, w] = x.shape;
      if (h % multiple !== 0 || w % multiple !== 0) {
        throw new UserError(
          `a U-Net with ${c.numDowns} downsamplings needs image sides that are multiples of ${multiple}, got ${h}×${w}`,
          `resize or crop to a multiple of ${multiple} (e.g. --crop-size ${multiple})`,
        );
      }
      return layer(x, ctx);
    };
  };
}
