/**
 * A generator in eval mode as an inference plan (ops/inference-plan.ts): one kernel call per batch
 * where the backend has the InferencePlan kernel, instead of a tfjs op per layer. The plan is compiled
 * from the generator's ONNX graph (onnx-export.ts, whose output the export tests hold equal to ours in
 * eval mode), so it follows the architecture without a third description of it, and it fuses:
 *
 * - a batch norm after a convolution into the convolution's weights and bias (running statistics);
 * - the activation after a convolution into the convolution (oneDNN post-op);
 * - a concatenation on channels (U-Net's skips): each input is written into its slice of one buffer,
 *   and a Relu after the concatenation becomes each input's (pushed into the convolutions that write
 *   them);
 * - a U-Net block's input, which feeds both a LeakyRelu (the block's down path) and the parent's Relu
 *   (through the skip): stored once, after LeakyRelu, since Relu(LeakyRelu(x)) = Relu(x) for a
 *   positive slope; the skip copies it through Relu.
 *
 * Graphs with other nodes (the ResNets' reflection pads and residual sums, instance norm) give no plan,
 * and the network runs op by op as before. Browser-safe.
 */
import * as tf from "@tensorflow/tfjs-core";
import onnxProto from "onnx-proto";
import type { DetectedGenerator } from "../models/detect.ts";
import type { Mode, Network } from "../nn/network.ts";
import {
  INFERENCE_PLAN,
  type InferencePlan,
  type InferencePlanSpec,
  type PlanActivation,
  type PlanSlice,
  type PlanStep,
  runInferencePlan,
} from "../ops/inference-plan.ts";
import { activeBackendHas } from "../ops/kernels.ts";
import type { Rng } from "../random.ts";
import { generatorToOnnx } from "./onnx-export.ts";

const { onnx } = onnxProto;

interface GraphNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly ints: ReadonlyMap<string, readonly number[]>;
  readonly floats: ReadonlyMap<string, number>;
}

interface Constant {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** The graph does something a plan cannot express. */
export class NoInferencePlan extends Error {
  override readonly name = "NoInferencePlan";
}

function decode(bytes: Uint8Array) {
  const graph = onnx.ModelProto.decode(bytes).graph;
  if (!graph) throw new NoInferencePlan("the ONNX model has no graph");
  const constants = new Map<string, Constant>();
  for (const t of graph.initializer ?? []) {
    const raw = t.rawData ?? new Uint8Array(0);
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    // copied: raw_data may start at an offset that is no multiple of 4
    constants.set(t.name ?? "", {
      dims: (t.dims ?? []).map(Number),
      data: new Float32Array(new Uint8Array(raw).buffer),
    });
  }
  const nodes: GraphNode[] = (graph.node ?? []).map((n) => {
    const ints = new Map<string, number[]>();
    const floats = new Map<string, number>();
    for (const a of n.attribute ?? []) {
      if (a.ints && a.ints.length > 0) ints.set(a.name ?? "", a.ints.map(Number));
      else if (a.type === onnx.AttributeProto.AttributeType.INT) ints.set(a.name ?? "", [Number(a.i)]);
      else if (a.type === onnx.AttributeProto.AttributeType.FLOAT) floats.set(a.name ?? "", a.f ?? 0);
    }
    return { op: n.opType ?? "", inputs: n.input ?? [], output: n.output?.[0] ?? "", ints, floats };
  });
  const input = graph.input?.[0]?.name ?? "";
  const output = graph.output?.[0]?.name ?? "";
  return { nodes, constants, input, output };
}

const ACTIVATIONS: Readonly<Record<string, PlanActivation>> = {
  Relu: "relu",
  LeakyRelu: "leakyRelu",
  Tanh: "tanh",
};

/**
 * Channels of each input of a concatenation must be a multiple of this: the widest channel block of
 * oneDNN's layouts (16 floats with AVX-512), so that every input is a run of whole blocks of the
 * output on any CPU. (A U-Net with ngf 16 or more.)
 */
const CONCAT_ALIGNMENT = 16;

/** ONNX's LeakyRelu slope when the node names none. */
const ONNX_LEAKY_DEFAULT = 0.01;

/** Compiles a decoded graph; see the module's comment for the fusions. */
class PlanCompiler {
  private readonly consumers = new Map<string, GraphNode[]>();
  private readonly channels = new Map<string, number>();
  /** Where each computed value lives. */
  private readonly at = new Map<string, PlanSlice>();
  /** Nodes whose work another step does (a folded batch norm, a fused activation). */
  private readonly absorbed = new Set<GraphNode>();
  private readonly bufferChannels: number[] = [];
  private readonly steps: PlanStep[] = [];
  private readonly weights: Float32Array[][] = [];
  /** The buffer of each concatenation's output. */
  private readonly concatBuffers = new Map<GraphNode, number>();

