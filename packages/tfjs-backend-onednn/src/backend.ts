/**
 * The `onednn` backend object: tfjs's cpu backend (same tensor storage, every kernel available) plus
 * what the native kernels need: zero-copy access to tensor data, output allocation (optionally
 * poisoned with NaN so a test catches unwritten elements) and a per-kernel timer.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { backend_util, DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";

/** Time and call count per kernel name, plus the convolution FLOPs done, while a profile is on. */
export interface KernelProfile {
  readonly millis: Map<string, number>;
  readonly calls: Map<string, number>;
  convFlops: number;
}

/** Below this many elements, a zeroed allocation costs nothing worth saving. */
const UNINITIALISED_MIN_SIZE = 1 << 14;

export class OnednnBackend extends MathBackendCPU {
  /** When true, outputs start as NaN, so a kernel that leaves elements unwritten fails its tests. */
  poisonOutputs = false;
  /** Non-null while a kernel profile is being recorded (see profileKernels). */
  profile: KernelProfile | null = null;

  /**
   * Filters copied into a convolution primitive's weights layout, per tensor and primitive (see
   * kernels/conv.ts); null marks a filter seen once. tfjs never changes a tensor's values under the
   * same dataId except through `move`, so an entry stays valid until that or disposal.
   */
  readonly preparedFilters = new WeakMap<DataId, Map<string, Float32Array | null>>();

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
    if (this.poisonOutputs) return new Float32Array(size).fill(Number.NaN);
    if (size < UNINITIALISED_MIN_SIZE) return new Float32Array(size);
    const bytes = Buffer.allocUnsafeSlow(size * Float32Array.BYTES_PER_ELEMENT);
    return new Float32Array(bytes.buffer, bytes.byteOffset, size);
  }

  allocateBools(size: number): Uint8Array {
    const values = new Uint8Array(size);
    // 2 is neither false (0) nor what a comparison writes (1).
    if (this.poisonOutputs) values.fill(2);
    return values;
  }

  override disposeData(dataId: DataId, force?: boolean): boolean {
    const disposed = super.disposeData(dataId, force);
    if (disposed) this.preparedFilters.delete(dataId);
    return disposed;
  }

  override move(
    dataId: DataId,
    values: backend_util.BackendValues,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    this.preparedFilters.delete(dataId);
    super.move(dataId, values, shape, dtype, refCount);
  }

  output(shape: number[], values: Float32Array | Uint8Array, dtype: DataType = "float32"): TensorInfo {
    return this.makeTensorInfo(shape, dtype, values);
  }
}
