/**
 * Ops the models and the optimizer use that run as single fused kernels where the active backend has
 * them (the onednn backend does), and as their tf-ops formulas everywhere else, the browser included.
 * Only tfjs-core is imported; importing this registers the ops' gradients.
 */
export { fusedAdamUpdate, fusedAdamUpdateInPlace } from "./adam-update.ts";
export { fusedBatchNormTraining } from "./batch-norm-training.ts";
export {
  FUSED_ADAM_UPDATE,
  FUSED_BATCH_NORM_TRAINING,
  FUSED_BATCH_NORM_TRAINING_GRAD,
  FUSED_KERNELS,
  type FusedAdamUpdateAttrs,
  type FusedBatchNormTrainingAttrs,
  LEAKY_RELU_GRAD,
  type LeakyReluGradAttrs,
} from "./kernels.ts";
export { leakyRelu } from "./leaky-relu.ts";
