/**
 * Decoding and encoding for `translate` on worker threads (data/pool.ts's WorkerPool), so that the
 * main thread only feeds the network: the bicubic scaling and the byte ↔ float conversions are
 * JavaScript and would otherwise wait for (and hold up) the forward passes.
 */
import { WorkerPool, workerEntry } from "../data/pool.ts";
import { type ImageData32, type ImagePixels, type ImageSize, readImage, writeImage } from "../io/images.ts";

export type ImageJob =
  | { readonly kind: "read"; readonly file: string; readonly channels: 1 | 3; readonly size: ImageSize }
  | {
      readonly kind: "write";
      readonly file: string;
      readonly image: ImagePixels;
      readonly resize?: ImageSize;
    };

export type ImageJobResult =
  | { readonly ok: true; readonly image?: ImageData32 }
  | { readonly ok: false; readonly reason: string };

export interface ImageWork {
  /** The image scaled to `size` (as readImage). */
  read(file: string, channels: 1 | 3, size: ImageSize): Promise<ImageData32>;
  /** Writes the image atomically (as writeImage); its pixels move to the worker and are gone here. */
  write(file: string, image: ImagePixels, resize?: ImageSize): Promise<void>;
  close(): Promise<void>;
}

const entry = workerEntry(import.meta.url, "translate-worker");

/** Image work on `threads` worker threads (at most one per core), or on this thread when 0. */
export function imageWork(threads: number): ImageWork {
  if (threads === 0) {
    return { read: readImage, write: writeImage, close: async () => {} };
  }
  const pool = new WorkerPool<ImageJob, ImageJobResult>(entry, threads);
  const run = async (job: ImageJob, transfer: ArrayBuffer[] = []) => {
    const result = await pool.run(job, transfer);
    if (!result.ok) throw new Error(result.reason);
    return result.image;
  };
  return {
    async read(file, channels, size) {
      const image = await run({ kind: "read", file, channels, size });
      if (!image) throw new Error(`a worker thread read ${file} but sent back no pixels`);
      return image;
    },
    async write(file, image, resize) {
      await run({ kind: "write", file, image, ...(resize && { resize }) }, [
        image.data.buffer as ArrayBuffer,
      ]);
    },
    close: () => pool.close(),
  };
}
