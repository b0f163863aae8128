/**
 * Runs pair loading off the main thread: a pool of worker threads, or in-process when asked for zero
 * threads.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import sharp from "sharp";
import { loadPair, type PairJob, type PairResult } from "./decode.ts";
import type { JobMessage, ReplyMessage } from "./worker.ts";

export interface PairLoader {
  load(job: PairJob): Promise<PairResult>;
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (result: PairResult) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

// Loaded here first so that libvips stays loaded while workers come and go (sharp's advice for workers).
sharp.cache(false);

/**
 * What a worker runs: worker.js beside this module when it is built JavaScript. Our TypeScript source
 * (run under tsx, as the tests do) needs tsx's loader in the worker too, and `--import tsx` in a worker's
 * execArgv does not reach its entry module on Node 20; so a data: URL carries a two-line bootstrap that
 * registers tsx (tsx/esm/api, by absolute URL so it resolves from any current folder) and imports worker.ts.
 */
function workerEntry(): URL {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith(".ts")) return new URL("./worker.js", here);
  const bootstrap =
    `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};\n` +
    "register();\n" +
    `await import(${JSON.stringify(new URL("./worker.ts", here).href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

const workerUrl = workerEntry();

function startWorker(): PoolWorker {
  const worker = new Worker(workerUrl);
  const pending = new Map<number, Pending>();
  worker.on("message", (reply: ReplyMessage) => {
    const entry = pending.get(reply.id);
    if (!entry) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ("crash" in reply) entry.reject(new Error(`a loader thread failed: ${reply.crash}`));
    else entry.resolve(reply.result);
  });
  const failAll = (error: Error) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`a loader thread exited (code ${code})`)));
  // An idle pool must not keep the process alive; a busy one must.
  worker.unref();
  return { worker, pending };
}

class WorkerPool implements PairLoader {
  private readonly workers: PoolWorker[];
  private readonly inFlight = new Set<Promise<PairResult>>();
  private nextId = 0;

  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, startWorker);
  }

  load(job: PairJob): Promise<PairResult> {
    // The least busy worker takes the job.
    const target = this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
    const id = this.nextId++;
    const result = new Promise<PairResult>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.ref();
      target.worker.postMessage({ id, job } satisfies JobMessage);
    });
    this.inFlight.add(result);
    const forget = () => this.inFlight.delete(result);
    result.then(forget, forget);
    return result;
  }

  async close(): Promise<void> {
    // Terminating a worker inside a libvips call can take the process down: let running jobs finish.
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}

/**
 * A loader with `threads` worker threads (at most one per CPU core: more only compete for the cores),
 * or one that loads on the calling thread when threads is 0.
 */
export function createPairLoader(threads: number): PairLoader {
  if (threads === 0) return { load: loadPair, close: async () => {} };
  return new WorkerPool(Math.min(threads, availableParallelism()));
}
