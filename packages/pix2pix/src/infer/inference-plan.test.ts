/**
 * A generator's inference plan computes its eval-mode output (within 1e-4) in one InferencePlan
 * kernel call on the onednn backend: batch norm folded with running statistics away from their
 * initial values, skips concatenated in place, every activation fused. Networks the plan cannot
 * express run op by op, with the same output; other modes are untouched.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import {
  type InferencePlanSpec as BackendPlanSpec,
  startKernelProfile,
  stopKernelProfile,
} from "tfjs-backend-onednn";
import { assertClose } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { createGenerator } from "../models/index.ts";
import type { GeneratorName } from "../models/options.ts";
import type { NormName } from "../nn/layers.ts";
import type { Mode, Network } from "../nn/network.ts";
import { INFERENCE_PLAN, type InferencePlanSpec } from "../ops/inference-plan.ts";
import { Rng } from "../random.ts";
import { inferencePlanOf, NoInferencePlan, withInferencePlan } from "./inference-plan.ts";

// ops/ may not import the backend, which keeps its own copy of the plan's types: the type check of the
// test suite fails when the two contracts stop accepting each other's plans.
const contractsAgree: [
  InferencePlanSpec extends BackendPlanSpec ? true : false,
  BackendPlanSpec extends InferencePlanSpec ? true : false,
] = [true, true];
void contractsAgree;

before(async () => {
  await useBackend("onednn");
});

/** Scales, biases and running statistics away from their initial values: every folded term matters. */
function perturb(net: Network, rng: Rng): void {
  for (const [key, v] of [...net.params, ...net.buffers]) {
    if (v.dtype !== "float32" || !/\.(weight|bias|running_mean|running_var)$/.test(key) || v.rank !== 1)
      continue;
    const values = Float32Array.from({ length: v.size }, () =>
      key.endsWith("running_var")
        ? 0.5 + 2 * rng.next()
        : key.endsWith("weight")
          ? 1 + 0.3 * rng.normal()
          : 0.1 * rng.normal(),
    );
    v.assign(tf.tensor(values, v.shape));
  }
}

function generator(netG: GeneratorName, ngf: number, norm: NormName) {
  const rng = Rng.fromSeed(3);
  const architecture = { netG, ngf, norm, noDropout: false, inputNc: 3, outputNc: 3 } as const;
  const net = createGenerator({ ...architecture, dropout: true, initType: "normal", initGain: 0.02 }, rng);
  perturb(net, rng);
  return { net, architecture };
}

/** The output of `net` in `mode` and how many InferencePlan calls it made. */
function run(net: Network, x: tf.Tensor4D, mode: Mode): { values: Float32Array; planCalls: number } {
  startKernelProfile();
  const y = net.apply(x, mode, Rng.fromSeed(5));
  const values = y.dataSync() as Float32Array;
  y.dispose();
  const profile = stopKernelProfile();
  return { values, planCalls: profile.kernels.get(INFERENCE_PLAN)?.calls ?? 0 };
}

const input = (size: number) => tf.randomUniform([2, size, size, 3], -1, 1, "float32", 7) as tf.Tensor4D;

for (const [netG, size, norm] of [
  ["unet_128", 128, "batch"],
  ["unet_256", 256, "none"],
] as const) {
  test(`${netG} ngf 16, ${norm} norm: the plan gives the eval-mode output in one kernel call`, () => {
    const { net, architecture } = generator(netG, 16, norm);
    const planned = withInferencePlan(net, architecture);
    const x = input(size);
    try {
      const expected = run(net, x, "eval");
      assert.equal(expected.planCalls, 0);
      for (let call = 0; call < 2; call++) {
        const got = run(planned, x, "eval");
        assert.equal(got.planCalls, 1, "one InferencePlan call per batch");
        assertClose(got.values, expected.values, 1e-4, `${netG} plan, call ${call}`);
      }
      // test mode (batch statistics, dropout) is the network's own
      const test = run(planned, x, "test");
      assert.equal(test.planCalls, 0);
      assertClose(test.values, run(net, x, "test").values, 0, `${netG} test mode`);
    } finally {
      x.dispose();
      planned.dispose();
    }
  });
}

test("generators the plan cannot express run op by op: skips of 8 channels, a ResNet", () => {
  for (const [netG, ngf, size, norm] of [
    ["unet_128", 8, 128, "batch"],
    ["resnet_6blocks", 8, 32, "instance"],
  ] as const) {
    const { net, architecture } = generator(netG, ngf, norm);
    assert.throws(() => inferencePlanOf(net, architecture), NoInferencePlan);
    const planned = withInferencePlan(net, architecture);
    const x = input(size);
    try {
      const got = run(planned, x, "eval");
      assert.equal(got.planCalls, 0);
      assertClose(got.values, run(net, x, "eval").values, 0, netG);
    } finally {
      x.dispose();
      planned.dispose();
    }
  }
});
