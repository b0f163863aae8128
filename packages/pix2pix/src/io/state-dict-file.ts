/** State dicts from files (Node): safetensors, or a PyTorch checkpoint through the restricted unpickler. */
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.ts";
import { parsePth } from "./pth.ts";
import { readSafetensors } from "./safetensors.ts";
import type { StateDict } from "./safetensors-codec.ts";

/** Reads a state dict from a safetensors file, or from a PyTorch checkpoint when it ends in .pth or .pt. */
export async function readStateDictFile(
  path: string,
): Promise<{ tensors: StateDict; metadata: Record<string, string> }> {
  if (!/\.pth?$/i.test(path)) return readSafetensors(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return { tensors: parsePth(bytes, path), metadata: {} };
}
