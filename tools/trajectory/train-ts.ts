/**
 * The pix2pix-ts side of a trajectory run: the library's networks, Adam, learning-rate schedule and
 * training step, in the order of its trainer (per epoch: the epoch's learning rate, then one step per
 * batch; the schedule advanced at the epoch's end), from the shared initial weights and batches.
 * Writes ts/losses.json and ts/step_NNNNNN.safetensors as torch_side.py writes its own.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import {
  Adam,
  createDiscriminator,
  createGenerator,
  type HostTensor,
  LrSchedule,
  loadNetworkStateDict,
  type Network,
  networkStateDict,
  type Pix2pixModel,
  PYTORCH_ADAM,
  Rng,
  readSafetensors,
  type StateDict,
  trainStep,
  writeSafetensors,
} from "pix2pix-ts/node";
import { runFiles, type StepRecord, type TrajectoryConfig } from "./config.ts";

function withPrefix(dict: ReadonlyMap<string, HostTensor>, prefix: string): StateDict {
  return new Map(
    [...dict].filter(([key]) => key.startsWith(prefix)).map(([key, t]) => [key.slice(prefix.length), t]),
  );
}

function readFloats(fd: number, count: number, at: number): Float32Array {
  const out = new Float32Array(count);
  const bytes = new Uint8Array(out.buffer);
  if (readSync(fd, bytes, 0, bytes.length, at) !== bytes.length) throw new Error("batches.f32 is short");
  return out;
}

function buildModel(c: TrajectoryConfig, init: ReadonlyMap<string, HostTensor>): Pix2pixModel {
  const common = { norm: c.norm, initType: "normal", initGain: 0.02 } as const;
  const g = createGenerator(
    { ...common, netG: c.netG, ngf: c.ngf, dropout: c.dropout, inputNc: c.inputNc, outputNc: c.outputNc },
    null,
  );
  const d = createDiscriminator(
    { ...common, netD: c.netD, ndf: c.ndf, nLayersD: c.nLayersD, inputNc: c.inputNc + c.outputNc },
    null,
  );
  loadNetworkStateDict(g, withPrefix(init, "G."), "init.safetensors (G)");
  loadNetworkStateDict(d, withPrefix(init, "D."), "init.safetensors (D)");
  const adam = { ...PYTORCH_ADAM, beta1: c.beta1 };
  return { g, d, optimizerG: new Adam(g.params, adam), optimizerD: new Adam(d.params, adam) };
}

function evalOutputs(g: Network, inputs: tf.Tensor4D): HostTensor {
  const out = tf.tidy(() => g.apply(inputs, "eval", Rng.fromSeed(0)));
  const data = out.dataSync() as Float32Array;
  const shape = out.shape;
  out.dispose();
  return { dtype: "float32", shape, data: Float32Array.from(data) };
}

/** Trains pix2pix-ts through the run's steps, on the active tfjs backend. */
export async function trainTs(dir: string, c: TrajectoryConfig): Promise<void> {
  const files = runFiles(dir);
  mkdirSync(path.join(dir, "ts"), { recursive: true });
  const model = buildModel(c, (await readSafetensors(files.init)).tensors);
  const schedule = LrSchedule.start({ ...c, plateauMetric: "none" }); // the reference's plateau, as torch_side.py steps it
  const dropoutRng = Rng.fromSeed(c.dropoutSeed);
  const settings = { ganMode: c.ganMode, lambdaL1: c.lambdaL1, unconditionalD: false };

  const { size, inputNc, outputNc, evalCount } = c;
  const perA = size * size * inputNc;
  const perB = size * size * outputNc;
  const evalAll = new Float32Array(readFileSync(files.eval).buffer.slice(0));
  const evalInputs = tf.tensor4d(evalAll.subarray(0, evalCount * perA), [evalCount, size, size, inputNc]);
  const dump = async (step: number) => {
    const tensors: StateDict = new Map([
      ...[...networkStateDict(model.g)].map(([k, t]) => [`G.${k}`, t] as const),
      ...[...networkStateDict(model.d)].map(([k, t]) => [`D.${k}`, t] as const),
      ["eval.output", evalOutputs(model.g, evalInputs)],
    ]);
    await writeSafetensors(files.dump("ts", step), tensors);
  };

  const dumps = new Set(c.dumpSteps);
  const records: StepRecord[] = [];
  const fd = openSync(files.batches, "r");
  try {
    if (dumps.has(0)) await dump(0);
    let step = 0;
    for (let epoch = c.epochCount; epoch <= c.nEpochs + c.nEpochsDecay && step < c.steps; epoch++) {
      const lr = schedule.lrForEpoch(epoch);
      let l1Sum = 0;
      let epochSteps = 0;
      for (; epochSteps < c.stepsPerEpoch && step < c.steps; epochSteps++) {
        const offset = step * (perA + perB) * 4;
        const a = readFloats(fd, perA, offset);
        const b = readFloats(fd, perB, offset + perA * 4);
        const losses = tf.tidy(() =>
          trainStep(
            model,
            { ...settings, lr },
            tf.tensor4d(a, [1, size, size, inputNc]),
            tf.tensor4d(b, [1, size, size, outputNc]),
            dropoutRng,
          ),
        );
        step += 1;
        l1Sum += losses.G_L1;
        records.push({ ...losses, lr, epoch });
        if (dumps.has(step)) await dump(step);
      }
      schedule.endEpoch(l1Sum / Math.max(1, epochSteps));
    }
  } finally {
    closeSync(fd);
    evalInputs.dispose();
    for (const part of [model.optimizerG, model.optimizerD, model.g, model.d]) part.dispose();
  }
  writeFileSync(files.losses("ts"), JSON.stringify(records));
}
