/** A per-kernel timer on the onednn backend: what the bench reports and what decides what goes native. */
import { findBackend } from "@tensorflow/tfjs-core";
import type { KernelProfile, OnednnBackend } from "./backend.ts";
import { BACKEND_NAME } from "./register.ts";

function onednnBackend(): OnednnBackend {
  const backend = findBackend(BACKEND_NAME);
  if (backend === null)
    throw new Error("the onednn backend is not initialised: call tf.setBackend('onednn') first");
  return backend as OnednnBackend;
}

/** Starts timing every kernel the onednn backend runs (replacing any profile in progress). */
export function startKernelProfile(): void {
  onednnBackend().profile = { kernels: new Map(), fallbacks: new Map(), convFlops: new Map() };
}

/** Stops timing and returns what was recorded since startKernelProfile. */
export function stopKernelProfile(): KernelProfile {
  const backend = onednnBackend();
  const profile = backend.profile;
  if (profile === null) throw new Error("no kernel profile is being recorded");
  backend.profile = null;
  return profile;
}

/** When on, native kernels allocate their outputs filled with NaN (tests use it to catch unwritten elements). */
export function setPoisonOutputs(on: boolean): void {
  onednnBackend().poisonOutputs = on;
}
