/** A translate worker thread: decodes inputs at the network's size and encodes outputs (see translate-threads.ts). */
import { serveJobs } from "../data/worker-port.ts";
import { readImage, writeImage } from "../io/images.ts";
import type { ImageJob, ImageJobResult } from "./translate-threads.ts";

async function handle(job: ImageJob): Promise<ImageJobResult> {
  try {
    if (job.kind === "read") return { ok: true, image: await readImage(job.file, job.channels, job.size) };
    await writeImage(job.file, job.image, job.resize);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

serveJobs(handle, (result) => (result.ok && result.image ? [result.image.data.buffer as ArrayBuffer] : []));
