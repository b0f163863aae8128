"""Writes the transform parity fixtures of pix2pix-ts (packages/pix2pix/test/fixtures/transforms/).

The data loader resizes with a TypeScript port of Pillow's bicubic resample and applies the reference
implementation's transforms (junyanz/pytorch-CycleGAN-and-pix2pix, data/base_dataset.py: Grayscale,
Resize(BICUBIC), crop, flip) to A and B. These fixtures are what Pillow computes for the same inputs, so a
test can hold the loader to Pillow's bytes. Inputs are PNG (lossless), so no JPEG decoder differences
enter. manifest.json lists each case: the input, the steps, and the expected raw bytes (HWC uint8).

usage: /usr/bin/python3 tools/make-transform-fixtures.py [OUT_DIR]   (Debian's python3-pil; CI does not need it)
"""
import json
import math
import os
import sys

from PIL import Image

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "packages", "pix2pix", "test", "fixtures", "transforms")


def pattern(width, height):
    """A smooth image with sharp edges and fine detail, so resampling errors show."""
    img = Image.new("RGB", (width, height))
    px = img.load()
    for y in range(height):
        for x in range(width):
            r = int(127.5 + 127.5 * math.sin(x * 0.37 + y * 0.11))
            g = 255 if (x // 5 + y // 4) % 2 == 0 else 30
            b = (x * 13 + y * 29) % 256
            px[x, y] = (r, g, b)
    return img


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []

    source = pattern(23, 17)
    source.save(os.path.join(OUT, "pattern-23x17.png"))
    for mode in ("RGB", "L"):
        image = source.convert(mode)
        for size in ((31, 29), (9, 7), (23, 40), (40, 17), (5, 3)):
            name = f"resize-{mode}-{size[0]}x{size[1]}"
            image.resize(size, Image.BICUBIC).save(os.path.join(OUT, name + ".png"))
            cases.append({"kind": "resize", "input": "pattern-23x17.png", "mode": mode,
                          "size": list(size), "expected": name + ".png"})

    # An aligned A|B image through the reference's resize_and_crop + flip, A in grayscale.
    aligned = pattern(64, 32)
    aligned.save(os.path.join(OUT, "aligned-64x32.png"))
    w, h = aligned.size
    halves = {"A": aligned.crop((0, 0, w // 2, h)), "B": aligned.crop((w // 2, 0, w, h))}
    load, crop, left, top = 36, 32, 3, 1
    for side, channels in (("A", 1), ("B", 3)):
        image = halves[side].convert("L") if channels == 1 else halves[side]
        image = image.resize((load, load), Image.BICUBIC)
        image = image.crop((left, top, left + crop, top + crop))
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
        name = f"aligned-{side}.png"
        image.save(os.path.join(OUT, name))
        cases.append({"kind": "aligned", "input": "aligned-64x32.png", "side": side, "channels": channels,
                      "loadSize": load, "cropSize": crop, "left": left, "top": top, "flip": True,
                      "expected": name})

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"pillow": Image.__version__, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
