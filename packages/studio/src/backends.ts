/**
 * Which tfjs backend runs the network here: WebGPU when the browser has it, else WebGL, else wasm
 * (SIMD, single-threaded: the threaded build crashes under vite, see the README). A WebGPU or WebGL
 * that really runs on the CPU (SwiftShader, as in headless Chromium) is passed over for wasm, which is
 * 4–6 times faster there (the README's benchmark). `?backend=NAME` in the page's address forces one (also
 * `cpu`: plain JavaScript, slow, but the same numbers as Node's cpu backend); `?wasm-threads=1`
 * lets wasm use its threaded build where the page is cross-origin isolated (for measuring it).
 */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import * as tf from "@tensorflow/tfjs-core";

/** Fastest first: the order "best available" tries. */
export const BACKENDS = ["webgpu", "webgl", "wasm"] as const;
/** What `?backend=` may name. */
const FORCEABLE = [...BACKENDS, "cpu"] as const;
export type BrowserBackend = (typeof FORCEABLE)[number];

export function isBrowserBackend(name: string | null): name is BrowserBackend {
  return (FORCEABLE as readonly (string | null)[]).includes(name);
}

setWasmPaths({
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded,
});
if (new URLSearchParams(location.search).get("wasm-threads") !== "1") {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
}

/** Threads of the wasm backend (1 unless the threaded build runs). */
export function wasmThreads(): number {
  return tf.getBackend() === "wasm" ? getThreadsCount() : 0;
}

/** The WebGL renderer's name, when the browser tells it (e.g. "SwiftShader" for software). */
function webglRenderer(): string {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return "";
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "");
}

const SOFTWARE = /swiftshader|llvmpipe|software|softpipe|lavapipe/i;

/** What WebGPU would run on: no adapter, a CPU fallback (SwiftShader), or a GPU. */
async function webgpuAdapter(): Promise<"none" | "software" | "gpu"> {
  type AdapterInfo = {
    isFallbackAdapter?: boolean;
    vendor?: string;
    architecture?: string;
    description?: string;
  };
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: AdapterInfo } | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return "none";
  const info = adapter.info;
  const software =
    info?.isFallbackAdapter === true ||
    SOFTWARE.test(`${info?.vendor} ${info?.architecture} ${info?.description}`);
  return software ? "software" : "gpu";
}

async function tryBackend(name: BrowserBackend): Promise<boolean> {
  if (name === "webgpu" && !("gpu" in navigator)) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Starts the backend `wanted` names, or the best one that starts. Returns its name and, when the
 * choice passed one over, why.
 */
export async function startBackend(wanted?: BrowserBackend): Promise<{ name: BrowserBackend; note: string }> {
  if (wanted) {
    if (await tryBackend(wanted)) return { name: wanted, note: "" };
    throw new Error(`the ${wanted} backend does not start in this browser`);
  }
  const notes: string[] = [];
  for (const name of BACKENDS) {
    if (name === "webgpu") {
      const adapter = await webgpuAdapter();
      if (adapter !== "gpu") {
        notes.push(adapter === "none" ? "no WebGPU" : "WebGPU runs on the CPU here");
        continue;
      }
    }
    if (name === "webgl" && SOFTWARE.test(webglRenderer())) {
      notes.push("WebGL is software-rendered here, wasm is faster");
      continue;
    }
    if (await tryBackend(name)) return { name, note: notes.join("; ") };
    notes.push(`no ${name}`);
  }
  throw new Error("no tfjs backend starts in this browser (tried WebGPU, WebGL, wasm)");
}
