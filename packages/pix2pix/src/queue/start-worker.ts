/** A worker as `pix2pix worker` runs it: its backend chosen, its generator kept open between jobs. */
import { useBackend } from "../backend.ts";
import type { WorkerOptions } from "./options.ts";
import { openQueue } from "./queue.ts";
import { redisConnection, redisUrl } from "./redis-connection.ts";
import { jobTranslator } from "./translate-job.ts";
import { runWorker, type WorkerEvent, type WorkerSummary } from "./worker.ts";

export async function startWorker(
  o: WorkerOptions,
  stop: AbortSignal,
  onEvent: (event: WorkerEvent) => void,
): Promise<WorkerSummary> {
  const url = redisUrl(o.redis);
  // Redis first: an unreachable one is an error before the backend has been loaded for nothing.
  await (await openQueue(redisConnection(url, "brief"), o.queue)).close();
  const connection = redisConnection(url, "keep-reconnecting");
  const backend = await useBackend(o.backend);
  const { translate, release } = jobTranslator();
  try {
    const settings = {
      connection,
      queue: o.queue,
      backend,
      lockDurationMs: o.lockDuration,
      stalledIntervalMs: o.stalledInterval,
      ...(o.workerName !== undefined && { name: o.workerName }),
    };
    return await runWorker(settings, translate, stop, onEvent);
  } finally {
    release();
  }
}
