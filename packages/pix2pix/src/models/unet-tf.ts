/**
 * `unet_256_tf`: the generator of affinelayer/pix2pix-tensorflow (create_generator), the network of the
 * `.pict` files its browser demo and ml5.js ran. It differs from the reference's U-Net (models/unet.ts)
 * in what the weights mean, so it is its own variant rather than a relabelling:
 *   - every conv and transposed conv has a bias (tf.layers' default), encoder_1's included, which
 *     no norm follows;
 *   - the innermost down conv (encoder_8) is batch-normalized too;
 *   - skips are concatenated as [decoder output, encoder output] (the reference: [input, output]);
 *   - batch norm always takes the image's own statistics (pix2pix-tensorflow ran it with
 *     training=True at test time too, at batch size 1, and the export drops the moving averages), in
 *     every mode, so a batch answers as its images would one by one; there are no running statistics;
 *   - dropout, when on, follows decoders 8, 7 and 6 (the reference's: the three blocks around the
 *     innermost one); .pict files run without it, as the demo and ml5 did.
 * Convs pad TensorFlow's "same" (at the sides this net takes, multiples of 256, that is one pixel on
 * every side). Keys: `encoder_N.conv.*`, `encoder_N.norm.*`, `decoder_N.deconv.*`, `decoder_N.norm.*`,
 * weights in PyTorch layouts like every other network here. Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../errors.ts";
import type { HostTensor, StateDict } from "../io/safetensors-codec.ts";
import {
  conv2d,
  convTranspose2d,
  dropout,
  join,
  type Layer,
  leakyRelu,
  type Module,
  type NormName,
  relu,
  type VariableStore,
} from "../nn/layers.ts";
import { type HostArray, tfjsToTorch } from "../nn/layout.ts";

export interface TensorflowUnetConfig {
  readonly ngf: number;
  readonly norm: NormName;
  readonly dropout: boolean;
  readonly inputNc: number;
  readonly outputNc: number;
}

const DEPTH = 8;
const SIZE_MULTIPLE = 2 ** DEPTH;
const DROPOUT_DECODERS = new Set([8, 7, 6]);
const EPSILON = 1e-5;

/** Output channels of encoder_1 … encoder_8. */
function encoderWidths(ngf: number): number[] {
  return [1, 2, 4, 8, 8, 8, 8, 8].map((m) => ngf * m);
}

/** Batch norm over one image's statistics (biased variance, epsilon 1e-5), with gamma and beta. */
function imageNorm(store: VariableStore, channels: number): Module {
  return (key) => {
    const gamma = store.zeros(join(key, "weight"), channels);
    tf.tidy(() => gamma.assign(tf.onesLike(gamma))); // a fresh net starts with unit scales
    const beta = store.zeros(join(key, "bias"), channels);
    return (x) => {
      const { mean, variance } = tf.moments(x, [1, 2], true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPSILON))), gamma), beta);
    };
  };
}

