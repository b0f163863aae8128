/** `pix2pix queue status`: waiting, active, done and failed jobs, what runs now, and why jobs failed. */
import { queueStatusOptions } from "../../queue/options.ts";
import type { QueueStatus } from "../../queue/status.ts";
import { defineCommand } from "../command.ts";

function formatStatus(status: QueueStatus, where: string): string {
  const lines = [
    `${where}: ${status.waiting} waiting, ${status.active} active, ${status.done} done, ${status.failed} failed` +
      (status.retrying > 0 ? ` (${status.retrying} failed once, waiting to retry)` : ""),
  ];
  for (const job of status.activeJobs) {
    lines.push(`  active  ${job.input}  ${job.progress}%  on ${job.worker}  (attempt ${job.attempt})`);
  }
  for (const job of status.failedJobs) {
    lines.push(`  failed  ${job.input}  after ${job.attempts} attempts: ${job.reason}`);
  }
  return lines.join("\n");
}

export const queueStatusCommand = defineCommand({
  options: queueStatusOptions,
  positionals: [],
  examples: ["pix2pix queue status --redis redis://queue-host:6379", "pix2pix queue status --json"],
  async run(options) {
    const { readQueueStatus } = await import("../../queue/status.ts");
    const { url, status } = await readQueueStatus(options);
    console.log(
      options.json ? JSON.stringify(status, null, 2) : formatStatus(status, `'${options.queue}' at ${url}`),
    );
  },
});
