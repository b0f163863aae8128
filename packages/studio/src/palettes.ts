/**
 * What the pen paints with. Edges are black on white (edges→photo models); label maps paint flat colours
 * with no antialiasing: the facades dataset's labels as the pix2pix demos painted them, and the built-in
 * synthetic dataset's classes, taken from the library so that they are the colours its models saw.
 */
import { FACADE_CLASSES } from "pix2pix-ts";

export type Rgb = readonly [number, number, number];

export interface Palette {
  readonly title: string;
  /** The canvas's colour after "clear", and what the eraser paints. */
  readonly background: Rgb;
  readonly colours: readonly { readonly name: string; readonly rgb: Rgb }[];
}

const named = (entries: Record<string, Rgb>) => Object.entries(entries).map(([name, rgb]) => ({ name, rgb }));

export const PALETTES = {
  edges: { title: "edges (pen)", background: [255, 255, 255], colours: named({ line: [0, 0, 0] }) },
  facades: {
    title: "facades labels",
    background: [13, 61, 251],
    // the label colours of the pix2pix facades demo's editor
    colours: named({
      wall: [13, 61, 251],
      door: [165, 0, 0],
      window: [0, 117, 255],
      "window sill": [104, 248, 152],
      "window head": [29, 255, 221],
      shutter: [238, 237, 40],
      balcony: [184, 255, 56],
      trim: [255, 146, 4],
      cornice: [255, 68, 1],
      column: [246, 0, 1],
      entrance: [0, 201, 255],
    }),
  },
  synthetic: {
    title: "synthetic dataset labels",
    background: FACADE_CLASSES.wall,
    colours: named(FACADE_CLASSES),
  },
} as const satisfies Record<string, Palette>;

export type PaletteName = keyof typeof PALETTES;

export const css = ([r, g, b]: Rgb) => `rgb(${r}, ${g}, ${b})`;
