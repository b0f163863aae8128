/**
 * The built-in synthetic dataset: facade-like pairs generated on the fly, no files needed. Each pair is
 * a random building layout (wall, a grid of windows with sills, blinds and balconies, a door or a shop
 * front, a cornice, sky) drawn twice: B as a flat-colour label map like the facades dataset's, A as a
 * shaded photo-like rendering (textured wall, glass with reflections and frames, shadows under
 * everything that sticks out). Pair i is the same whatever the order (its layout comes from i alone),
 * so BtoA (labels → photo) is a task with real structure that pix2pix learns visibly in minutes.
 * Nothing here needs Node.
 */
import { Rng } from "../random.ts";

/** The label map's classes and their flat colours (in the spirit of the CMP facade labels). */
export const FACADE_CLASSES = {
  sky: [0, 0, 170],
  wall: [0, 0, 255],
  window: [0, 170, 255],
  door: [170, 255, 85],
  cornice: [255, 170, 0],
  sill: [85, 255, 170],
  balcony: [255, 85, 0],
  blind: [255, 255, 0],
  shop: [170, 0, 0],
  pillar: [255, 0, 0],
} as const satisfies Record<string, readonly [number, number, number]>;

export type FacadeClass = keyof typeof FACADE_CLASSES;

/** Index offsets that keep each phase's pairs apart: a test pair is never a training pair. */
export const SYNTHETIC_PHASE_OFFSETS: Readonly<Record<string, number>> = {
  train: 0,
  val: 1_000_000,
  test: 2_000_000,
};

