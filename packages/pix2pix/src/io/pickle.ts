/**
 * A restricted Python unpickler: reads the pickle opcodes a PyTorch state dict uses (protocols 2–5) and
 * resolves globals only from the caller's allowlist. A global outside it is refused by name before
 * anything is built, and nothing in a pickle is ever executed: "calls" (REDUCE, NEWOBJ) go only to the
 * allowlisted JavaScript functions. Opcodes that exist to call arbitrary classes (INST, OBJ) and any
 * unknown opcode are refused. Browser-safe.
 */

/** A Python dict (and OrderedDict): insertion-ordered, keyed by str or int. */
export class PyDict extends Map<unknown, unknown> {}

/** What an allowlisted global resolves to: a function REDUCE/NEWOBJ may call, or a plain marker value. */
export type PyGlobal = ((...args: unknown[]) => unknown) | { readonly marker: string };

export interface UnpickleOptions {
  /** Allowed globals by "module.name". */
  readonly globals: ReadonlyMap<string, PyGlobal>;
  /** Resolves BINPERSID references (PyTorch's storages). */
  readonly persistentLoad?: (pid: unknown) => unknown;
  /** Names the data in errors. */
  readonly source: string;
}

export class PickleRefusal extends Error {}

const MARK = Symbol("mark");

/** Reads one pickle starting at `offset`; returns its value and the offset just past its STOP. */
export function unpickle(
  bytes: Uint8Array,
  offset: number,
  options: UnpickleOptions,
): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = offset;
  const refuse = (why: string) => new PickleRefusal(`refusing to load ${options.source}: ${why}`);
  const need = (n: number) => {
    if (pos + n > bytes.length) throw refuse("the pickle is truncated");
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => view.getUint8(need(1));
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const i32 = () => view.getInt32(need(4), true);
  const u64 = () => Number(view.getBigUint64(need(8), true));
  const raw = (n: number) => bytes.subarray(need(n), pos);
  const utf8 = (n: number) => text.decode(raw(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw refuse("the pickle is truncated");
    const s = text.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw refuse("the pickle's stack underflows");
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw refuse("the pickle has no MARK");
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const top = () => stack[stack.length - 1];
  const lookup = (module: string, name: string): PyGlobal => {
    const found = options.globals.get(`${module}.${name}`);
    if (!found) {
      throw refuse(
        `it references the Python global '${module}.${name}', which a state dict never needs ` +
          `(allowed: ${[...options.globals.keys()].join(", ")}); it may be a malicious file`,
      );
    }
    return found;
  };
  const call = (callable: unknown, args: unknown) => {
    if (typeof callable !== "function")
      throw refuse("the pickle calls something that is not an allowed function");
    return callable(...(args as unknown[]));
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof PyDict)) throw refuse("SETITEMS on something that is not a dict");
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendTo = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) throw refuse("APPENDS on something that is not a list");
    list.push(...items);
  };
  const littleEndianInt = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (b.length > 0 && ((b[b.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const code = u8();
    switch (code) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        appendTo(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendTo(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(littleEndianInt(raw(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(littleEndianInt(raw(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(utf8(u32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(utf8(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(new Uint8Array(raw(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new Uint8Array(raw(u8())));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = code === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw refuse(`the pickle reads memo ${key}, never stored`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(lookup(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        stack.push(lookup(String(pop()), String(name)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: // BUILD: state for an object (OrderedDict's _metadata, a Parameter's hooks): not needed
        pop();
        break;
      case 0x51: {
        // BINPERSID
        if (!options.persistentLoad) throw refuse("the pickle has a persistent id where none is expected");
        stack.push(options.persistentLoad(pop()));
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw refuse(`unsupported pickle opcode 0x${code.toString(16)} at byte ${pos - 1}`);
    }
  }
}
