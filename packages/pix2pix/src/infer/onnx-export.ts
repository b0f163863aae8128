/**
 * A generator as an ONNX graph (opset 13), in eval mode: BatchNormalization with the running
 * statistics, no dropout. NCHW float32 at the boundary: input `input` [N, C, H, W], output `output`,
 * with N, H and W free. Weights are the network's, in PyTorch layout (OIHW, IOHW), which is ONNX's.
 *
 * unet_256_tf normalizes by each image's statistics in every mode (InstanceNormalization with its
 * gamma and beta), so its graph is its test mode too.
 *
 * The paper's test mode (batch statistics and dropout at test time) is not exported. ONNX has it only
 * as BatchNormalization and Dropout in training mode: onnxruntime-node 1.30's CPU build gave no batch
 * statistics for the former when we tried it, and the latter draws masks from its own generator, so
 * no output could be checked against ours. Export gives the reference's `--eval` network.
 *
 * Our networks are closures over tfjs ops, so the graph cannot be read out of them: it is written here
 * again from the architecture, module by module and key by key as models/unet.ts and models/resnet.ts
 * place them, and the weights are looked up by those keys (a key that is not there fails the export).
 * The export tests run every generator kind in onnxruntime against our eval-mode output. Browser-safe.
 */
import { OnnxGraphBuilder } from "../io/onnx.ts";
import type { StateDict } from "../io/safetensors-codec.ts";
import { networkStateDict } from "../io/state-dict.ts";
import type { DetectedGenerator } from "../models/detect.ts";
import { join, type NormName } from "../nn/layers.ts";
import type { Network } from "../nn/network.ts";

/** A value's name in, a value's name out: one piece of the graph. */
type Emit = (x: string) => string;
/** Placed at a state-dict key, a module emits its nodes (the graph twin of nn/layers.ts's Module). */
type GraphModule = (key: string) => Emit;

const BN_EPS = 1e-5;
const LEAKY_SLOPE = 0.2;

interface ConvGeometry {
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding?: number;
}

