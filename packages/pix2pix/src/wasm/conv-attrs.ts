/**
 * A convolution kernel's attributes, read from the untyped map the engine passes and checked, so the
 * kernels work with tfjs-core's own attribute types, and the convolution they describe.
 */
import { type Attribute, backend_util, type NamedAttrMap } from "@tensorflow/tfjs-core";

type ConvPad = "valid" | "same" | number | backend_util.ExplicitPadding;
type RoundingMode = "floor" | "round" | "ceil";
type Quad = [number, number, number, number];

function fail(kernelName: string, name: string, value: Attribute | undefined): never {
  throw new Error(`${kernelName}: unexpected attribute ${name} = ${JSON.stringify(value)}`);
}

function numbers(value: Attribute | undefined): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const found = value.filter((v): v is number => typeof v === "number");
  return found.length === value.length ? found : undefined;
}

function pair(value: Attribute | undefined): [number, number] | undefined {
  const [a, b, ...rest] = numbers(value) ?? [];
  return a !== undefined && b !== undefined && rest.length === 0 ? [a, b] : undefined;
}

/** Four numbers: a 4-D shape (an input's, or a shape attribute). */
function quad(value: Attribute | undefined, name: string, kernelName: string): Quad {
  const [a, b, c, d, ...rest] = numbers(value) ?? [];
  if (a === undefined || b === undefined || c === undefined || d === undefined || rest.length > 0) {
    return fail(kernelName, name, value);
  }
  return [a, b, c, d];
}

function strides(attrs: NamedAttrMap, kernelName: string): number | [number, number] {
  const value = attrs.strides;
  return typeof value === "number" ? value : (pair(value) ?? fail(kernelName, "strides", value));
}

function pad(attrs: NamedAttrMap, kernelName: string): ConvPad {
  const value = attrs.pad;
  if (typeof value === "number") return value;
  if (typeof value === "string" && (value === "valid" || value === "same")) return value;
  if (Array.isArray(value)) {
    const [n, h, w, c, ...rest] = value.map(pair);
    if (n && h && w && c && rest.length === 0) return [n, h, w, c];
  }
  return fail(kernelName, "pad", value);
}

function roundingMode(attrs: NamedAttrMap, kernelName: string): RoundingMode | undefined {
  const value = attrs.dimRoundingMode;
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && (value === "floor" || value === "round" || value === "ceil")) return value;
  return fail(kernelName, "dimRoundingMode", value);
}

/** The kernels here compute channels-last (NHWC), the layout the models use. */
function requireChannelsLast(attrs: NamedAttrMap, kernelName: string): void {
  const value = attrs.dataFormat;
  if (value !== undefined && value !== "NHWC") {
    throw new Error(`${kernelName} on wasm supports dataFormat NHWC only, got ${JSON.stringify(value)}`);
  }
}

/** The channels-last convolution of input `inShape` by `filterShape` that a kernel's attributes describe. */
export function conv2dInfo(
  attrs: NamedAttrMap,
  inShape: Attribute | undefined,
  filterShape: Attribute | undefined,
  kernelName: string,
): backend_util.Conv2DInfo {
  requireChannelsLast(attrs, kernelName);
  return backend_util.computeConv2DInfo(
    quad(inShape, "input shape", kernelName),
    quad(filterShape, "filter shape", kernelName),
    strides(attrs, kernelName),
    1,
    pad(attrs, kernelName),
    roundingMode(attrs, kernelName),
  );
}
