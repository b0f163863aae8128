/**
 * `pix2pix worker`: translates queued images until SIGINT or SIGTERM, which let the image in hand
 * finish before it exits 0 (a second signal exits at once; that image goes back to the queue).
 */
import path from "node:path";
import { workerOptions } from "../../queue/options.ts";
import type { WorkerEvent } from "../../queue/worker.ts";
import { defineCommand } from "../command.ts";

function describe(event: WorkerEvent): string {
  switch (event.kind) {
    case "ready":
      return `worker ${event.name} (${event.backend} backend): taking jobs from '${event.queue}' at ${event.url}; SIGINT or SIGTERM: finish the current image, then exit`;
    case "start":
      return `start ${event.id} ${event.job.input}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`;
    case "done":
      return event.outcome.skipped
        ? `skip ${event.id} ${event.job.output}: it exists`
        : `done ${event.id} ${event.job.output} (${event.outcome.milliseconds} ms)`;
    case "failed":
      return `fail ${event.id} ${path.basename(event.job.input)}: ${event.reason}${event.retrying ? " (will retry)" : ""}`;
    case "redis-unreachable":
      return `Redis at ${event.url} unreachable (${event.reason}): reconnecting`;
    case "lock-lost":
      return (
        `job ${event.id}: its lock ran out (--lock-duration ${event.lockDurationMs} ms) while one forward ` +
        "pass held this worker, so the queue takes it for stalled: it runs again (outputs are written whole, " +
        "so nothing is corrupted) and fails if it stalls twice. Give --lock-duration more than the longest " +
        "forward pass"
      );
    case "error":
      return `error: ${event.reason}`;
  }
}

export const workerCommand = defineCommand({
  options: workerOptions,
  positionals: [],
  examples: [
    "pix2pix worker --redis redis://queue-host:6379",
    "PIX2PIX_REDIS_URL=redis://queue-host:6379 pix2pix worker --backend onednn --worker-name box-1",
  ],
  async run(options) {
    const { startWorker } = await import("../../queue/start-worker.ts");
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        console.log(`${signal} again: exiting now (the image in hand goes back to the queue)`);
        process.exit(130);
      }
      console.log(`${signal}: finishing the current image, then exiting`);
      stop.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const summary = await startWorker(options, stop.signal, (event) => console.log(describe(event)));
    console.log(
      `stopped: ${summary.translated} translated, ${summary.skipped} skipped (output existed), ${summary.failedAttempts} failed attempts`,
    );
  },
});