  constructor(
    private readonly nodes: readonly GraphNode[],
    private readonly constants: ReadonlyMap<string, Constant>,
    input: string,
    inputChannels: number,
  ) {
    for (const node of nodes) {
      for (const name of node.inputs) {
        const list = this.consumers.get(name) ?? [];
        list.push(node);
        this.consumers.set(name, list);
      }
    }
    this.channels.set(input, inputChannels);
    this.at.set(input, [this.buffer(inputChannels), 0, inputChannels]);
    for (const node of nodes) this.channels.set(node.output, this.channelsOf(node));
  }

  private buffer(channels: number): number {
    this.bufferChannels.push(channels);
    return this.bufferChannels.length - 1;
  }

  private constant(name: string | undefined): Constant {
    const c = name === undefined ? undefined : this.constants.get(name);
    if (c === undefined) throw new NoInferencePlan(`no constant ${name}`);
    return c;
  }

  private channelsOf(node: GraphNode): number {
    const first = this.channels.get(node.inputs[0] ?? "") ?? 0;
    switch (node.op) {
      case "Conv":
        return this.constant(node.inputs[1]).dims[0] ?? 0;
      case "ConvTranspose":
        return this.constant(node.inputs[1]).dims[1] ?? 0;
      case "Concat":
        return node.inputs.reduce((sum, name) => sum + (this.channels.get(name) ?? 0), 0);
      default:
        return first;
    }
  }

  private only(name: string): GraphNode | undefined {
    const list = this.consumers.get(name) ?? [];
    return list.length === 1 ? list[0] : undefined;
  }

  /** A concatenation whose only consumer is a Relu: its inputs are stored through Relu. */
  private reluAfter(concat: GraphNode): GraphNode | undefined {
    const next = this.only(concat.output);
    return next?.op === "Relu" ? next : undefined;
  }

  private concatBuffer(concat: GraphNode): number {
    let buffer = this.concatBuffers.get(concat);
    if (buffer === undefined) {
      buffer = this.buffer(this.channels.get(concat.output) ?? 0);
      this.concatBuffers.set(concat, buffer);
      this.at.set(concat.output, [buffer, 0, this.channels.get(concat.output) ?? 0]);
      const relu = this.reluAfter(concat);
      if (relu) {
        this.absorbed.add(relu);
        this.at.set(relu.output, [buffer, 0, this.channels.get(concat.output) ?? 0]);
      }
    }
    return buffer;
  }

  /** Where input `name` of `concat` goes. */
  private sliceIn(concat: GraphNode, name: string): PlanSlice {
    if (concat.inputs.some((n) => (this.channels.get(n) ?? 0) % CONCAT_ALIGNMENT !== 0)) {
      throw new NoInferencePlan(
        `${concat.output}: inputs of channels that are no multiple of ${CONCAT_ALIGNMENT}`,
      );
    }
    const index = concat.inputs.indexOf(name);
    const offset = concat.inputs.slice(0, index).reduce((sum, n) => sum + (this.channels.get(n) ?? 0), 0);
    return [this.concatBuffer(concat), offset, this.channels.get(name) ?? 0];
  }

  private location(name: string): PlanSlice {
    const slice = this.at.get(name);
    if (slice === undefined) throw new NoInferencePlan(`${name} is read before it is computed`);
    return slice;
  }

  private add(step: PlanStep, weights: Float32Array[] = []): void {
    this.steps.push(step);
    this.weights.push(weights);
  }

