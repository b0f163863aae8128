/**
 * tfjs-backend-onednn: the TensorFlow.js backend `onednn`, native CPU kernels over Intel oneDNN.
 * Importing this module loads the addon (throwing OnednnUnavailableError with the install command
 * when it cannot) and registers the backend; then `await tf.setBackend("onednn")`.
 */
import { native } from "./native.ts";
import { registerOnednnBackend } from "./register.ts";

registerOnednnBackend();

export type { KernelProfile, KernelTime } from "./backend.ts";
export { OnednnBackend } from "./backend.ts";
export { FUSED_ADAM_UPDATE, type FusedAdamUpdateAttrs } from "./kernels/adam.ts";
export {
  FUSED_BATCH_NORM_TRAINING,
  FUSED_BATCH_NORM_TRAINING_GRAD,
  type FusedBatchNormTrainingAttrs,
} from "./kernels/batch-norm-training.ts";
export {
  INFERENCE_PLAN,
  type InferencePlanAttrs,
  type InferencePlanSpec,
  PLAN_ACTIVATIONS,
  type PlanActivation,
  type PlanSlice,
  type PlanStep,
} from "./kernels/inference-plan.ts";
export { LEAKY_RELU_GRAD, type LeakyReluGradAttrs } from "./kernels/leaky-relu-grad.ts";
export { INSTALL_HINT, OnednnUnavailableError } from "./native.ts";
export { type GemmPeakOptions, measureGemmPeak } from "./peak.ts";
export { setPoisonOutputs, startKernelProfile, stopKernelProfile } from "./profile.ts";
export { BACKEND_NAME, NATIVE_KERNELS } from "./register.ts";

/** The oneDNN version, OpenMP thread count and number of cached convolution primitive sets. */
export function nativeInfo(): { onednnVersion: string; threads: number; convPrimitives: number } {
  return native.info();
}
