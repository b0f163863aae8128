/** safetensors files on disk (Node): atomic writes (temp file, fsync, rename), readable errors. */
import { open, readFile, rename, rm } from "node:fs/promises";
import { UserError } from "../errors.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type HostTensor,
  type SafetensorsContent,
} from "./safetensors-codec.ts";

export type { HostTensor, SafetensorsContent } from "./safetensors-codec.ts";

export async function readSafetensors(path: string): Promise<SafetensorsContent> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return decodeSafetensors(bytes, path);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

/** Writes to `path.tmp-<pid>`, fsyncs it and renames it over `path`, so a crash never leaves half a file. */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, HostTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  const temp = `${path}.tmp-${process.pid}`;
  const file = await open(temp, "w");
  try {
    await file.writeFile(bytes);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  await rename(temp, path);
}
