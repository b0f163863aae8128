/**
 * The `onednn` backend object: tfjs's cpu backend (same tensor storage, every kernel available) plus
 * what the native kernels need: zero-copy access to tensor data, output allocation (optionally
 * poisoned with NaN so a test catches unwritten elements) and a per-kernel timer.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { backend_util, DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";
import { adamUpdateInPlace, FUSED_ADAM_UPDATE, type FusedAdamUpdateAttrs } from "./kernels/adam.ts";

/** The time and number of calls of one kernel while a profile is on. */
export interface KernelTime {
  millis: number;
  calls: number;
}

/**
 * What a profile recorded, by kernel name: `kernels`, the calls each kernel of this backend served
 * (native, or the cpu backend's where there is no native one); `fallbacks`, the calls a native kernel
 * handed to the cpu kernel (a dtype or layout it does not cover), each counted there alone; and
 * `convFlops`, the FLOPs each native convolution kernel did (2 per multiply-add).
 */
export interface KernelProfile {
  readonly kernels: Map<string, KernelTime>;
  readonly fallbacks: Map<string, KernelTime>;
  readonly convFlops: Map<string, number>;
}

/** Adds one call of `kernelName` that took `millis` to `times` (a profile's kernels or fallbacks). */
export function recordKernelCall(times: Map<string, KernelTime>, kernelName: string, millis: number): void {
  const time = times.get(kernelName);
  if (time === undefined) times.set(kernelName, { millis, calls: 1 });
  else {
    time.millis += millis;
    time.calls += 1;
  }
}

/** Below this many elements, a zeroed allocation costs nothing worth saving. */
const UNINITIALISED_MIN_SIZE = 1 << 14;
/** Output buffers of at least this many elements are reused after their tensor's disposal. */
const POOLED_MIN_SIZE = 1 << 10;
/** The most bytes of free buffers the pool keeps; beyond it, disposed buffers go to the GC. */
const POOL_MAX_BYTES = 1 << 30;

/**
 * Where an output buffer stands: handed to a kernel (allocated), held by exactly one tensor (owned),
 * or seen anywhere else (shared: a second tensor views it, or a caller read it out), which makes it
 * unsafe ever to reuse.
 */
type BufferState = "allocated" | "owned" | "shared";

/**
 * Float32 output buffers of disposed tensors, by length. A training step allocates the same few
 * hundred buffers (1-2 GB) every time; taken fresh, each large one is page-faulted in and, worse,
 * counts as external memory that makes V8 run a full mark-compact every ~50 ms, whose concurrent
 * marking thread then competes with the two compute threads. Reused, the step allocates nothing.
 */
class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private bytes = 0;

  take(size: number): Float32Array | undefined {
    const buffer = this.free.get(size)?.pop();
    if (buffer !== undefined) this.bytes -= buffer.byteLength;
    return buffer;
  }

  give(buffer: Float32Array): void {
    if (this.bytes + buffer.byteLength > POOL_MAX_BYTES) return;
    let list = this.free.get(buffer.length);
    if (list === undefined) {
      list = [];
      this.free.set(buffer.length, list);
    }
    list.push(buffer);
    this.bytes += buffer.byteLength;
  }
}

export class OnednnBackend extends MathBackendCPU {
  /** When true, outputs start as NaN, so a kernel that leaves elements unwritten fails its tests. */
  poisonOutputs = false;
  /** Non-null while a kernel profile is being recorded (see startKernelProfile). */
  profile: KernelProfile | null = null;

  /**
   * Filters copied into a convolution primitive's weights layout, per tensor and layout (see
   * kernels/conv.ts); null marks a filter seen once. tfjs never changes a tensor's values under the
   * same dataId except through `move`, so an entry stays valid until that or disposal.
   */
  readonly preparedFilters = new WeakMap<DataId, Map<string, Float32Array | null>>();

  private readonly pool = new BufferPool();
  /** The buffers `allocate` handed out, while they live (see BufferState). */
  private readonly bufferStates = new WeakMap<ArrayBufferLike, BufferState>();

  constructor() {
    super();
    // The cpu backend warns on first use that tfjs-node would be faster; here that advice is wrong.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** The float32 values of a tensor, in place; undefined when it is not float32 (the caller delegates). */
  floats(t: TensorInfo): Float32Array | undefined {
    if (t.dtype !== "float32") return undefined;
    const values = this.data.get(t.dataId).values;
    return values instanceof Float32Array ? values : undefined;
  }

  /** The bool values of a tensor (tfjs keeps bool as Uint8Array), in place. */
  bools(t: TensorInfo): Uint8Array | undefined {
    if (t.dtype !== "bool") return undefined;
    const values = this.data.get(t.dataId).values;
    return values instanceof Uint8Array ? values : undefined;
  }

  /**
   * A new output buffer of `size` elements, NaN-filled when poisoning. Large buffers are left
   * uninitialised: every native kernel writes all of its output, and zero-filling would cost one more
   * pass over memory, which is what element-wise kernels are bound by.
   */
  allocate(size: number): Float32Array {
    const values = size < POOLED_MIN_SIZE ? new Float32Array(size) : this.allocatePooled(size);
    if (this.poisonOutputs) values.fill(Number.NaN);
    return values;
  }

  private allocatePooled(size: number): Float32Array {
    let values = this.pool.take(size);
    if (values === undefined) {
      if (size < UNINITIALISED_MIN_SIZE) {
        values = new Float32Array(size);
      } else {
        const bytes = Buffer.allocUnsafeSlow(size * Float32Array.BYTES_PER_ELEMENT);
        values = new Float32Array(bytes.buffer, bytes.byteOffset, size);
      }
    }
    this.bufferStates.set(values.buffer, "allocated");
    return values;
  }

  allocateBools(size: number): Uint8Array {
    const values = new Uint8Array(size);
    // 2 is neither false (0) nor what a comparison writes (1).
    if (this.poisonOutputs) values.fill(2);
    return values;
  }

  /**
   * Values from outside (tf.tensor's array; a cpu kernel that writes its output directly): a large
   * float32 array is copied into a buffer of this backend, so that no tensor aliases an array a caller
   * may still hold. Its buffer can then be reused after disposal and written in place: a model's weights,
   * made from arrays, get Adam's update over themselves from the first step instead of a second set of
   * weights while the first awaits garbage collection (~230 MB more at the first step's peak, at 256 px).
   */
  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    return super.write(this.adopted(values), shape, dtype);
  }

