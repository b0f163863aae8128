/** `pix2pix serve`'s options: where the models are, where to listen, and the limits of each request. */
import { backendOption, runOptions, seedOption } from "../options/common.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const serveOptions = {
  models: option.string(
    undefined,
    "a folder of generator files (.safetensors, .pth, .pict): each is a model, named by its file stem",
    "dir",
  ),
  "checkpoints-dir": runOptions["checkpoints-dir"],
  host: option.string("127.0.0.1", "address to listen on (any but loopback should have a --token)", "host"),
  port: option.int(8080, "port to listen on (0: a free one)", { min: 0, max: 65535 }),
  token: option.string(
    undefined,
    "require 'Authorization: Bearer <token>' on every /api route (default: $PIX2PIX_TOKEN)",
    "token",
  ),
  studio: option.string(
    undefined,
    "a folder of the studio's built files, served at / (default: the checkout's packages/studio/dist, when built)",
    "dir",
  ),
  "load-size": option.int(
    256,
    "input size of models that do not state one (a run states its crop size); rounded as translate rounds it",
    { min: 1 },
  ),
  "max-loaded": option.int(4, "models kept loaded at once (the least recently used leaves first)", {
    min: 1,
  }),
  "max-model-mb": option.float(2048, "MB of weights kept loaded at once, all models together", { min: 0 }),
  "max-batch": option.int(8, "images translated together when requests arrive together", { min: 1 }),
  "batch-wait-ms": option.float(5, "how long the first request of a batch waits for others", { min: 0 }),
  "max-queue": option.int(64, "requests waiting per model; more are refused with 503", { min: 1 }),
  "max-body": option.float(20, "largest request body in MB (larger: 413, unread)", { min: 0 }),
  "max-pixels": option.float(40, "largest image in megapixels, read from its header (larger: 422)", {
    min: 0,
  }),
  timeout: option.float(60, "seconds a translation may take (longer: 504)", { min: 0 }),
  ...seedOption,
  ...backendOption,
} as const;

export type ServeOptions = OptionValues<typeof serveOptions>;
