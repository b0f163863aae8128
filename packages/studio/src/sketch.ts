/**
 * The input canvas: its pixels are the network's input, one canvas pixel per network pixel. The pen
 * and the eraser stamp hard-edged discs along the pointer's path (no antialiasing, so a label map keeps
 * exactly its palette's colours); each stroke, clear, sample or upload can be undone.
 */
import { css, type Rgb } from "./palettes.ts";

export type Tool = "pen" | "eraser";

const UNDO_DEPTH = 40;

export class Sketch {
  readonly ctx: CanvasRenderingContext2D;
  tool: Tool = "pen";
  colour: Rgb = [0, 0, 0];
  background: Rgb = [255, 255, 255];
  /** Brush radius in network pixels. */
  radius = 2;
  private readonly undoStack: ImageData[] = [];
  private last: { x: number; y: number } | undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    /** Called while a stroke draws and when it ends (`final`), and after every other change. */
    private readonly changed: (final: boolean) => void,
  ) {
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("this browser has no 2D canvas");
    this.ctx = ctx;
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    for (const type of ["pointerup", "pointercancel"] as const)
      canvas.addEventListener(type, (e) => this.up(e));
  }

  get size(): number {
    return this.canvas.width;
  }

  /** The pixels the network sees. */
  pixels(): ImageData {
    return this.ctx.getImageData(0, 0, this.size, this.size);
  }

  /** Resizes to size × size, scaling what is drawn (nearest neighbour, so labels stay labels). */
  resize(size: number): void {
    if (size === this.size) return;
    const old = this.pixels();
    const copy = document.createElement("canvas");
    copy.width = old.width;
    copy.height = old.height;
    copy.getContext("2d")?.putImageData(old, 0, 0);
    this.canvas.width = size;
    this.canvas.height = size;
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(copy, 0, 0, size, size);
    this.undoStack.length = 0;
  }

  clear(): void {
    this.checkpoint();
    this.fill(this.background);
    this.changed(true);
  }

  fill(rgb: Rgb): void {
    this.ctx.fillStyle = css(rgb);
    this.ctx.fillRect(0, 0, this.size, this.size);
  }

  /** Replaces the drawing with these pixels (size × size RGBA). */
  put(image: ImageData): void {
    this.checkpoint();
    this.ctx.putImageData(image, 0, 0);
    this.changed(true);
  }

  undo(): boolean {
    const previous = this.undoStack.pop();
    if (!previous) return false;
    if (previous.width === this.size) this.ctx.putImageData(previous, 0, 0);
    this.changed(true);
    return true;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  private checkpoint(): void {
    this.undoStack.push(this.pixels());
    if (this.undoStack.length > UNDO_DEPTH) this.undoStack.shift();
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: Math.floor(((e.clientX - box.left) / box.width) * this.size),
      y: Math.floor(((e.clientY - box.top) / box.height) * this.size),
    };
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.checkpoint();
    this.last = this.point(e);
    this.stamp(this.last.x, this.last.y);
    this.changed(false);
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    const to = this.point(e);
    this.line(this.last, to);
    this.last = to;
    this.changed(false);
  }

  private up(e: PointerEvent): void {
    if (!this.last) return;
    this.last = undefined;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.changed(true);
  }

  private line(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const steps = Math.max(Math.abs(to.x - from.x), Math.abs(to.y - from.y), 1);
    for (let i = 1; i <= steps; i++) {
      this.stamp(
        Math.round(from.x + ((to.x - from.x) * i) / steps),
        Math.round(from.y + ((to.y - from.y) * i) / steps),
      );
    }
  }

  /** A filled disc of whole pixels (row by row with fillRect, which is exact at integer coordinates). */
  private stamp(x: number, y: number): void {
    this.ctx.fillStyle = css(this.tool === "eraser" ? this.background : this.colour);
    const r = this.radius;
    for (let dy = -r; dy <= r; dy++) {
      const half = Math.floor(Math.sqrt(r * r - dy * dy + r));
      this.ctx.fillRect(x - half, y + dy, 2 * half + 1, 1);
    }
  }
}