  /** A kernel's output, kept as given: a buffer from `allocate`, or a cpu kernel's new array or view. */
  override makeTensorInfo(
    shape: number[],
    dtype: DataType,
    values?: backend_util.BackendValues | string[],
  ): TensorInfo {
    if (values === undefined || dtype === "string") return super.makeTensorInfo(shape, dtype, values);
    this.registered(values as backend_util.BackendValues);
    return { dataId: super.write(values as backend_util.BackendValues, shape, dtype), shape, dtype };
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.markShared(values);
    return values;
  }

  override disposeData(dataId: DataId, force?: boolean): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const disposed = super.disposeData(dataId, force);
    if (disposed) {
      this.dropPreparedFilters(dataId);
      if (values instanceof Float32Array && this.bufferStates.get(values.buffer) === "owned") {
        this.pool.give(values);
      }
    }
    return disposed;
  }

  override move(
    dataId: DataId,
    values: backend_util.BackendValues,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    this.dropPreparedFilters(dataId);
    this.registered(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  /** Forgets the filter copies made from a tensor, whose values are gone or changed; their buffers are reused. */
  private dropPreparedFilters(dataId: DataId): void {
    for (const copy of this.preparedFilters.get(dataId)?.values() ?? []) {
      if (copy !== null) this.pool.give(copy);
    }
    this.preparedFilters.delete(dataId);
  }

  /** Whether `t` is the only tensor holding its values (refCount 1): no other tensor sees them change. */
  heldAlone(t: TensorInfo): boolean {
    return this.data.has(t.dataId) && this.refCount(t.dataId) === 1;
  }

  /**
   * Whether a kernel may write over `t`'s values: they are a buffer this backend allocated, held by
   * one tensor (refCount 1), never read out by a caller nor viewed by another tensor.
   */
  writableInPlace(t: TensorInfo): boolean {
    if (!this.heldAlone(t)) return false;
    const values = this.data.get(t.dataId).values;
    return ArrayBuffer.isView(values) && this.bufferStates.get(values.buffer) === "owned";
  }

  /**
   * Gives `t`, held alone (see heldAlone), new values from `allocate`: an update of values that others
   * may see (a caller's array, a read-out) without writing over them. The old buffer stays theirs.
   */
  replaceValues(t: TensorInfo, values: Float32Array): void {
    this.data.get(t.dataId).values = values;
    this.registered(values);
    this.dropPreparedFilters(t.dataId);
  }

  /** `t`'s values were written over in place: what was derived from them (filter copies) is stale. */
  valuesChanged(t: TensorInfo): void {
    this.dropPreparedFilters(t.dataId);
  }

  /**
   * PyTorch's Adam step (the FusedAdamUpdate kernel's) as new values of param and both moments, under
   * the same tensors (see kernels/adam.ts); false, with nothing written, where another tensor holds one.
   */
  adamUpdateInPlace(
    param: TensorInfo,
    grad: TensorInfo,
    expAvg: TensorInfo,
    expAvgSq: TensorInfo,
    attrs: FusedAdamUpdateAttrs,
  ): boolean {
    const start = performance.now();
    const done = adamUpdateInPlace(this, { param, grad, expAvg, expAvgSq }, attrs);
    if (done && this.profile !== null)
      recordKernelCall(this.profile.kernels, FUSED_ADAM_UPDATE, performance.now() - start);
    return done;
  }

  /** `values`, or a copy of them in a buffer of this backend when they are a large float32 array from outside. */
  private adopted(values: backend_util.BackendValues): backend_util.BackendValues {
    if (
      !(values instanceof Float32Array) ||
      values.length < POOLED_MIN_SIZE ||
      this.bufferStates.has(values.buffer)
    ) {
      this.registered(values);
      return values;
    }
    const copy = this.allocatePooled(values.length);
    copy.set(values);
    this.registered(copy);
    return copy;
  }

  /** A tensor now holds `values`: the first holder of a fresh buffer owns it; any other makes it shared. */
  private registered(values: backend_util.BackendValues): void {
    if (!ArrayBuffer.isView(values)) return;
    const state = this.bufferStates.get(values.buffer);
    if (state === "allocated") this.bufferStates.set(values.buffer, "owned");
    else if (state === "owned") this.bufferStates.set(values.buffer, "shared");
  }

  private markShared(values: backend_util.BackendValues): void {
    if (ArrayBuffer.isView(values) && this.bufferStates.has(values.buffer)) {
      this.bufferStates.set(values.buffer, "shared");
    }
  }

  output(shape: number[], values: Float32Array | Uint8Array, dtype: DataType = "float32"): TensorInfo {
    return this.makeTensorInfo(shape, dtype, values);
  }
}
