/**
 * pix2pix-ts/wasm: what training on tfjs-backend-wasm needs beyond the backend itself. Browser-safe;
 * the page loads the backend (and sets its wasm paths), then calls `registerWasmTrainingKernels()`.
 */
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from "./wasm/index.ts";
