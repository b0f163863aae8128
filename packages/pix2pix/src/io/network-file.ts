/** A network's weights as a file (Node): safetensors we write, or a reference checkpoint to read. */
import type { Network } from "../nn/network.ts";
import { writeSafetensors } from "./safetensors.ts";
import { loadNetworkStateDict, networkStateDict } from "./state-dict.ts";
import { readStateDictFile } from "./state-dict-file.ts";

/** Writes `net` as a safetensors file (atomically), under the reference's keys and layouts. */
export async function saveNetwork(
  path: string,
  net: Network,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeSafetensors(path, networkStateDict(net), metadata);
}

/** Loads `net` from a safetensors or .pth file; returns the file's metadata (none for .pth). */
export async function loadNetwork(path: string, net: Network): Promise<Record<string, string>> {
  const { tensors, metadata } = await readStateDictFile(path);
  loadNetworkStateDict(net, tensors, path);
  return metadata;
}