  private convolution(node: GraphNode): void {
    const transposed = node.op === "ConvTranspose";
    const w = this.constant(node.inputs[1]);
    const [kh, kw] = w.dims.slice(2);
    const strides = node.ints.get("strides") ?? [1, 1];
    const pads = node.ints.get("pads") ?? [0, 0, 0, 0];
    const outputPadding = node.ints.get("output_padding") ?? [0, 0];
    const uniform = (values: readonly number[]) => values.every((v) => v === values[0]);
    if (kh !== kw || !uniform(strides) || !uniform(pads) || outputPadding.some((p) => p !== 0)) {
      throw new NoInferencePlan(`${node.output}: a non-square kernel, stride or padding`);
    }
    const outChannels = this.channels.get(node.output) ?? 0;
    let weights = w.data;
    let bias = node.inputs[2] === undefined ? null : this.constant(node.inputs[2]).data;
    let value = node.output;
    const norm = this.only(value);
    if (norm?.op === "BatchNormalization") {
      ({ weights, bias } = foldBatchNorm(w, bias, transposed, norm, (n) => this.constant(n)));
      this.absorbed.add(norm);
      value = norm.output;
    }
    let activation: PlanActivation = "none";
    let alpha = 0;
    const users = this.consumers.get(value) ?? [];
    const next = users.length === 1 ? users[0] : undefined;
    const nextActivation = next && ACTIVATIONS[next.op];
    if (next && nextActivation) {
      activation = nextActivation;
      alpha = next.floats.get("alpha") ?? ONNX_LEAKY_DEFAULT;
      this.absorbed.add(next);
      value = next.output;
    } else {
      const leaky = this.leakyBesideReluSkips(users);
      if (leaky) {
        // stored after LeakyRelu; the skips read it through Relu, which gives Relu of the original
        activation = "leakyRelu";
        alpha = leaky.floats.get("alpha") ?? ONNX_LEAKY_DEFAULT;
        this.absorbed.add(leaky);
      }
    }
    let dst: PlanSlice = [this.buffer(outChannels), 0, outChannels];
    const concat = this.only(value);
    if (concat?.op === "Concat" && concat.ints.get("axis")?.[0] === 1) {
      const through: PlanActivation = this.reluAfter(concat) ? "relu" : "none";
      if (activation === "none" || through === "none" || activation === through) {
        this.bufferChannels.pop(); // not needed: the output goes into the concatenation's buffer
        dst = this.sliceIn(concat, value);
        if (activation === "none") activation = through;
      }
    }
    this.at.set(value, dst);
    for (const user of users) if (this.absorbed.has(user)) this.at.set(user.output, dst);
    this.add(
      {
        kind: transposed ? "deconv" : "conv",
        src: this.location(node.inputs[0] ?? ""),
        dst,
        bias: bias !== null,
        kernel: kh ?? 0,
        stride: strides[0] ?? 1,
        pad: pads[0] ?? 0,
        activation,
        alpha,
      },
      bias === null ? [weights] : [weights, bias],
    );
  }

  /** The LeakyRelu among `users` when every other one is a concatenation read through Relu. */
  private leakyBesideReluSkips(users: readonly GraphNode[]): GraphNode | undefined {
    const leaky = users.filter((u) => u.op === "LeakyRelu");
    const rest = users.filter((u) => u.op !== "LeakyRelu");
    const slope = leaky[0]?.floats.get("alpha") ?? ONNX_LEAKY_DEFAULT;
    const skipsThroughRelu = rest.every((u) => u.op === "Concat" && this.reluAfter(u) !== undefined);
    return leaky.length === 1 && rest.length > 0 && slope >= 0 && skipsThroughRelu ? leaky[0] : undefined;
  }

  /** Copies (through Relu where the concatenation is read so) the inputs not written in place. */
  private concatenation(node: GraphNode): void {
    if (node.ints.get("axis")?.[0] !== 1)
      throw new NoInferencePlan(`${node.output}: a concatenation off channels`);
    const activation: PlanActivation = this.reluAfter(node) ? "relu" : "none";
    for (const name of node.inputs) {
      const slice = this.sliceIn(node, name);
      const from = this.location(name);
      if (from.every((v, i) => v === slice[i])) continue;
      this.add({
        kind: "eltwise",
        src: from,
        dst: slice,
        bias: false,
        kernel: 0,
        stride: 1,
        pad: 0,
        activation,
        alpha: 0,
      });
    }
  }

  private activationNode(node: GraphNode, activation: PlanActivation): void {
    const src = this.location(node.inputs[0] ?? "");
    const dst: PlanSlice = [this.buffer(src[2]), 0, src[2]];
    const alpha = node.floats.get("alpha") ?? ONNX_LEAKY_DEFAULT;
    this.add({ kind: "eltwise", src, dst, bias: false, kernel: 0, stride: 1, pad: 0, activation, alpha });
    this.at.set(node.output, dst);
  }

