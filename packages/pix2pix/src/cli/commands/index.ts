/**
 * Every CLI command, registered in this one place, in the order `pix2pix --help` lists them. Each
 * entry loads its command's module only when that command runs or shows its help, so `pix2pix --help`
 * and a mistyped command answer at once instead of first loading tfjs, sharp and the native backend.
 */
import type { CommandEntry } from "../command.ts";

export const commands: readonly CommandEntry[] = [
  {
    name: "demo",
    summary: "train a small model on built-in synthetic facades for a few minutes, then test it",
    load: async () => (await import("./demo.ts")).demoCommand,
  },
  {
    name: "train",
    summary: "train a pix2pix model on paired images (checkpoints, loss log and an HTML report per run)",
    load: async () => (await import("./train.ts")).trainCommand,
  },
  {
    name: "test",
    summary:
      "run a trained model on a split: output images, an HTML results page and L1 / PSNR / SSIM as JSON",
    load: async () => (await import("./test.ts")).testCommand,
  },
  {
    name: "translate",
    summary:
      "translate images, folders or globs with a trained or imported generator (large images in tiles)",
    load: async () => (await import("./translate.ts")).translateCommand,
  },
  {
    name: "serve",
    summary: "serve models over HTTP: translate images, list models, follow training runs live",
    load: async () => (await import("./serve.ts")).serveCommand,
  },
  {
    name: "serve-bench",
    summary:
      "measure pix2pix serve under load (autocannon at concurrency 1, 8, 32): requests/s, latency, memory, JSON",
    load: async () => (await import("./serve-bench.ts")).serveBenchCommand,
  },
  {
    name: "queue add",
    summary: "queue images (files, folders, globs) in Redis for pix2pix workers on any number of machines",
    load: async () => (await import("./queue-add.ts")).queueAddCommand,
  },
  {
    name: "queue status",
    summary: "show a Redis queue's waiting, active, done and failed images, and why the failed ones failed",
    load: async () => (await import("./queue-status.ts")).queueStatusCommand,
  },
  {
    name: "worker",
    summary: "translate queued images from Redis until stopped (run one per machine or core group)",
    load: async () => (await import("./worker.ts")).workerCommand,
  },
  {
    name: "import",
    summary: "convert a reference PyTorch checkpoint (.pth, zip or legacy format) to safetensors",
    load: async () => (await import("./import.ts")).importCommand,
  },
  {
    name: "export",
    summary: "write a generator as an ONNX file (eval mode), for onnxruntime and other runtimes",
    load: async () => (await import("./export.ts")).exportCommand,
  },
  {
    name: "models list",
    summary: "list the reference's pretrained pix2pix generators (facades_label2photo, sat2map, ...)",
    load: async () => (await import("./models-list.ts")).modelsListCommand,
  },
  {
    name: "models download",
    summary: "download a pretrained generator of the reference as a safetensors file that needs no flags",
    load: async () => (await import("./models-download.ts")).modelsDownloadCommand,
  },
  {
    name: "datasets download",
    summary: "download and extract an official pix2pix dataset (facades, maps, cityscapes, ...)",
    load: async () => (await import("./datasets-download.ts")).datasetsDownloadCommand,
  },
  {
    name: "datasets check",
    summary: "decode every file of a dataset as training would and report every problem, with counts",
    load: async () => (await import("./datasets-check.ts")).datasetsCheckCommand,
  },
  {
    name: "datasets combine",
    summary: "join A/x and B/x side by side into aligned images (sub-folders such as train/ are kept)",
    load: async () => (await import("./datasets-combine.ts")).datasetsCombineCommand,
  },
  {
    name: "datasets split",
    summary: "cut aligned A|B images into OUT/A and OUT/B folders (sub-folders such as train/ are kept)",
    load: async () => (await import("./datasets-split.ts")).datasetsSplitCommand,
  },
  {
    name: "datasets edges",
    summary: "make edges | photo pairs from photos with a Canny edge detector (edges2shoes style)",
    load: async () => (await import("./datasets-edges.ts")).datasetsEdgesCommand,
  },
  {
    name: "datasets synthetic",
    summary: "write pairs of the built-in synthetic facades (photo | labels) as aligned PNG files",
    load: async () => (await import("./datasets-synthetic.ts")).datasetsSyntheticCommand,
  },
  {
    name: "datasets bench",
    summary: "measure the data loader's speed (pairs/s, JSON) on a dataset, with the training options",
    load: async () => (await import("./datasets-bench.ts")).datasetsBenchCommand,
  },
  {
    name: "bench",
    summary: "time a full training iteration and the generator's inference (U-Net + PatchGAN, random data)",
    load: async () => (await import("./bench.ts")).benchCommand,
  },
  {
    name: "env",
    summary: "print the runtime, CPU and the tfjs backend that would be used",
    load: async () => (await import("./env.ts")).envCommand,
  },
];