interface Box {
  readonly cls: FacadeClass;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Classes that stick out of the wall and cast a shadow below them. */
const CASTS_SHADOW: ReadonlySet<FacadeClass> = new Set(["cornice", "sill", "balcony"]);

const WALL_COLOURS: readonly (readonly [number, number, number])[] = [
  [214, 196, 160], // sandstone
  [178, 172, 165], // grey render
  [160, 82, 60], // brick
  [226, 214, 178], // cream
  [196, 150, 110], // ochre
  [235, 232, 225], // white
];

function hash(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** Smooth value noise in [0, 1) with lattice spacing `cell` pixels. */
function valueNoise(x: number, y: number, cell: number, seed: number): number {
  const fx = x / cell;
  const fy = y / cell;
  const ix = Math.floor(fx);
  const iy = Math.floor(fy);
  const tx = fx - ix;
  const ty = fy - iy;
  const sx = tx * tx * (3 - 2 * tx);
  const sy = ty * ty * (3 - 2 * ty);
  const top = hash(ix, iy, seed) * (1 - sx) + hash(ix + 1, iy, seed) * sx;
  const bottom = hash(ix, iy + 1, seed) * (1 - sx) + hash(ix + 1, iy + 1, seed) * sx;
  return top * (1 - sy) + bottom * sy;
}

/** A random facade layout in pixels for a size × size image, painted in order (later boxes on top). */
function layout(rng: Rng, size: number): Box[] {
  const px = (fraction: number) => Math.round(fraction * size);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const boxes: Box[] = [];
  const skyBottom = rng.next() < 0.75 ? px(between(0.03, 0.16)) : 0;
  if (skyBottom > 0) boxes.push({ cls: "sky", x0: 0, y0: 0, x1: size, y1: skyBottom });
  boxes.push({ cls: "wall", x0: 0, y0: skyBottom, x1: size, y1: size });
  const corniceBottom = skyBottom + Math.max(2, px(between(0.025, 0.06)));
  boxes.push({ cls: "cornice", x0: 0, y0: skyBottom, x1: size, y1: corniceBottom });

  const groundTop = size - px(between(0.17, 0.27));
  const floors = 2 + rng.int(4);
  const columns = 2 + rng.int(5);
  const floorHeight = (groundTop - corniceBottom) / floors;
  const columnWidth = size / columns;
  const windowWidth = columnWidth * between(0.38, 0.62);
  const windowHeight = floorHeight * between(0.42, 0.62);
  const pillars = rng.next() < 0.35;
  if (pillars) {
    const pillarWidth = Math.max(1, px(0.02));
    for (let c = 1; c < columns; c++) {
      const x = Math.round(c * columnWidth);
      boxes.push({
        cls: "pillar",
        x0: x - pillarWidth,
        y0: corniceBottom,
        x1: x + pillarWidth,
        y1: groundTop,
      });
    }
  }
  const blindChance = rng.next() < 0.5 ? between(0.1, 0.5) : 0;
  for (let f = 0; f < floors; f++) {
    const floorTop = corniceBottom + f * floorHeight;
    const top = Math.round(floorTop + floorHeight * 0.25);
    const bottom = Math.round(top + windowHeight);
    const balcony = f > 0 && rng.next() < 0.3;
    for (let c = 0; c < columns; c++) {
      const centre = (c + 0.5) * columnWidth;
      const x0 = Math.round(centre - windowWidth / 2);
      const x1 = Math.round(centre + windowWidth / 2);
      boxes.push({ cls: "window", x0, y0: top, x1, y1: bottom });
      if (rng.next() < blindChance) {
        boxes.push({
          cls: "blind",
          x0,
          y0: top,
          x1,
          y1: Math.round(top + (bottom - top) * between(0.3, 0.8)),
        });
      }
      if (balcony) {
        const margin = Math.max(1, Math.round(windowWidth * 0.12));
        const railTop = Math.round(bottom - windowHeight * 0.35);
        boxes.push({ cls: "balcony", x0: x0 - margin, y0: railTop, x1: x1 + margin, y1: bottom + 1 });
      } else {
        boxes.push({ cls: "sill", x0: x0 - 1, y0: bottom, x1: x1 + 1, y1: bottom + Math.max(1, px(0.012)) });
      }
    }
  }
  if (rng.next() < 0.4) {
    boxes.push({
      cls: "shop",
      x0: px(0.05),
      y0: groundTop + px(0.03),
      x1: size - px(0.05),
      y1: size - px(0.02),
    });
  }
  const doorWidth = px(between(0.1, 0.16));
  const doorX = Math.round(between(0.15, 0.85) * (size - doorWidth));
  boxes.push({ cls: "door", x0: doorX, y0: groundTop + px(0.02), x1: doorX + doorWidth, y1: size });
  return boxes;
}

export interface SyntheticPair {
  /** The rendered photo-like image (side A), size × size × 3 bytes. */
  readonly photo: Uint8Array;
  /** The flat-colour label map (side B), size × size × 3 bytes. */
  readonly labels: Uint8Array;
}

const CLASS_NAMES = Object.keys(FACADE_CLASSES) as FacadeClass[];

/** Pair `index` of the synthetic dataset at size × size pixels: the same for the same index and size. */
export function renderSyntheticPair(index: number, size: number): SyntheticPair {
  const rng = Rng.fromSeed(index * 2654435761 + 12345);
  const boxes = layout(rng, size);
  const classOf = new Uint8Array(size * size);
  // Which box (by position in the list) owns each pixel, for shading relative to the box.
  const owner = new Int32Array(size * size);
  boxes.forEach((box, b) => {
    const cls = CLASS_NAMES.indexOf(box.cls);
    for (let y = Math.max(0, box.y0); y < Math.min(size, box.y1); y++) {
      for (let x = Math.max(0, box.x0); x < Math.min(size, box.x1); x++) {
        classOf[y * size + x] = cls;
        owner[y * size + x] = b;
      }
    }
  });

  const wall = WALL_COLOURS[rng.int(WALL_COLOURS.length)] ?? WALL_COLOURS[0] ?? [200, 200, 200];
  const tint = [0.92 + 0.16 * rng.next(), 0.92 + 0.16 * rng.next(), 0.92 + 0.16 * rng.next()];
  const brick = rng.next() < 0.4;
  const light = 0.85 + 0.3 * rng.next();
  const seed = rng.uint32();
  const shadowLength = Math.max(2, Math.round(size / 40));
  const courseHeight = Math.max(2, Math.round(size / 48));
  const photo = new Uint8Array(size * size * 3);
  const labels = new Uint8Array(size * size * 3);

  for (let x = 0; x < size; x++) {
    let sinceProtrusion = Number.POSITIVE_INFINITY;
    for (let y = 0; y < size; y++) {
      const p = y * size + x;
      const name = CLASS_NAMES[classOf[p] as number] as FacadeClass;
      const box = boxes[owner[p] as number] as Box;
      const u = (x - box.x0) / Math.max(1, box.x1 - box.x0);
      const v = (y - box.y0) / Math.max(1, box.y1 - box.y0);
      const grain = valueNoise(x, y, Math.max(2, size / 32), seed) - 0.5;
      const fine = hash(x, y, seed) - 0.5;
      let r: number;
      let g: number;
      let b: number;
      switch (name) {
        case "sky": {
          const t = y / Math.max(1, box.y1);
          r = 150 + 60 * t + 10 * grain;
          g = 190 + 40 * t + 10 * grain;
          b = 235 + 15 * t;
          break;
        }
        case "wall":
        case "pillar": {
          const mortar =
            brick && (y % courseHeight === 0 || (x + (Math.floor(y / courseHeight) % 2) * 3) % 7 === 0);
          const base = (mortar ? 0.8 : 1) * (name === "pillar" ? 1.08 : 1);
          const shade = base * (1 + 0.18 * grain + 0.05 * fine) * (1 - 0.15 * (y / size));
          r = (wall[0] as number) * (tint[0] as number) * shade;
          g = (wall[1] as number) * (tint[1] as number) * shade;
          b = (wall[2] as number) * (tint[2] as number) * shade;
          if (sinceProtrusion < shadowLength) {
            const dark = 0.55 + 0.45 * (sinceProtrusion / shadowLength);
            r *= dark;
            g *= dark;
            b *= dark;
          }
          break;
        }
        case "window":
        case "shop": {
          const edge = Math.min(x - box.x0, box.x1 - 1 - x, y - box.y0, box.y1 - 1 - y);
          const frame = Math.max(1, Math.round(size / 128));
          const mullion = name === "window" && Math.abs(u - 0.5) * (box.x1 - box.x0) < frame / 2 + 0.5;
          if (edge < frame || mullion) {
            r = g = b = 225 + 15 * fine;
          } else {
            const reflection = Math.max(0, 1 - 2 * v) * 35 + (u + v > 1.1 && u + v < 1.3 ? 30 : 0);
            r = 30 + reflection + 10 * grain;
            g = 42 + reflection + 10 * grain;
            b = (name === "shop" ? 50 : 62) + reflection + 12 * grain;
          }
          break;
        }
        case "blind": {
          const slat = Math.floor(v * 12) % 2 === 0 ? 1 : 0.8;
          r = 70 * slat;
          g = 110 * slat;
          b = 70 * slat;
          break;
        }
        case "door": {
          const plank = (x - box.x0) % Math.max(2, Math.round(size / 40)) === 0 ? 0.7 : 1;
          r = 105 * plank * (1 + 0.2 * grain);
          g = 65 * plank * (1 + 0.2 * grain);
          b = 40 * plank;
          break;
        }
        case "cornice":
        case "sill": {
          const underside = v > 0.7 ? 0.75 : 1;
          r = g = b = 230 * underside * (1 + 0.08 * grain);
          r *= 0.98;
          b *= 0.94;
          break;
        }
        case "balcony": {
          const bar = (x - box.x0) % 3 === 0 || v < 0.15 ? 1 : 0;
          const behind = 0.45 * (wall[0] as number);
          r = bar ? 35 : behind;
          g = bar ? 35 : behind * 0.95;
          b = bar ? 40 : behind * 0.9;
          break;
        }
      }
      sinceProtrusion = CASTS_SHADOW.has(name) ? 0 : sinceProtrusion + 1;
      photo[p * 3] = Math.max(0, Math.min(255, Math.round(r * light)));
      photo[p * 3 + 1] = Math.max(0, Math.min(255, Math.round(g * light)));
      photo[p * 3 + 2] = Math.max(0, Math.min(255, Math.round(b * light)));
      const colour = FACADE_CLASSES[name];
      labels[p * 3] = colour[0];
      labels[p * 3 + 1] = colour[1];
      labels[p * 3 + 2] = colour[2];
    }
  }
  return { photo, labels };
}
