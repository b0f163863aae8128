import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { StepLosses } from "./step.ts";
import { tinyRun } from "./tiny-run.ts";
import { train } from "./trainer.ts";

async function firstStepLosses(ganMode: "vanilla" | "wgangp"): Promise<StepLosses> {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-step-"));
  const losses: StepLosses[] = [];
  await train({ ...tinyRun(root), ganMode }, { maxSteps: 1, onStep: (p) => losses.push(p.losses) });
  assert.equal(losses.length, 1);
  return losses[0] as StepLosses;
}

test("wgangp adds a real gradient penalty to D's loss; other modes have none", async () => {
  const wgan = await firstStepLosses("wgangp");
  assert.ok(wgan.D_GP !== undefined && Number.isFinite(wgan.D_GP) && wgan.D_GP > 0, `D_GP ${wgan.D_GP}`);
  const vanilla = await firstStepLosses("vanilla");
  assert.equal(vanilla.D_GP, undefined);
  // WGAN losses are raw critic scores (signed), vanilla ones are cross-entropies (positive).
  assert.ok(vanilla.D_real > 0 && vanilla.D_fake > 0);
});
