/** The smallest real training setup, for tests: synthetic pairs, a 4-filter ResNet at 32 px, cpu backend. */
import type { TrainOptions } from "./options.ts";

export function tinyRun(checkpointsDir: string, name = "tiny"): Partial<TrainOptions> {
  return {
    datasetMode: "synthetic",
    syntheticCount: 3,
    loadSize: 32,
    cropSize: 32,
    netG: "resnet_6blocks",
    ngf: 4,
    ndf: 4,
    nEpochs: 1,
    nEpochsDecay: 1,
    numThreads: 0,
    printFreq: 1,
    backend: "cpu",
    checkpointsDir,
    name,
  };
}