export function tensorflowUnetGenerator(store: VariableStore, c: TensorflowUnetConfig): Module {
  if (c.norm !== "batch") {
    throw new UserError(
      `unet_256_tf has pix2pix-tensorflow's batch norm only, not --norm ${c.norm}`,
      "leave --norm out (or give --norm batch) with --netG unet_256_tf",
    );
  }
  const widths = encoderWidths(c.ngf);
  const width = (i: number) => widths[i - 1] as number; // encoder_i's output channels
  const conv = (inC: number, outC: number) =>
    conv2d(store, { inC, outC, kernel: 4, stride: 2, padding: "same", bias: true });
  const deconv = (inC: number, outC: number) =>
    convTranspose2d(store, { inC, outC, kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: true });
  return (key) => {
    const encoders: Layer[] = [];
    for (let i = 1; i <= DEPTH; i++) {
      const at = join(key, `encoder_${i}`);
      const convolve = conv(i === 1 ? c.inputNc : width(i - 1), width(i))(join(at, "conv"));
      if (i === 1) encoders.push(convolve);
      else {
        const normalize = imageNorm(store, width(i))(join(at, "norm"));
        const rectify = leakyRelu("");
        encoders.push((x, ctx) => normalize(convolve(rectify(x, ctx), ctx), ctx));
      }
    }
    const decoders: Layer[] = [];
    for (let i = DEPTH; i >= 1; i--) {
      const at = join(key, `decoder_${i}`);
      const inC = i === DEPTH ? width(i) : 2 * width(i);
      const outC = i === 1 ? c.outputNc : width(i - 1);
      const convolve = deconv(inC, outC)(join(at, "deconv"));
      const rectify = relu("");
      if (i === 1) {
        decoders.push((x, ctx) => tf.tanh(convolve(rectify(x, ctx), ctx)));
        continue;
      }
      const normalize = imageNorm(store, outC)(join(at, "norm"));
      const drop = c.dropout && DROPOUT_DECODERS.has(i) ? dropout("") : undefined;
      decoders.push((x, ctx) => {
        const y = normalize(convolve(rectify(x, ctx), ctx), ctx);
        return drop ? drop(y, ctx) : y;
      });
    }
    return (x, ctx) => {
      const [, h, w] = x.shape;
      if (h % SIZE_MULTIPLE !== 0 || w % SIZE_MULTIPLE !== 0) {
        throw new UserError(
          `unet_256_tf (pix2pix-tensorflow's generator) needs image sides that are multiples of ${SIZE_MULTIPLE}, got ${h}×${w}`,
          `resize to a multiple of ${SIZE_MULTIPLE} (e.g. --load-size 256)`,
        );
      }
      const skips: tf.Tensor4D[] = [];
      let y = x;
      for (const encode of encoders) {
        y = encode(y, ctx);
        skips.push(y);
      }
      decoders.forEach((decode, k) => {
        const i = DEPTH - k; // decoder_i, fed encoder_i's output beside the last decoder's
        y = decode(i === DEPTH ? y : tf.concat([y, skips[i - 1] as tf.Tensor4D], 3), ctx);
      });
      return y;
    };
  };
}

/** pix2pix-tensorflow's variable name → our key: `generator/encoder_2/conv2d/kernel` → `encoder_2.conv.weight`. */
const TF_NAME =
  /^generator\/(encoder|decoder)_(\d+)\/(conv2d|conv2d_transpose|batch_normalization)\/(kernel|bias|gamma|beta)$/;
const LAYER: Readonly<Record<string, string>> = {
  conv2d: "conv",
  conv2d_transpose: "deconv",
  batch_normalization: "norm",
};
const PARAM: Readonly<Record<string, string>> = {
  kernel: "weight",
  bias: "bias",
  gamma: "weight",
  beta: "bias",
};

/**
 * The state dict of unet_256_tf from pix2pix-tensorflow's generator variables (TensorFlow names and
 * layouts, which are tfjs's: conv kernels HWIO, transposed-conv kernels [h, w, out, in]).
 */
export function tensorflowUnetStateDict(
  variables: ReadonlyMap<string, HostArray>,
  source: string,
): StateDict {
  const dict: StateDict = new Map();
  for (const [name, value] of variables) {
    const parts = TF_NAME.exec(name);
    if (!parts) {
      const separable = name.includes("separable_conv2d");
      throw new UserError(
        `${source}: variable ${name} is not one of pix2pix-tensorflow's generator's`,
        separable
          ? "models trained with --separable_conv are not supported: only the plain conv generator"
          : "give a .pict exported from pix2pix-tensorflow's generator (server/tools/export-checkpoint.py)",
      );
    }
    const [, side, index, layer = "", param = ""] = parts;
    const { shape, data } = tfjsToTorch(value);
    const tensor: HostTensor = { dtype: "float32", shape, data };
    dict.set(`${side}_${index}.${LAYER[layer]}.${PARAM[param]}`, tensor);
  }
  return dict;
}
