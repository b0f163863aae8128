/**
 * Queue throughput (issue 15 item 5): images/s through `pix2pix queue add` + 1 and then 2 `pix2pix worker`
 * processes on this machine, against single-process translation (infer's translateFile in a loop, what
 * `pix2pix translate` runs per image) measured in the same run, as ratios. A throwaway redis-server on a
 * loopback port holds the queue. Each worker count is timed after a warm-up job per worker (the model
 * loaded), from the moment the images are queued until the last is done. Prints one JSON line.
 *
 * usage: node --import tsx tools/queue-bench.ts [--images 12] [--size 256] [--ngf 64] [--net unet_256]
 * (needs redis-server on PATH and BullMQ's ioredis driver installed)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { useBackend } from "../packages/pix2pix/src/backend.ts";
import { fileTranslationOptions, translateFile } from "../packages/pix2pix/src/infer/translate-file.ts";
import { openTranslator } from "../packages/pix2pix/src/infer/translate-image.ts";
import { translateOptions } from "../packages/pix2pix/src/infer/translate-options.ts";
import { saveNetwork } from "../packages/pix2pix/src/io/network-file.ts";
import { createGenerator } from "../packages/pix2pix/src/models/index.ts";
import { GENERATORS, type GeneratorName } from "../packages/pix2pix/src/models/options.ts";
import { resolveOptions } from "../packages/pix2pix/src/options/schema.ts";
import { queueImages } from "../packages/pix2pix/src/queue/add.ts";
import { startLocalRedis } from "../packages/pix2pix/src/queue/local-redis.ts";
import { queueAddOptions } from "../packages/pix2pix/src/queue/options.ts";
import { openQueue } from "../packages/pix2pix/src/queue/queue.ts";
import { redisConnection } from "../packages/pix2pix/src/queue/redis-connection.ts";
import { queueStatus } from "../packages/pix2pix/src/queue/status.ts";
import { Rng } from "../packages/pix2pix/src/random.ts";
import { writeRgb } from "../packages/pix2pix/test/image-files.ts";

const { values } = parseArgs({
  options: {
    images: { type: "string", default: "12" },
    size: { type: "string", default: "256" },
    ngf: { type: "string", default: "64" },
    net: { type: "string", default: "unet_256" },
  },
});
const [images, size, ngf] = [Number(values.images), Number(values.size), Number(values.ngf)];
const netG = GENERATORS.find((name) => name === values.net);
if (!netG) throw new Error(`--net must be one of ${GENERATORS.join(", ")}`);

const cli = path.resolve(import.meta.dirname, "../packages/pix2pix/test/pix2pix-source.js");
const root = mkdtempSync(path.join(tmpdir(), "pix2pix-queue-bench-"));
const model = path.join(root, "g.safetensors");

async function writeImages(folder: string, count: number, seed: number): Promise<string> {
  for (let i = 0; i < count; i++) {
    const value = (x: number, y: number, c: number) =>
      ((x * 73 + y * 151 + c * 37 + (seed + i) * 997) * 2654435761) % 256;
    await writeRgb(path.join(folder, `${i}.png`), size, size, (x, y) => [
      value(x, y, 0),
      value(x, y, 1),
      value(x, y, 2),
    ]);
  }
  return folder;
}

async function makeModel(name: GeneratorName): Promise<void> {
  const g = createGenerator(
    {
      netG: name,
      ngf,
      norm: "batch",
      dropout: true,
      initType: "normal",
      initGain: 0.02,
      inputNc: 3,
      outputNc: 3,
    },
    Rng.fromSeed(0),
  );
  await saveNetwork(model, g);
  g.dispose();
}

/** Images/s of translateFile over `folder`'s images in this process, the generator opened once. */
async function singleProcess(folder: string): Promise<number> {
  const o = resolveOptions(translateOptions, { model, output: path.join(root, "single"), loadSize: size });
  const { generator, size: networkSize } = await openTranslator(o, { loadSize: size });
  const options = fileTranslationOptions(o, networkSize);
  const output = (i: number) => path.join(root, "single", `${i}.png`);
  await translateFile(generator, path.join(folder, "0.png"), output(0), options); // warm-up
  const started = performance.now();
  for (let i = 0; i < images; i++)
    await translateFile(generator, path.join(folder, `${i}.png`), output(i), options);
  const seconds = (performance.now() - started) / 1000;
  generator.network.dispose();
  return images / seconds;
}

/** Images/s through the queue with `workers` worker processes, after one warm-up image each. */
async function throughQueue(url: string, workers: number, folder: string): Promise<number> {
  const name = `bench-${workers}`;
  const queue = await openQueue(redisConnection(url, "brief"), name);
  const add = async (inputs: string, output: string) => {
    const given = { model, output, loadSize: size, redis: url, queue: name };
    await queueImages([inputs], resolveOptions(queueAddOptions, given), given);
  };
  const children: ChildProcess[] = [];
  const finished = async (count: number) => {
    for (;;) {
      const dead = children.find((child) => child.exitCode !== null);
      if (dead) throw new Error(`a worker exited with status ${dead.exitCode} (its error is above)`);
      const status = await queueStatus(queue, 5);
      if (status.failed > 0) throw new Error(`a job failed: ${status.failedJobs[0]?.reason}`);
      if (status.done >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const warm = new Set<number>();
  for (let i = 0; i < workers; i++) {
    const child = spawn(process.execPath, [cli, "worker", "--redis", url, "--queue", name], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      if (/^done /m.test(chunk.toString())) warm.add(i);
    });
    children.push(child);
  }
  try {
    // Until every worker has translated an image (its model loaded), queue warm-up images.
    let queued = 0;
    for (let round = 0; warm.size < workers; round++) {
      const warmUp = await writeImages(path.join(root, `warm-${workers}-${round}`), workers, 1000 + round);
      await add(warmUp, path.join(root, `warm-out-${workers}-${round}`));
      queued += workers;
      await finished(queued);
    }
    const started = performance.now();
    await add(folder, path.join(root, `queue-out-${workers}`));
    await finished(queued + images);
    return images / ((performance.now() - started) / 1000);
  } finally {
    const running = children.filter((child) => child.exitCode === null);
    const exits = running.map((child) => new Promise((resolve) => child.once("exit", resolve)));
    for (const child of running) child.kill("SIGTERM");
    await Promise.all(exits);
    await queue.close();
  }
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const backend = await useBackend("auto");
await makeModel(netG);
const folder = await writeImages(path.join(root, "in"), images, 0);
const redis = await startLocalRedis();
try {
  const single = await singleProcess(folder);
  const one = await throughQueue(redis.url, 1, folder);
  const two = await throughQueue(redis.url, 2, folder);
  console.log(
    JSON.stringify({
      model: `${netG} ngf ${ngf}`,
      size,
      images,
      backend,
      cores: cpus().length,
      load_average_1m: round(loadavg()[0] ?? 0, 1),
      single_process_images_per_s: round(single),
      queue_1_worker_images_per_s: round(one),
      queue_2_workers_images_per_s: round(two),
      queue_1_worker_ratio: round(one / single),
      queue_2_workers_ratio: round(two / single),
      // Each added machine like this one runs its own worker: it adds about the 1-worker rate, until Redis
      // (a few round trips per image) or the shared storage is the bottleneck.
      predicted_images_per_s_per_added_machine: round(one),
    }),
  );
} finally {
  await redis.stop();
}
