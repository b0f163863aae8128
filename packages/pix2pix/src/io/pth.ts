/**
 * PyTorch checkpoints (`torch.save(state_dict, f)`) to state dicts, without Python and without running
 * anything in the file: the pickles go through the restricted unpickler with only the globals a state
 * dict needs. Both formats: the zip format of torch ≥ 1.6 (`<name>/data.pkl` + `<name>/data/<key>`
 * storages) and the legacy one (magic number, protocol, sys_info, the state-dict pickle, the storage
 * keys, then each storage as an int64 element count and raw bytes) in which the reference's pretrained
 * pix2pix models are. Browser-safe (bytes in, tensors out).
 */
import { unzipSync } from "fflate";
import { UserError } from "../errors.ts";
import { strides } from "../nn/layout.ts";
import { PickleRefusal, PyDict, type PyGlobal, unpickle } from "./pickle.ts";
import type { HostTensor, StateDict } from "./safetensors-codec.ts";

type ElementKind =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool";

const STORAGE_TYPES: Readonly<Record<string, ElementKind>> = {
  FloatStorage: "float32",
  DoubleStorage: "float64",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
};

const ELEMENT_BYTES: Readonly<Record<ElementKind, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** A storage named by a persistent id; its bytes are found after unpickling. */
interface StorageRef {
  readonly key: string;
  readonly kind: ElementKind;
  /** Elements into the root storage (legacy views). */
  readonly elementOffset: number;
}

/** A tensor as pickled: a strided view of a storage, materialized once the storages are read. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown): TensorRef {
  return new TensorRef(
    storage as StorageRef,
    Number(offset),
    (size as unknown[]).map(Number),
    (stride as unknown[]).map(Number),
  );
}

/** The only globals a state dict needs. */
function stateDictGlobals(): Map<string, PyGlobal> {
  const globals = new Map<string, PyGlobal>([
    ["collections.OrderedDict", () => new PyDict()],
    ["torch._utils._rebuild_tensor_v2", rebuildTensor],
    ["torch._utils._rebuild_tensor", rebuildTensor],
    ["torch._utils._rebuild_parameter", (data: unknown) => data],
  ]);
  for (const name of Object.keys(STORAGE_TYPES)) globals.set(`torch.${name}`, { marker: name });
  return globals;
}

function persistentLoad(source: string) {
  return (pid: unknown): StorageRef => {
    const fields = pid as unknown[];
    const type = (fields[1] as { marker?: string } | undefined)?.marker;
    if (!Array.isArray(pid) || fields[0] !== "storage" || type === undefined) {
      throw new UserError(`cannot read ${source}: unexpected persistent id ${JSON.stringify(pid)}`);
    }
    const view = fields[5] as unknown[] | null | undefined; // legacy: (view_key, offset, size) or None
    return {
      key: String(fields[2]),
      kind: STORAGE_TYPES[type] as ElementKind,
      elementOffset: view ? Number(view[1]) : 0,
    };
  };
}

