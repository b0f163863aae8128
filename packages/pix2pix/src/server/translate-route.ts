/**
 * POST /api/translate?model=NAME[&eval=1][&size=original]: image bytes in (the body, or the multipart
 * field `image`), a PNG out — the pixels `pix2pix translate` writes for the same image and options.
 * Every limit is checked before the work it guards: the body's size (bodyLimit, before reading it),
 * the content type, the model's name, the pixel count from the image header (before decoding), the
 * queue's length, and the time the whole request takes.
 */
import type { Context } from "hono";
import type { InferenceMode } from "../infer/translate-pixels.ts";
import { encodeImage, imageSize, readImage } from "../io/images.ts";
import { HttpError } from "./http-error.ts";
import type { ModelRegistry } from "./model-registry.ts";

const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/webp"]);

export interface TranslateLimits {
  readonly maxPixels: number;
  readonly timeoutMs: number;
}

function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** The body, or a 400 when the client went away mid-upload (nothing else was done for it). */
async function readBody<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, `the upload did not complete (${reason})`, "send the whole image");
  }
}

async function imageBytes(c: Context): Promise<Buffer> {
  const type = mediaType(c);
  if (IMAGE_TYPES.has(type)) return Buffer.from(await readBody(() => c.req.arrayBuffer()));
  const form = await readBody(() => c.req.parseBody());
  const field = form.image;
  if (!(field instanceof File)) {
    throw new HttpError(422, "the form has no file field 'image'", "send the image as the field 'image'");
  }
  return Buffer.from(await field.arrayBuffer());
}

function checkContentType(c: Context): void {
  const type = mediaType(c);
  if (!IMAGE_TYPES.has(type) && type !== "multipart/form-data") {
    throw new HttpError(
      415,
      `unsupported content type '${type || "none"}'`,
      "send Content-Type image/png, image/jpeg or image/webp with the image as the body, or multipart/form-data with the field 'image'",
    );
  }
}

/** Rejects with 504 after `ms`, aborting `controller` (a queued translation leaves its queue). */
function deadline(ms: number, controller: AbortController): { expired: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HttpError(504, `the translation took longer than ${ms / 1000} s`, "retry later");
      controller.abort(error);
      reject(error);
    }, ms);
  });
  expired.catch(() => {}); // observed by the race below; unobserved when the work wins
  return { expired, clear: () => clearTimeout(timer) };
}

const timing = (entries: [string, number][]) =>
  entries.map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(", ");

/** The value of query parameter `key` among `choices` (undefined when absent); another is a 400 naming them. */
function queryChoice<T>(c: Context, key: string, choices: Readonly<Record<string, T>>): T | undefined {
  const given = c.req.query(key);
  if (given === undefined) return undefined;
  if (Object.hasOwn(choices, given)) return choices[given];
  const allowed = Object.keys(choices).map((v) => `${key}=${v}`);
  throw new HttpError(
    400,
    `${key}=${given} is not understood`,
    `use ${allowed.join(" or ")}, or leave ${key} out`,
  );
}

export function translateHandler(registry: ModelRegistry, limits: TranslateLimits) {
  return async (c: Context) => {
    checkContentType(c);
    const name = c.req.query("model");
    if (!name) throw new HttpError(400, "which model?", "add ?model=NAME (GET /api/models lists them)");
    await registry.weightsFile(name); // an unknown model is refused before its body is read
    const mode: InferenceMode = queryChoice(c, "eval", { "0": "test", "1": "eval" }) ?? "test";
    const originalSize = queryChoice(c, "size", { original: true }) ?? false;
    const controller = new AbortController();
    const { expired, clear } = deadline(limits.timeoutMs, controller);
    const arrived = registry.expect(name); // from here a batch of this model waits for this request
    const work = async () => {
      const times: [string, number][] = [];
      let started = performance.now();
      const lap = (label: string) => {
        const now = performance.now();
        times.push([label, now - started]);
        started = now;
      };
      const bytes = await imageBytes(c);
      lap("read");
      const size = await imageSize(bytes);
      if (size.width * size.height > limits.maxPixels) {
        throw new HttpError(
          422,
          `the image has ${size.width}×${size.height} pixels, over the limit of ${limits.maxPixels}`,
          "send a smaller image (the server's --max-pixels)",
        );
      }
      const output = await registry.use(name, async (model) => {
        const { loadSize, inputNc } = model.summary;
        lap("load");
        const image = await readImage(bytes, inputNc === 1 ? 1 : 3, { width: loadSize, height: loadSize });
        lap("decode");
        const translated = model.translate({ image, mode }, controller.signal);
        arrived();
        return translated;
      });
      lap("queue+infer");
      const png = await encodeImage(output, "png", originalSize ? size : undefined);
      lap("encode");
      return { png, times };
    };
    try {
      const { png, times } = await Promise.race([work(), expired]);
      c.header("Server-Timing", timing(times));
      return c.body(new Uint8Array(png), 200, { "Content-Type": "image/png" });
    } finally {
      arrived();
      clear();
    }
  };
}
