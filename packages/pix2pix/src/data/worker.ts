/** A loader worker thread: loads the pairs the main thread asks for and sends back their pixels. */
import { parentPort } from "node:worker_threads";
import { loadPair, type PairJob } from "./decode.ts";

export interface JobMessage {
  readonly id: number;
  readonly job: PairJob;
}

export type ReplyMessage =
  | { readonly id: number; readonly result: Awaited<ReturnType<typeof loadPair>> }
  | { readonly id: number; readonly crash: string };

const port = parentPort;
if (!port) throw new Error("data/worker.ts runs as a worker thread");

port.on("message", async ({ id, job }: JobMessage) => {
  try {
    const result = await loadPair(job);
    const transfer = result.ok
      ? [result.input.buffer as ArrayBuffer, result.target.buffer as ArrayBuffer]
      : [];
    port.postMessage({ id, result } satisfies ReplyMessage, transfer);
  } catch (error) {
    port.postMessage({ id, crash: (error as Error).stack ?? String(error) } satisfies ReplyMessage);
  }
});
