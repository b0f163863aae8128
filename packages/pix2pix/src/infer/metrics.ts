/**
 * Image-quality metrics of `pix2pix test`, computed on images as the models produce them: HWC float32
 * in [-1, 1]. L1 is the mean absolute difference in that [-1, 1] scale (the training loss's scale);
 * PSNR and SSIM are computed on the images mapped to [0, 1] (data range 1), SSIM as Wang et al. 2004:
 * 11×11 Gaussian window (σ 1.5), K1 0.01, K2 0.03, over the window positions fully inside the image,
 * averaged over positions and channels (as MATLAB's ssim_index and scikit-image's
 * structural_similarity with gaussian_weights=True). Nothing here needs Node.
 */

export interface Image {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface ImageMetrics {
  readonly l1: number;
  /** In dB; Infinity for identical images. */
  readonly psnr: number;
  readonly ssim: number;
}

const SSIM_WINDOW = 11;
const SSIM_SIGMA = 1.5;
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

function checkSameShape(x: Image, y: Image): void {
  if (x.height !== y.height || x.width !== y.width || x.channels !== y.channels) {
    throw new Error(
      `metrics need images of one shape, got ${x.height}×${x.width}×${x.channels} and ${y.height}×${y.width}×${y.channels}`,
    );
  }
}

/** Mean absolute difference, in the [-1, 1] scale. */
export function l1(x: Image, y: Image): number {
  checkSameShape(x, y);
  let sum = 0;
  for (let i = 0; i < x.data.length; i++) sum += Math.abs((x.data[i] as number) - (y.data[i] as number));
  return sum / x.data.length;
}

/** Peak signal-to-noise ratio in dB, images mapped to [0, 1]. */
export function psnr(x: Image, y: Image): number {
  checkSameShape(x, y);
  let sum = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = ((x.data[i] as number) - (y.data[i] as number)) / 2;
    sum += d * d;
  }
  const mse = sum / x.data.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : -10 * Math.log10(mse);
}

function gaussianWindow(): Float64Array {
  const w = new Float64Array(SSIM_WINDOW);
  const half = (SSIM_WINDOW - 1) / 2;
  let total = 0;
  for (let i = 0; i < SSIM_WINDOW; i++) {
    w[i] = Math.exp(-((i - half) ** 2) / (2 * SSIM_SIGMA ** 2));
    total += w[i] as number;
  }
  return w.map((v) => v / total);
}

/** Separable Gaussian filtering of one H×W plane, keeping only positions where the window fits. */
function filterValid(plane: Float64Array, height: number, width: number, w: Float64Array): Float64Array {
  const outH = height - SSIM_WINDOW + 1;
  const outW = width - SSIM_WINDOW + 1;
  const rows = new Float64Array(height * outW);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < outW; c++) {
      let s = 0;
      for (let k = 0; k < SSIM_WINDOW; k++) s += (w[k] as number) * (plane[r * width + c + k] as number);
      rows[r * outW + c] = s;
    }
  }
  const out = new Float64Array(outH * outW);
  for (let r = 0; r < outH; r++) {
    for (let c = 0; c < outW; c++) {
      let s = 0;
      for (let k = 0; k < SSIM_WINDOW; k++) s += (w[k] as number) * (rows[(r + k) * outW + c] as number);
      out[r * outW + c] = s;
    }
  }
  return out;
}

/** Structural similarity (mean SSIM over window positions and channels), images mapped to [0, 1]. */
export function ssim(x: Image, y: Image): number {
  checkSameShape(x, y);
  const { height, width, channels } = x;
  if (height < SSIM_WINDOW || width < SSIM_WINDOW) {
    throw new Error(`SSIM needs images of at least ${SSIM_WINDOW}×${SSIM_WINDOW}, got ${height}×${width}`);
  }
  const w = gaussianWindow();
  const n = height * width;
  let total = 0;
  let count = 0;
  for (let ch = 0; ch < channels; ch++) {
    const px = new Float64Array(n);
    const py = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      px[i] = ((x.data[i * channels + ch] as number) + 1) / 2;
      py[i] = ((y.data[i * channels + ch] as number) + 1) / 2;
    }
    const filter = (p: Float64Array) => filterValid(p, height, width, w);
    const muX = filter(px);
    const muY = filter(py);
    const exx = filter(px.map((v) => v * v));
    const eyy = filter(py.map((v) => v * v));
    const exy = filter(px.map((v, i) => v * (py[i] as number)));
    for (let i = 0; i < muX.length; i++) {
      const mx = muX[i] as number;
      const my = muY[i] as number;
      const varX = (exx[i] as number) - mx * mx;
      const varY = (eyy[i] as number) - my * my;
      const cov = (exy[i] as number) - mx * my;
      total += ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (varX + varY + C2));
      count += 1;
    }
  }
  return total / count;
}

export function imageMetrics(output: Image, target: Image): ImageMetrics {
  return { l1: l1(output, target), psnr: psnr(output, target), ssim: ssim(output, target) };
}

/** Per-metric means over images; PSNR averages the finite values' dB (identical pairs are left out). */
export function meanMetrics(all: readonly ImageMetrics[]): ImageMetrics {
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const finitePsnr = all.map((m) => m.psnr).filter(Number.isFinite);
  return {
    l1: mean(all.map((m) => m.l1)),
    psnr: finitePsnr.length > 0 ? mean(finitePsnr) : Number.POSITIVE_INFINITY,
    ssim: mean(all.map((m) => m.ssim)),
  };
}
