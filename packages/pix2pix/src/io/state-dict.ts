/**
 * A network's variables as a PyTorch state dict: reference keys, PyTorch layouts (OIHW, IOHW), and
 * num_batches_tracked as int64, so that files we write load into the reference's model classes and
 * theirs load here. Browser-safe: io/network-file.ts reads and writes them as files (Node).
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../errors.ts";
import { tfjsToTorch, torchShape, torchToTfjs } from "../nn/layout.ts";
import type { Network } from "../nn/network.ts";
import type { HostTensor, StateDict } from "./safetensors-codec.ts";

const COUNTER_SUFFIX = "num_batches_tracked";

/** Every parameter and buffer of `net`, copied to the host in PyTorch layout. */
export function networkStateDict(net: Network): StateDict {
  const dict: StateDict = new Map();
  for (const [key, v] of [...net.params, ...net.buffers]) {
    if (v.dtype === "int32") {
      dict.set(key, { dtype: "int64", shape: v.shape, data: BigInt64Array.from(v.dataSync(), BigInt) });
    } else {
      const { shape, data } = tfjsToTorch({ shape: v.shape, data: v.dataSync() as Float32Array });
      dict.set(key, { dtype: "float32", shape, data: Float32Array.from(data) });
    }
  }
  return dict;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function listed(title: string, items: string[]): string[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, 12).join(", ");
  return [`${title} (${items.length}): ${shown}${items.length > 12 ? ", …" : ""}`];
}

/**
 * Sets every variable of `net` from `dict` (PyTorch layout). All mismatches are reported at once:
 * missing, unexpected and mis-shaped keys. A missing num_batches_tracked is allowed and left as it is,
 * as PyTorch allows it for checkpoints older than 0.4.1 (the reference's pretrained models).
 */
export function loadNetworkStateDict(
  net: Network,
  dict: ReadonlyMap<string, HostTensor>,
  source = "the state dict",
): void {
  const variables = new Map([...net.params, ...net.buffers]);
  const missing = [...variables.keys()].filter((k) => !dict.has(k) && !k.endsWith(COUNTER_SUFFIX));
  const unexpected = [...dict.keys()].filter((k) => !variables.has(k));
  const misshaped: string[] = [];
  for (const [key, v] of variables) {
    const entry = dict.get(key);
    if (!entry) continue;
    const expected = torchShape(v.shape);
    const isCounter = v.dtype === "int32";
    if (!sameShape(entry.shape, expected) || (entry.dtype === "int64") !== isCounter) {
      misshaped.push(
        `${key} is ${entry.dtype}[${entry.shape}], expected ${isCounter ? "int64" : "float32"}[${expected}]`,
      );
    }
  }
  if (missing.length + unexpected.length + misshaped.length > 0) {
    throw new UserError(
      [
        `${source} does not fit this network`,
        ...listed("missing keys", missing),
        ...listed("unexpected keys", unexpected),
        ...listed("mis-shaped keys", misshaped),
      ].join("; "),
      "check the architecture options (--netG, --netD, --ngf, --ndf, --norm, --n-layers-D, --input-nc, --output-nc)",
    );
  }
  for (const [key, v] of variables) {
    const entry = dict.get(key);
    if (!entry) continue;
    const value =
      entry.dtype === "int64"
        ? tf.tensor(Int32Array.from(entry.data, Number), v.shape, "int32")
        : tf.tensor(torchToTfjs(entry).data, v.shape, "float32");
    v.assign(value);
    value.dispose();
  }
}

/**
 * The reference's __patch_instance_norm_state_dict: checkpoints saved with PyTorch < 0.4 carry running
 * statistics for InstanceNorm layers, which have none now. Removes such entries — running stats that
 * `net` has no buffer for — from `dict` and returns their keys.
 */
export function dropInstanceNormStats(dict: Map<string, HostTensor>, net: Network): string[] {
  const stale = [...dict.keys()].filter(
    (key) => /\.(running_mean|running_var|num_batches_tracked)$/.test(key) && !net.buffers.has(key),
  );
  for (const key of stale) dict.delete(key);
  return stale;
}
