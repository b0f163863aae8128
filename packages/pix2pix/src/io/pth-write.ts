/**
 * A state dict as `torch.save(state_dict, f)` writes it (the zip format of torch ≥ 1.6): `<name>/data.pkl`,
 * a protocol-2 pickle of an OrderedDict whose tensors are `torch._utils._rebuild_tensor_v2` calls on
 * persistent storage ids; `<name>/data/<key>`, each tensor's storage, little-endian; `<name>/version`.
 * The pickle uses only globals and opcodes that `torch.load(weights_only=True)` accepts, so the
 * reference loads the file without running anything in it. Browser-safe (tensors in, bytes out).
 */
import { zipSync } from "fflate";
import { strides } from "../nn/layout.ts";
import type { HostTensor } from "./safetensors-codec.ts";

/** The pickle opcodes used (Python's pickle module names them). */
const OP = {
  PROTO: 0x80,
  GLOBAL: 0x63, // c
  EMPTY_TUPLE: 0x29, // )
  REDUCE: 0x52, // R
  MARK: 0x28, // (
  TUPLE: 0x74, // t
  BINUNICODE: 0x58, // X
  BININT: 0x4a, // J
  BINPERSID: 0x51, // Q
  NEWFALSE: 0x89,
  SETITEMS: 0x75, // u
  STOP: 0x2e, // .
} as const;

const STORAGES: Readonly<Record<HostTensor["dtype"], string>> = {
  float32: "FloatStorage",
  int64: "LongStorage",
};

/** Appends pickle opcodes and their arguments. */
class PickleWriter {
  private readonly parts: number[] = [];
  private readonly text = new TextEncoder();

  op(code: number): this {
    this.parts.push(code);
    return this;
  }

  global(module: string, name: string): this {
    this.op(OP.GLOBAL);
    for (const byte of this.text.encode(`${module}\n${name}\n`)) this.parts.push(byte);
    return this;
  }

  string(value: string): this {
    const bytes = this.text.encode(value);
    this.op(OP.BINUNICODE).uint32(bytes.length);
    for (const byte of bytes) this.parts.push(byte);
    return this;
  }

  int(value: number): this {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
      throw new Error(`${value} does not fit a pickle BININT`);
    }
    return this.op(OP.BININT).uint32(value >>> 0);
  }

  tuple(values: readonly number[]): this {
    if (values.length === 0) return this.op(OP.EMPTY_TUPLE);
    this.op(OP.MARK);
    for (const v of values) this.int(v);
    return this.op(OP.TUPLE);
  }

  private uint32(value: number): this {
    this.parts.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())` for storage `key`. */
function writeTensor(p: PickleWriter, tensor: HostTensor, key: string): void {
  p.global("torch._utils", "_rebuild_tensor_v2").op(OP.MARK);
  p.op(OP.MARK).string("storage").global("torch", STORAGES[tensor.dtype]).string(key).string("cpu");
  p.int(tensor.data.length).op(OP.TUPLE).op(OP.BINPERSID);
  p.int(0).tuple(tensor.shape).tuple(strides(tensor.shape)).op(OP.NEWFALSE);
  p.global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE);
  p.op(OP.TUPLE).op(OP.REDUCE);
}

/** The bytes of a `.pth` file holding `dict`; `name` is the archive's folder (torch uses the file's stem). */
export function encodePth(dict: ReadonlyMap<string, HostTensor>, name = "archive"): Uint8Array {
  const p = new PickleWriter().op(OP.PROTO).op(2);
  p.global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE);
  const files: Record<string, Uint8Array> = {};
  if (dict.size > 0) {
    p.op(OP.MARK);
    let index = 0;
    for (const [key, tensor] of dict) {
      const storage = String(index++);
      p.string(key);
      writeTensor(p, tensor, storage);
      const { buffer, byteOffset, byteLength } = tensor.data;
      files[`${name}/data/${storage}`] = new Uint8Array(buffer, byteOffset, byteLength); // little-endian hosts
    }
    p.op(OP.SETITEMS);
  }
  p.op(OP.STOP);
  const text = new TextEncoder();
  return zipSync(
    {
      [`${name}/data.pkl`]: p.bytes(),
      ...files,
      [`${name}/version`]: text.encode("3\n"),
      [`${name}/byteorder`]: text.encode("little"),
    },
    { level: 0 }, // stored, as torch.save does
  );
}