/** The modules of nn/layers.ts, emitting ONNX nodes with the weights `dict` holds under their keys. */
function graphModules(g: OnnxGraphBuilder, dict: StateDict, normKind: NormName) {
  const weight = (key: string) => {
    const entry = dict.get(key);
    if (entry?.dtype !== "float32") throw new Error(`the generator has no float tensor ${key}`);
    return { name: g.constant(key, entry.shape, entry.data), shape: entry.shape };
  };
  const optional = (key: string) => (dict.has(key) ? [weight(key).name] : []);
  const convLike =
    (op: "Conv" | "ConvTranspose", geometry: ConvGeometry): GraphModule =>
    (key) =>
    (x) => {
      const w = weight(join(key, "weight"));
      const { stride, padding, outputPadding = 0 } = geometry;
      const kernel = w.shape[2] as number;
      return g.node(op, [x, w.name, ...optional(join(key, "bias"))], key, {
        kernel_shape: { ints: [kernel, kernel] },
        strides: { ints: [stride, stride] },
        // PyTorch's ConvTranspose2d: `padding` off every side of the full output, `outputPadding`
        // rows and columns added back at the bottom and right (ONNX's output_padding does the same)
        pads: { ints: [padding, padding, padding, padding] },
        ...(outputPadding > 0 && { output_padding: { ints: [outputPadding, outputPadding] } }),
      });
    };
  const norm =
    (channels: number): GraphModule =>
    (key) =>
    (x) => {
      switch (normKind) {
        case "batch": {
          const inputs = ["weight", "bias", "running_mean", "running_var"].map(
            (n) => weight(join(key, n)).name,
          );
          return g.node("BatchNormalization", [x, ...inputs], key, { epsilon: { float: BN_EPS } });
        }
        case "instance": {
          // InstanceNorm2d(affine=False): ONNX's op always has scale and bias, so ones and zeros
          const scale = g.constant(`${key}.scale`, [channels], new Float32Array(channels).fill(1));
          const bias = g.constant(`${key}.bias`, [channels], new Float32Array(channels));
          return g.node("InstanceNormalization", [x, scale, bias], key, { epsilon: { float: BN_EPS } });
        }
        case "none":
          return x;
      }
    };
  const unary =
    (op: string, attributes = {}): GraphModule =>
    (key) =>
    (x) =>
      g.node(op, [x], key, attributes);
  return {
    conv: (geometry: ConvGeometry) => convLike("Conv", geometry),
    convTranspose: (geometry: ConvGeometry) => convLike("ConvTranspose", geometry),
    norm,
    relu: unary("Relu"),
    leakyRelu: unary("LeakyRelu", { alpha: { float: LEAKY_SLOPE } }),
    tanh: unary("Tanh"),
    /** models/unet-tf.ts's batch norm over each image's own statistics, with gamma and beta. */
    imageNorm: ((key) => (x) => {
      const [scale, bias] = ["weight", "bias"].map((n) => weight(join(key, n)).name);
      return g.node("InstanceNormalization", [x, scale ?? "", bias ?? ""], key, {
        epsilon: { float: BN_EPS },
      });
    }) satisfies GraphModule,
    concat: (inputs: string[], key: string) => g.node("Concat", inputs, key, { axis: { int: 1 } }),
    /** Eval mode: dropout passes its input through, but keeps its index in the Sequential. */
    dropout: ((): Emit => (x) => x) satisfies GraphModule,
    reflectionPad:
      (p: number): GraphModule =>
      (key) =>
      (x) => {
        const pads = g.constant(`${key}.pads`, [8], BigInt64Array.from([0, 0, p, p, 0, 0, p, p], BigInt));
        return g.node("Pad", [x, pads], key, { mode: { string: "reflect" } });
      },
    sequential:
      (...modules: GraphModule[]): GraphModule =>
      (key) => {
        const emits = modules.map((m, i) => m(join(key, i)));
        return (x) => emits.reduce((y, emit) => emit(y), x);
      },
    named:
      (name: string, module: GraphModule): GraphModule =>
      (key) =>
        module(join(key, name)),
    /** torch.cat([x, f(x)], 1): the U-Net's skip. */
    skip:
      (module: GraphModule): GraphModule =>
      (key) => {
        const emit = module(key);
        return (x) => g.node("Concat", [x, emit(x)], `${key}.cat`, { axis: { int: 1 } });
      },
    /** x + f(x): the ResNet block. */
    residual:
      (module: GraphModule): GraphModule =>
      (key) => {
        const emit = module(key);
        return (x) => g.node("Add", [x, emit(x)], `${key}.add`);
      },
  };
}

type Modules = ReturnType<typeof graphModules>;

/** models/unet.ts's UnetGenerator, block by block from the innermost out. */
function unet(m: Modules, a: DetectedGenerator, numDowns: number): GraphModule {
  const down = m.conv({ stride: 2, padding: 1 });
  const up = m.convTranspose({ stride: 2, padding: 1 });
  const block = (outer: number, inner: number, sub?: GraphModule, dropout = false): GraphModule => {
    const layers = sub
      ? [m.leakyRelu, down, m.norm(inner), sub, m.relu, up, m.norm(outer), ...(dropout ? [m.dropout] : [])]
      : [m.leakyRelu, down, m.relu, up, m.norm(outer)];
    return m.skip(m.named("model", m.sequential(...layers)));
  };
  const { ngf } = a;
  let sub = block(ngf * 8, ngf * 8);
  for (let i = 0; i < numDowns - 5; i++) sub = block(ngf * 8, ngf * 8, sub, !a.noDropout);
  sub = block(ngf * 4, ngf * 8, sub);
  sub = block(ngf * 2, ngf * 4, sub);
  sub = block(ngf, ngf * 2, sub);
  const outermost = m.named("model", m.sequential(down, sub, m.relu, up, m.tanh));
  return m.named("model", outermost);
}

/**
 * models/unet-tf.ts's pix2pix-tensorflow generator: 8 encoders, then decoders fed [decoder output,
 * encoder output]; "same" padding is one pixel on every side at the sizes it takes (multiples of 256).
 */
