/**
 * Whole-file writes that a crash cannot tear: the bytes go to a temporary file in the same folder,
 * are fsynced, and the temporary file is renamed over the target (atomic on POSIX file systems), so a
 * reader — or a run resumed after kill -9 — sees either the previous file or the new one, never half.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors.ts";

/** A write failure the user can act on (full disk, read-only or unwritable folder), as a UserError. */
export function writeError(file: string, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const reasons: Record<string, string> = {
    ENOSPC: "no space left on the device",
    EDQUOT: "disk quota exceeded",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EROFS: "read-only file system",
    ENOTDIR: "a path component is not a folder",
  };
  const reason = code ? reasons[code] : undefined;
  if (!reason) return error;
  return new UserError(`cannot write ${file}: ${reason}`, "free space or choose a writable folder");
}

export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await writeAtomically(file, async (temp) => {
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  });
}

/**
 * The same for a writer that needs a path (an encoder streaming to a file too large to hold):
 * `write` creates the temporary file it is given, which is then fsynced and renamed over `file`.
 */
export async function writeAtomically(file: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await write(temp);
    const handle = await open(temp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw writeError(file, error);
  }
  await syncFolder(path.dirname(file));
}

/** Makes the rename itself durable. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
