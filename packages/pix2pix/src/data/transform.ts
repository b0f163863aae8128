/**
 * The reference implementation's load-time transforms (base_dataset.py get_params / get_transform) as
 * plain geometry: where to resize, where to crop, whether to flip. One augmentation is drawn per pair
 * and applied to A and B alike. Nothing here needs Node; the pixels are moved elsewhere.
 */
import type { Rng } from "../random.ts";
import type { Preprocess } from "./options.ts";

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Rect extends Size {
  readonly left: number;
  readonly top: number;
}

export interface TransformOptions {
  readonly preprocess: Preprocess;
  readonly loadSize: number;
  readonly cropSize: number;
  readonly noFlip: boolean;
}

/**
 * The random part of one pair's transform, drawn before the image size is known (so the worker that
 * decodes the image places the crop): crop offsets as fractions of the free range, and the flip.
 */
export interface Augmentation {
  readonly cropX: number;
  readonly cropY: number;
  readonly flip: boolean;
}

/** The steps for one side of a pair, in order: resize (bicubic), crop, horizontal flip. */
export interface TransformPlan {
  readonly resize?: Size;
  readonly crop?: Rect;
  readonly flip: boolean;
  /** The size of the result. */
  readonly output: Size;
}

/** Draws in the reference's order: crop x, crop y, flip; three draws whatever the options. */
export function drawAugmentation(rng: Rng, noFlip: boolean): Augmentation {
  const cropX = rng.next();
  const cropY = rng.next();
  const flip = rng.next() > 0.5;
  return { cropX, cropY, flip: flip && !noFlip };
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The reference's __make_power_2: each side rounded to a multiple of `base` (4 for --preprocess none). */
export function roundToMultiple(size: Size, base = 4): Size {
  return {
    width: Math.max(base, roundHalfEven(size.width / base) * base),
    height: Math.max(base, roundHalfEven(size.height / base) * base),
  };
}

function resized(size: Size, options: TransformOptions): Size {
  const { preprocess, loadSize, cropSize } = options;
  if (preprocess === "resize_and_crop" || preprocess === "resize")
    return { width: loadSize, height: loadSize };
  if (preprocess === "scale_width" || preprocess === "scale_width_and_crop") {
    // __scale_width: keep an image that already has the width and is tall enough for the crop.
    if (size.width === loadSize && size.height >= cropSize) return size;
    return { width: loadSize, height: Math.floor(Math.max((loadSize * size.height) / size.width, cropSize)) };
  }
  if (preprocess === "none") return roundToMultiple(size);
  return size;
}

function cropsIn(preprocess: Preprocess): boolean {
  return preprocess === "resize_and_crop" || preprocess === "crop" || preprocess === "scale_width_and_crop";
}

/** The plan for an image of `size` (one side of the pair) under the options and the drawn augmentation. */
export function planTransform(
  size: Size,
  options: TransformOptions,
  augmentation: Augmentation,
): TransformPlan {
  const target = resized(size, options);
  const resize = target.width !== size.width || target.height !== size.height ? target : undefined;
  let crop: Rect | undefined;
  const { cropSize } = options;
  // __crop only crops an image larger than the crop in some direction.
  if (cropsIn(options.preprocess) && (target.width > cropSize || target.height > cropSize)) {
    const freeX = Math.max(0, target.width - cropSize);
    const freeY = Math.max(0, target.height - cropSize);
    crop = {
      left: Math.min(freeX, Math.floor(augmentation.cropX * (freeX + 1))),
      top: Math.min(freeY, Math.floor(augmentation.cropY * (freeY + 1))),
      width: Math.min(cropSize, target.width),
      height: Math.min(cropSize, target.height),
    };
  }
  const output = crop ? { width: crop.width, height: crop.height } : target;
  return { ...(resize && { resize }), ...(crop && { crop }), flip: augmentation.flip, output };
}

/** The warning the reference prints when --preprocess none has to round a size, or undefined. */
export function roundingWarning(size: Size, options: TransformOptions): string | undefined {
  if (options.preprocess !== "none") return undefined;
  const rounded = roundToMultiple(size);
  if (rounded.width === size.width && rounded.height === size.height) return undefined;
  return (
    `image size ${size.width}x${size.height} is not a multiple of 4, so it is resized to ` +
    `${rounded.width}x${rounded.height}; this is done to every image whose size is not a multiple of 4`
  );
}