function tensorflowUnet(m: Modules): GraphModule {
  const down = m.conv({ stride: 2, padding: 1 });
  const up = m.convTranspose({ stride: 2, padding: 1 });
  return (key) => (x) => {
    const skips: string[] = [];
    let y = x;
    for (let i = 1; i <= 8; i++) {
      const at = join(key, `encoder_${i}`);
      const conv = down(join(at, "conv"));
      y = i === 1 ? conv(y) : m.imageNorm(join(at, "norm"))(conv(m.leakyRelu(join(at, "lrelu"))(y)));
      skips.push(y);
    }
    for (let i = 8; i >= 1; i--) {
      const at = join(key, `decoder_${i}`);
      const input = i === 8 ? y : m.concat([y, skips[i - 1] ?? ""], join(at, "cat"));
      y = up(join(at, "deconv"))(m.relu(join(at, "relu"))(input));
      y = i === 1 ? m.tanh(join(at, "tanh"))(y) : m.imageNorm(join(at, "norm"))(y);
    }
    return y;
  };
}

/** models/resnet.ts's ResnetGenerator. */
function resnet(m: Modules, a: DetectedGenerator, blocks: number): GraphModule {
  const { ngf } = a;
  const conv3x3 = m.conv({ stride: 1, padding: 0 });
  const residualBlock = (dim: number) =>
    m.residual(
      m.named(
        "conv_block",
        m.sequential(
          m.reflectionPad(1),
          conv3x3,
          m.norm(dim),
          m.relu,
          ...(a.noDropout ? [] : [m.dropout]),
          m.reflectionPad(1),
          conv3x3,
          m.norm(dim),
        ),
      ),
    );
  const layers = [m.reflectionPad(3), m.conv({ stride: 1, padding: 0 }), m.norm(ngf), m.relu];
  for (const channels of [ngf, ngf * 2]) {
    layers.push(m.conv({ stride: 2, padding: 1 }), m.norm(channels * 2), m.relu);
  }
  for (let i = 0; i < blocks; i++) layers.push(residualBlock(ngf * 4));
  for (const channels of [ngf * 4, ngf * 2]) {
    layers.push(m.convTranspose({ stride: 2, padding: 1, outputPadding: 1 }), m.norm(channels / 2), m.relu);
  }
  layers.push(m.reflectionPad(3), m.conv({ stride: 1, padding: 0 }), m.tanh);
  return m.named("model", m.sequential(...layers));
}

function generatorModule(m: Modules, a: DetectedGenerator): GraphModule {
  switch (a.netG) {
    case "unet_256":
      return unet(m, a, 8);
    case "unet_128":
      return unet(m, a, 7);
    case "resnet_9blocks":
      return resnet(m, a, 9);
    case "resnet_6blocks":
      return resnet(m, a, 6);
    case "unet_256_tf":
      return tensorflowUnet(m);
  }
}

/**
 * The ONNX model (bytes of a .onnx file) of generator `net`, whose architecture is `architecture`
 * (as openGenerator or detectGenerator give it), in eval mode.
 */
export function generatorToOnnx(net: Network, architecture: DetectedGenerator): Uint8Array {
  const g = new OnnxGraphBuilder();
  const input = g.reserve("input");
  const graph = generatorModule(graphModules(g, networkStateDict(net), architecture.norm), architecture)("");
  const last = graph(input);
  const output = g.node("Identity", [last], "output"); // no key is named "output"
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = architecture;
  return g.encode({
    graphName: `pix2pix ${netG} generator`,
    docString:
      "pix2pix generator in eval mode (running BatchNorm statistics, no dropout); input and output in [-1, 1]",
    inputs: [{ name: input, dims: ["N", inputNc, "H", "W"] }],
    outputs: [{ name: output, dims: ["N", outputNc, "H", "W"] }],
    metadata: {
      netG,
      ngf: String(ngf),
      norm,
      noDropout: String(noDropout),
      inputNc: String(inputNc),
      outputNc: String(outputNc),
      mode: "eval",
    },
  });
}
