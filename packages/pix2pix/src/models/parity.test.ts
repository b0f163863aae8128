/**
 * Parity with PyTorch: the reference's networks (tools/make-parity-fixtures.py), given the same weights
 * and inputs, produce the same outputs in train and eval mode, and the same running statistics.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, test } from "node:test";
import {
  assertClose,
  PARITY_CASES,
  PARITY_FIXTURES,
  pattern,
  patternValue,
  runNchw,
} from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { readSafetensors } from "../io/safetensors.ts";
import { loadNetworkStateDict, networkStateDict } from "../io/state-dict.ts";

for (const backend of ["cpu", "onednn"] as const) {
  describe(`parity with the PyTorch reference networks (${backend} backend)`, () => {
    before(async () => {
      await useBackend(backend);
    });

    for (const [name, { make, input }] of Object.entries(PARITY_CASES)) {
      test(`${name}: same state-dict keys and shapes, same outputs in eval and train mode, same running stats`, async () => {
        const expected = await readSafetensors(path.join(PARITY_FIXTURES, `${name}.expected.safetensors`));
        const net = make();
        try {
          const ours = networkStateDict(net);
          const shapes = Object.fromEntries([...ours].map(([k, v]) => [k, [...v.shape]]));
          assert.deepEqual(shapes, JSON.parse(expected.metadata.state_dict_shapes ?? "{}"));
          loadNetworkStateDict(
            net,
            new Map([...ours.keys()].map((k) => [k, patternValue(k, ours.get(k)?.shape ?? [])])),
          );
          const stored = expected.tensors.get("input");
          if (stored) assert.deepEqual(stored.data, pattern(input, 1), "pattern() matches the script's");
          const get = (key: string) => {
            const t = expected.tensors.get(key);
            assert.ok(t, `fixture has ${key}`);
            return t.data as Float32Array;
          };
          assertClose(runNchw(net, input, "eval"), get("output.eval"), 1e-4, "eval output");
          assertClose(runNchw(net, input, "train"), get("output.train"), 1e-4, "train output");
          for (const [key, value] of networkStateDict(net)) {
            if (net.params.has(key)) continue;
            const after = expected.tensors.get(`after_train.${key}`);
            assert.ok(after, `fixture has after_train.${key}`);
            if (value.dtype === "int64") assert.deepEqual(value.data, after.data, key);
            else assertClose(value.data, after.data as Float32Array, 1e-4, key);
          }
        } finally {
          net.dispose();
        }
      });
    }
  });
}
