/**
 * ONNX models as bytes: a graph of nodes over named tensors, collected by a small builder and encoded
 * as an `onnx.ModelProto` by onnx-proto (protobufjs's code generated from onnx.proto). What a graph
 * computes is the caller's business; this module only names values and writes the protobuf.
 * Browser-safe.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** Opset 13: Pad takes its pads as an input and supports mode "reflect"; every runtime of the last years reads it. */
export const ONNX_OPSET = 13;
/** The IR version that opset 13 was released with. */
const IR_VERSION = 7;

/** A node attribute; its ONNX type is explicit, as `1` could be an INT or a FLOAT. */
export type OnnxAttribute =
  | { readonly int: number }
  | { readonly ints: readonly number[] }
  | { readonly float: number }
  | { readonly string: string };

/** A graph input or output: float32 with a shape whose named dims (strings) are left free. */
export interface OnnxValue {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface OnnxModelInfo {
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  readonly graphName: string;
  readonly docString?: string;
  /** Free-form key/value pairs (`metadata_props`), as onnxruntime's `modelMetadata` shows them. */
  readonly metadata?: Readonly<Record<string, string>>;
}

function attribute(name: string, value: OnnxAttribute): InstanceType<typeof onnx.AttributeProto> {
  const { AttributeType } = onnx.AttributeProto;
  if ("int" in value) return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value.int });
  if ("ints" in value)
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...value.ints] });
  if ("float" in value)
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  return onnx.AttributeProto.create({
    name,
    type: AttributeType.STRING,
    s: new TextEncoder().encode(value.string),
  });
}

function bytesOf(data: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian, as typed arrays are on every platform tfjs runs on.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function valueInfo(value: OnnxValue) {
  const dim = value.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({
    name: value.name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } },
  });
}

/** Collects nodes and constant tensors (initializers) under unique names, then encodes the model. */
export class OnnxGraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly names = new Set<string>();

  private unique(name: string): string {
    let candidate = name;
    for (let i = 1; this.names.has(candidate); i++) candidate = `${name}_${i}`;
    this.names.add(candidate);
    return candidate;
  }

  /** A constant tensor (a weight, a pads list); returns the name to use as a node input. */
  constant(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`constant ${name}: ${data.length} values for shape [${dims}]`);
    const unique = this.unique(name);
    const dataType =
      data instanceof Float32Array ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
    this.initializers.push(
      onnx.TensorProto.create({ name: unique, dims: [...dims], dataType, rawData: bytesOf(data) }),
    );
    return unique;
  }

  /** Adds a node with one output, named after `name`; returns that output's name. */
  node(
    opType: string,
    inputs: readonly string[],
    name: string,
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
  ): string {
    const output = this.unique(name);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: output,
        input: [...inputs],
        output: [output],
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return output;
  }

  /** Claims a name for a graph input, so that no node output takes it. */
  reserve(name: string): string {
    if (this.names.has(name)) throw new Error(`${name} is already a name in this graph`);
    this.names.add(name);
    return name;
  }

  /** The model's bytes: the graph whose outputs are `info.outputs` (names of node outputs). */
  encode(info: OnnxModelInfo): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: info.graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: info.inputs.map(valueInfo),
      output: info.outputs.map(valueInfo),
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: "", version: ONNX_OPSET }],
      producerName: "pix2pix-ts",
      graph,
      ...(info.docString !== undefined && { docString: info.docString }),
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