  compile(output: string): { spec: InferencePlanSpec; weights: Float32Array[][] } {
    for (const node of this.nodes) {
      if (this.absorbed.has(node)) continue;
      const activation = ACTIVATIONS[node.op];
      if (node.op === "Conv" || node.op === "ConvTranspose") this.convolution(node);
      else if (node.op === "Concat") this.concatenation(node);
      else if (activation) this.activationNode(node, activation);
      else if (node.op === "Identity") this.at.set(node.output, this.location(node.inputs[0] ?? ""));
      else throw new NoInferencePlan(`an ${node.op} node`);
    }
    const [buffer, offset, channels] = this.location(output);
    if (buffer === 0 || offset !== 0 || channels !== this.bufferChannels[buffer]) {
      throw new NoInferencePlan("the output is not a whole buffer of its own");
    }
    return {
      spec: { bufferChannels: this.bufferChannels, output: buffer, steps: this.steps },
      weights: this.weights,
    };
  }
}

/** w·s and (b − mean)·s + beta per output channel, s = gamma / √(var + eps): BN(conv(x)) as one conv. */
function foldBatchNorm(
  w: Constant,
  bias: Float32Array | null,
  transposed: boolean,
  norm: GraphNode,
  constant: (name: string | undefined) => Constant,
): { weights: Float32Array; bias: Float32Array } {
  const [gamma, beta, mean, variance] = norm.inputs.slice(1).map((n) => constant(n).data) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const eps = norm.floats.get("epsilon") ?? 1e-5;
  const scale = Float64Array.from(gamma, (g, o) => g / Math.sqrt((variance[o] as number) + eps));
  // OIHW: the output channel is the outermost index; IOHW: the second
  const [d0 = 0, d1 = 0] = w.dims;
  const area = w.data.length / (d0 * d1);
  const outChannels = transposed ? d1 : d0;
  // Plain loops over runs of one output channel: Float32Array.from with a map function took 30x as
  // long, seconds for a unet_256's weights.
  const weights = new Float32Array(w.data.length);
  for (let run = 0; run < d0 * d1; run++) {
    const s = scale[transposed ? run % d1 : Math.floor(run / d1)] as number;
    for (let i = run * area; i < (run + 1) * area; i++) weights[i] = (w.data[i] as number) * s;
  }
  const folded = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    folded[o] = ((bias?.[o] ?? 0) - (mean[o] as number)) * (scale[o] as number) + (beta[o] as number);
  }
  return { weights, bias: folded };
}

/** The plan of generator `net` (eval mode), its weights as tensors; NoInferencePlan when it has none. */
export function inferencePlanOf(net: Network, architecture: DetectedGenerator): InferencePlan {
  const { nodes, constants, input, output } = decode(generatorToOnnx(net, architecture));
  const compiled = new PlanCompiler(nodes, constants, input, architecture.inputNc).compile(output);
  const weights: tf.NamedTensorMap = {};
  compiled.weights.forEach(([w, b], i) => {
    if (w) weights[`w${i}`] = tf.tensor1d(w);
    if (b) weights[`b${i}`] = tf.tensor1d(b);
  });
  return { spec: compiled.spec, weights };
}

/**
 * `net`, with eval-mode calls run as one InferencePlan kernel where the active backend has it (built
 * at the first such call, from the weights `net` holds then: load weights before). Other modes, other
 * backends and graphs with no plan run `net` as before.
 */
export function withInferencePlan(net: Network, architecture: DetectedGenerator): Network {
  let plan: InferencePlan | null | undefined;
  const planned = (x: tf.Tensor4D): tf.Tensor4D | undefined => {
    if (!activeBackendHas(INFERENCE_PLAN)) return undefined;
    if (plan === undefined) {
      try {
        plan = inferencePlanOf(net, architecture);
      } catch (error) {
        if (!(error instanceof NoInferencePlan)) throw error;
        plan = null;
      }
    }
    return plan === null ? undefined : runInferencePlan(x, plan);
  };
  return {
    params: net.params,
    buffers: net.buffers,
    apply: (x: tf.Tensor4D, mode: Mode, rng: Rng) =>
      (mode === "eval" && planned(x)) || net.apply(x, mode, rng),
    dispose: () => {
      if (plan) tf.dispose(Object.values(plan.weights));
      net.dispose();
    },
  };
}
