/**
 * Runs pair loading off the main thread: a pool of worker threads, or in-process when asked for zero
 * threads.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import sharp from "sharp";
import { loadPair, type PairJob, type PairResult } from "./decode.ts";
import type { JobMessage, ReplyMessage } from "./worker-port.ts";

export interface PairLoader {
  load(job: PairJob): Promise<PairResult>;
  close(): Promise<void>;
}

// Loaded here first so that libvips stays loaded while workers come and go (sharp's advice for workers).
sharp.cache(false);

/**
 * What a worker runs: `<name>.js` beside the module `caller` (an `import.meta.url`) when that is built
 * JavaScript. Our TypeScript source (run under tsx, as the tests do) needs tsx's loader in the worker
 * too, and `--import tsx` in a worker's execArgv does not reach its entry module on Node 20; so a data:
 * URL carries a two-line bootstrap that registers tsx (tsx/esm/api, by absolute URL so it resolves from
 * any current folder) and imports `<name>.ts`.
 */
export function workerEntry(caller: string, name: string): URL {
  const here = new URL(caller);
  if (!here.pathname.endsWith(".ts")) return new URL(`./${name}.js`, here);
  const bootstrap =
    `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};\n` +
    "register();\n" +
    `await import(${JSON.stringify(new URL(`./${name}.ts`, here).href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

interface Pending<Result> {
  readonly resolve: (result: Result) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker<Result> {
  readonly worker: Worker;
  readonly pending: Map<number, Pending<Result>>;
}

function startWorker<Result>(entry: URL): PoolWorker<Result> {
  const worker = new Worker(entry);
  const pending = new Map<number, Pending<Result>>();
  worker.on("message", (reply: ReplyMessage<Result>) => {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ("crash" in reply) job.reject(new Error(`a worker thread failed: ${reply.crash}`));
    else job.resolve(reply.result);
  });
  const failAll = (error: Error) => {
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  };
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`a worker thread exited (code ${code})`)));
  // An idle pool must not keep the process alive; a busy one must.
  worker.unref();
  return { worker, pending };
}

/** Worker threads running the module `entry` (see `workerEntry` and `serveJobs`), jobs to the least busy. */
export class WorkerPool<Job, Result> {
  private readonly workers: PoolWorker<Result>[];
  private readonly inFlight = new Set<Promise<Result>>();
  private nextId = 0;

  constructor(entry: URL, threads: number) {
    this.workers = Array.from({ length: Math.min(threads, availableParallelism()) }, () =>
      startWorker<Result>(entry),
    );
  }

  /** Runs `job` on a worker; `transfer` lists buffers moved to the worker instead of copied. */
  run(job: Job, transfer: ArrayBuffer[] = []): Promise<Result> {
    const target = this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
    const id = this.nextId++;
    const result = new Promise<Result>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.ref();
      target.worker.postMessage({ id, job } satisfies JobMessage<Job>, transfer);
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

const pairWorker = workerEntry(import.meta.url, "worker");

/**
 * A loader with `threads` worker threads (at most one per CPU core: more only compete for the cores),
 * or one that loads on the calling thread when threads is 0.
 */
export function createPairLoader(threads: number): PairLoader {
  if (threads === 0) return { load: loadPair, close: async () => {} };
  const pool = new WorkerPool<PairJob, PairResult>(pairWorker, threads);
  return { load: (job) => pool.run(job), close: () => pool.close() };
}