/** A storage's bytes as values: every float kind as float32, every integer kind as int64. */
function decodeStorage(bytes: Uint8Array, kind: ElementKind): Float32Array | BigInt64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.length / ELEMENT_BYTES[kind]);
  // Plain loops: TypedArray.from with a map function is some 30x slower, seconds for a generator.
  const floats = (read: (i: number) => number) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = read(i);
    return out;
  };
  const ints = (read: (i: number) => bigint) => {
    const out = new BigInt64Array(count);
    for (let i = 0; i < count; i++) out[i] = read(i);
    return out;
  };
  switch (kind) {
    case "float32": // little-endian like every platform we run on: an aligned copy is the decoding
      return new Float32Array(new Uint8Array(bytes.subarray(0, count * 4)).buffer);
    case "float64":
      return floats((i) => view.getFloat64(8 * i, true));
    case "float16":
      return floats((i) => halfToFloat(view.getUint16(2 * i, true)));
    case "bfloat16":
      return floats((i) => {
        const scratch = new DataView(new ArrayBuffer(4));
        scratch.setUint32(0, view.getUint16(2 * i, true) << 16);
        return scratch.getFloat32(0);
      });
    case "int64":
      return new BigInt64Array(new Uint8Array(bytes.subarray(0, count * 8)).buffer);
    case "int32":
      return ints((i) => BigInt(view.getInt32(4 * i, true)));
    case "int16":
      return ints((i) => BigInt(view.getInt16(2 * i, true)));
    case "int8":
      return ints((i) => BigInt(view.getInt8(i)));
    case "uint8":
    case "bool":
      return ints((i) => BigInt(view.getUint8(i)));
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Gathers a strided view into a dense row-major tensor (a plain copy when it is already dense). */
function materialize(
  key: string,
  t: TensorRef,
  storage: Float32Array | BigInt64Array,
  source: string,
): HostTensor {
  const count = t.shape.reduce((a, b) => a * b, 1);
  const base = t.storage.elementOffset + t.offset;
  const positions = (): number[] => {
    const index = new Array<number>(t.shape.length).fill(0);
    const result = new Array<number>(count);
    for (let n = 0; n < count; n++) {
      result[n] = index.reduce((sum, i, d) => sum + i * (t.stride[d] as number), base);
      for (let d = index.length - 1; d >= 0; d--) {
        index[d] = (index[d] as number) + 1;
        if ((index[d] as number) < (t.shape[d] as number)) break;
        index[d] = 0;
      }
    }
    return result;
  };
  const dense = strides(t.shape).every((s, d) => s === t.stride[d] || (t.shape[d] as number) === 1);
  const end = base + (dense ? count : Math.max(0, ...positions()) + 1 - base);
  if (count > 0 && end > storage.length)
    throw new UserError(`cannot read ${source}: tensor ${key} lies outside its storage`);
  if (storage instanceof Float32Array) {
    const data = dense
      ? storage.slice(base, base + count)
      : Float32Array.from(positions(), (p) => storage[p] as number);
    return { dtype: "float32", shape: t.shape, data };
  }
  const data = dense
    ? storage.slice(base, base + count)
    : BigInt64Array.from(positions(), (p) => storage[p] as bigint);
  return { dtype: "int64", shape: t.shape, data };
}

function toStateDict(
  value: unknown,
  storageBytes: (ref: StorageRef) => Uint8Array,
  source: string,
): StateDict {
  if (!(value instanceof PyDict)) {
    throw new UserError(
      `${source} does not hold a state dict`,
      "save the network's state_dict(), as the reference does",
    );
  }
  const decoded = new Map<string, Float32Array | BigInt64Array>();
  const dict: StateDict = new Map();
  for (const [key, tensor] of value) {
    if (!(tensor instanceof TensorRef)) {
      throw new UserError(
        `${source}: entry '${String(key)}' is not a tensor`,
        "save the network's state_dict(), as the reference does",
      );
    }
    const id = tensor.storage.key;
    let storage = decoded.get(id);
    if (!storage) {
      storage = decodeStorage(storageBytes(tensor.storage), tensor.storage.kind);
      decoded.set(id, storage);
    }
    dict.set(String(key), materialize(String(key), tensor, storage, source));
  }
  return dict;
}

function readZip(bytes: Uint8Array, source: string): StateDict {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new UserError(`cannot read ${source}: broken zip archive (${(error as Error).message})`);
  }
  const pickleName = Object.keys(files).find((name) => name.endsWith("data.pkl"));
  if (!pickleName) throw new UserError(`${source} is a zip file but not a PyTorch checkpoint (no data.pkl)`);
  const prefix = pickleName.slice(0, -"data.pkl".length);
  const byteorder = files[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== "little") {
    throw new UserError(`${source} was saved on a big-endian machine, which is not supported`);
  }
  const options = { globals: stateDictGlobals(), persistentLoad: persistentLoad(source), source };
  const { value } = unpickle(files[pickleName] as Uint8Array, 0, options);
  return toStateDict(
    value,
    (ref) => {
      const data = files[`${prefix}data/${ref.key}`];
      if (!data) throw new UserError(`cannot read ${source}: storage data/${ref.key} is missing`);
      return data;
    },
    source,
  );
}

function readLegacy(bytes: Uint8Array, source: string): StateDict {
  const plain = { globals: new Map<string, PyGlobal>(), source };
  const magic = unpickle(bytes, 0, plain);
  if (BigInt(magic.value as bigint) !== MAGIC_NUMBER)
    throw new UserError(`${source} is not a PyTorch checkpoint`);
  const protocol = unpickle(bytes, magic.end, plain);
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new UserError(`${source} has an unsupported legacy protocol version ${String(protocol.value)}`);
  }
  const sysInfo = unpickle(bytes, protocol.end, plain);
  if (sysInfo.value instanceof PyDict && sysInfo.value.get("little_endian") === false) {
    throw new UserError(`${source} was saved on a big-endian machine, which is not supported`);
  }
  const options = { globals: stateDictGlobals(), persistentLoad: persistentLoad(source), source };
  const result = unpickle(bytes, sysInfo.end, options);
  const keys = unpickle(bytes, result.end, plain);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let pos = keys.end;
  const kinds = new Map<string, ElementKind>();
  collectKinds(result.value, kinds);
  for (const key of keys.value as unknown[]) {
    const kind = kinds.get(String(key)) ?? "float32";
    if (pos + 8 > bytes.length) throw new UserError(`cannot read ${source}: the file is truncated`);
    const size = Number(view.getBigInt64(pos, true)) * ELEMENT_BYTES[kind];
    pos += 8;
    if (pos + size > bytes.length) throw new UserError(`cannot read ${source}: the file is truncated`);
    storages.set(String(key), bytes.subarray(pos, pos + size));
    pos += size;
  }
  return toStateDict(
    result.value,
    (ref) => {
      const data = storages.get(ref.key);
      if (!data) throw new UserError(`cannot read ${source}: storage ${ref.key} is missing`);
      return data;
    },
    source,
  );
}

/** Storage key → element kind, from the tensors that refer to them (the raw storages carry no type). */
function collectKinds(value: unknown, kinds: Map<string, ElementKind>): void {
  if (value instanceof PyDict) {
    for (const v of value.values()) if (v instanceof TensorRef) kinds.set(v.storage.key, v.storage.kind);
  }
}

/** Reads a `.pth` checkpoint holding a state dict; refuses, naming it, any global a state dict never needs. */
export function parsePth(bytes: Uint8Array, source: string): StateDict {
  try {
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readZip(bytes, source); // "PK": zip
    if (bytes[0] === 0x80) return readLegacy(bytes, source); // a pickle's PROTO opcode
  } catch (error) {
    if (error instanceof PickleRefusal)
      throw new UserError(error.message, "only load checkpoints from sources you trust");
    throw error;
  }
  throw new UserError(`${source} is not a PyTorch checkpoint (neither a zip archive nor a legacy pickle)`);
}
