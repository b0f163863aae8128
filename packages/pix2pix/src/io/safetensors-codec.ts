/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length, a JSON header of {name: {dtype, shape, data_offsets}} plus optional "__metadata__" strings,
 * then the raw little-endian data. Encoding and decoding of bytes only, so it also runs in the browser.
 */

/** A tensor on the host: float32, or int64 (BatchNorm's num_batches_tracked, step counters). */
export type HostTensor =
  | { readonly dtype: "float32"; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: "int64"; readonly shape: readonly number[]; readonly data: BigInt64Array };

/** Tensors by name: a PyTorch state dict as files hold it. */
export type StateDict = Map<string, HostTensor>;

export interface SafetensorsContent {
  readonly tensors: Map<string, HostTensor>;
  readonly metadata: Record<string, string>;
}

const DTYPES = { float32: "F32", int64: "I64" } as const;
const BYTES = { F32: 4, I64: 8 } as const;

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function encodeSafetensors(
  tensors: ReadonlyMap<string, HostTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.data.length !== elementCount(t.shape)) {
      throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape}]`);
    }
    const dtype = DTYPES[t.dtype];
    const size = t.data.length * BYTES[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8); // keep the data 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, position); // typed arrays are little-endian on every platform tfjs runs on
    position += bytes.length;
  }
  return out;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Decodes safetensors bytes; `source` names the file in errors. Copies the data (no aliasing). */
export function decodeSafetensors(bytes: Uint8Array, source = "safetensors data"): SafetensorsContent {
  const fail = (why: string) => new Error(`${source} is not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw fail("too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw fail("header longer than the file");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw fail("header is not JSON");
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, HostTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = value as Record<string, string>;
      continue;
    }
    const entry = value as HeaderEntry;
    const [begin, end] = entry.data_offsets;
    const count = elementCount(entry.shape);
    if (!(entry.dtype in BYTES)) throw fail(`tensor ${name} has dtype ${entry.dtype}; supported: F32, I64`);
    const width = BYTES[entry.dtype as keyof typeof BYTES];
    if (end - begin !== count * width || dataStart + end > bytes.length) {
      throw fail(`tensor ${name}: data_offsets [${begin}, ${end}] do not fit shape [${entry.shape}]`);
    }
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end)); // an aligned copy
    tensors.set(
      name,
      entry.dtype === "F32"
        ? { dtype: "float32", shape: entry.shape, data: new Float32Array(raw.buffer) }
        : { dtype: "int64", shape: entry.shape, data: new BigInt64Array(raw.buffer) },
    );
  }
  return { tensors, metadata };
}
