/**
 * A Canny edge detector (Canny 1986): gaussian blur, Sobel gradients, non-maximum suppression along
 * the gradient direction, and hysteresis between two thresholds. It makes the edge side of sketch →
 * image datasets (edges2shoes style) from photos. Nothing here needs Node.
 */

export interface CannyOptions {
  /** Standard deviation of the gaussian blur, in pixels. */
  readonly sigma: number;
  /** Thresholds as fractions of the strongest gradient: edges start above `high` and continue above `low`. */
  readonly low: number;
  readonly high: number;
}

export const DEFAULT_CANNY: CannyOptions = { sigma: 1.4, low: 0.1, high: 0.25 };

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  return kernel.map((w) => w / sum);
}

const clamp = (v: number, hi: number) => Math.max(0, Math.min(v, hi));

/** Separable gaussian blur with edge pixels repeated past the border. */
export function gaussianBlur(
  image: Float32Array,
  width: number,
  height: number,
  sigma: number,
): Float32Array {
  if (sigma <= 0) return image.slice();
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const horizontal = new Float32Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        sum += (kernel[k + radius] as number) * (image[y * width + clamp(x + k, width - 1)] as number);
      }
      horizontal[y * width + x] = sum;
    }
  }
  const out = new Float32Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        sum += (kernel[k + radius] as number) * (horizontal[clamp(y + k, height - 1) * width + x] as number);
      }
      out[y * width + x] = sum;
    }
  }
  return out;
}

/** Sobel gradients: magnitude and direction (radians) per pixel. */
export function sobel(
  image: Float32Array,
  width: number,
  height: number,
): { magnitude: Float32Array; angle: Float32Array } {
  const magnitude = new Float32Array(image.length);
  const angle = new Float32Array(image.length);
  const at = (x: number, y: number) => image[clamp(y, height - 1) * width + clamp(x, width - 1)] as number;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1);
      const gy =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1);
      magnitude[y * width + x] = Math.hypot(gx, gy);
      angle[y * width + x] = Math.atan2(gy, gx);
    }
  }
  return { magnitude, angle };
}

/** Keeps a pixel only where its gradient is the largest of its two neighbours across the edge. */
export function nonMaximumSuppression(
  magnitude: Float32Array,
  angle: Float32Array,
  width: number,
  height: number,
): Float32Array {
  const thin = new Float32Array(magnitude.length);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const p = y * width + x;
      const m = magnitude[p] as number;
      if (m === 0) continue;
      // The gradient direction, folded to [0, 180) and snapped to 0, 45, 90 or 135 degrees.
      const degrees = (((angle[p] as number) * 180) / Math.PI + 180) % 180;
      const sector = Math.round(degrees / 45) % 4;
      const [dx, dy] = (
        [
          [1, 0],
          [1, 1],
          [0, 1],
          [-1, 1],
        ] as const
      )[sector] as readonly [number, number];
      const before = magnitude[(y - dy) * width + (x - dx)] as number;
      const after = magnitude[(y + dy) * width + (x + dx)] as number;
      if (m >= before && m >= after) thin[p] = m;
    }
  }
  return thin;
}

/** Edges: pixels above `high`, grown through 8-connected pixels above `low`. */
export function hysteresis(
  thin: Float32Array,
  width: number,
  height: number,
  low: number,
  high: number,
): Uint8Array {
  const edges = new Uint8Array(thin.length);
  const stack: number[] = [];
  for (let p = 0; p < thin.length; p++) {
    if ((thin[p] as number) >= high && (thin[p] as number) > 0) {
      edges[p] = 1;
      stack.push(p);
    }
  }
  while (stack.length > 0) {
    const p = stack.pop() as number;
    const x = p % width;
    const y = (p - x) / width;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (edges[q] === 0 && (thin[q] as number) >= low && (thin[q] as number) > 0) {
          edges[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  return edges;
}

/** The edge map (1 = edge) of a grayscale image (any range) of width × height pixels. */
export function canny(
  gray: Float32Array,
  width: number,
  height: number,
  options: CannyOptions = DEFAULT_CANNY,
): Uint8Array {
  const blurred = gaussianBlur(gray, width, height, options.sigma);
  const { magnitude, angle } = sobel(blurred, width, height);
  const thin = nonMaximumSuppression(magnitude, angle, width, height);
  let strongest = 0;
  for (const m of thin) if (m > strongest) strongest = m;
  return hysteresis(thin, width, height, options.low * strongest, options.high * strongest);
}
