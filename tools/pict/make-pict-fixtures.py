"""Writes the .pict fixtures of pix2pix-ts (packages/pix2pix/test/fixtures/pict/).

A .pict file is the browser format of affinelayer/pix2pix-tensorflow's demo (server/tools/
export-checkpoint.py), which ml5.js's pix2pix loaded: three chunks, each a big-endian uint32 byte length
and the bytes:
  1. JSON: [{"name": "generator/encoder_1/conv2d/kernel", "shape": [4, 4, 3, 64]}, ...], sorted by name;
  2. the codebook: 256 little-endian float32;
  3. one byte per weight, the codebook index, the variables' values one after another in chunk 1's
     order, each in TensorFlow's row-major layout (conv kernels [h, w, in, out]; conv2d_transpose
     kernels [h, w, out, in]).

This tool draws random weights for pix2pix-tensorflow's generator (create_generator: 8 encoders and 8
decoders, every conv with a bias, batch norm after every conv but encoder_1's and decoder_1's), quantizes
them to 256 values of its own choosing (the format does not say how; we take quantiles), writes the
.pict, and runs an independent PyTorch forward pass that follows pix2pix-tensorflow, in float64, with
the DEQUANTIZED weights:
  - TensorFlow's "same" padding, computed as TF does (pad_total = max((out - 1) * stride + k - in, 0),
    pad_before = pad_total // 2, the rest after), for the stride-2 4x4 convs and transposed convs;
  - batch normalization with the batch statistics (training=True, as pix2pix-tensorflow always ran it;
    the export drops the moving averages), epsilon 1e-5, over each image alone (batch size 1, as the
    browser demo and ml5 ran it);
  - skips concatenated as [decoder output, encoder output] on channels;
  - no dropout (the browser demo and ml5 applied none).
The input is test/parity.ts's pattern() (salt 11), NHWC [1, 256, 256, 3], so only the output is stored.

usage: /usr/bin/python3 tools/pict/make-pict-fixtures.py [OUT_DIR]   (Debian's python3-torch)
"""
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TOOLS)
_spec = importlib.util.spec_from_file_location("parity", os.path.join(TOOLS, "make-parity-fixtures.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    TOOLS, "..", "packages", "pix2pix", "test", "fixtures", "pict")

NGF = 4
SIZE = 256
IN_C, OUT_C = 3, 3
INPUT_SALT = 11


def generator_variables(ngf, in_c, out_c):
    """pix2pix-tensorflow's generator variables and their TensorFlow shapes, by scope."""
    enc = [ngf, ngf * 2, ngf * 4] + [ngf * 8] * 5  # encoder_1 .. encoder_8 output channels
    shapes = {}
    previous = in_c
    for i, width in enumerate(enc, start=1):
        scope = f"generator/encoder_{i}"
        shapes[f"{scope}/conv2d/kernel"] = [4, 4, previous, width]
        shapes[f"{scope}/conv2d/bias"] = [width]
        if i > 1:
            shapes[f"{scope}/batch_normalization/gamma"] = [width]
            shapes[f"{scope}/batch_normalization/beta"] = [width]
        previous = width
    for i in range(8, 0, -1):  # decoder_i undoes encoder_i: out = encoder_(i-1)'s width
        scope = f"generator/decoder_{i}"
        inner = enc[i - 1] if i == 8 else enc[i - 1] * 2
        outer = out_c if i == 1 else enc[i - 2]
        shapes[f"{scope}/conv2d_transpose/kernel"] = [4, 4, outer, inner]
        shapes[f"{scope}/conv2d_transpose/bias"] = [outer]
        if i > 1:
            shapes[f"{scope}/batch_normalization/gamma"] = [outer]
            shapes[f"{scope}/batch_normalization/beta"] = [outer]
    return shapes


def draw(shapes, rng):
    values = {}
    for name, shape in shapes.items():
        if name.endswith("kernel"):
            fan_in = shape[0] * shape[1] * shape[2]
            values[name] = rng.normal(0, 1.5 / np.sqrt(fan_in), shape)
        elif name.endswith("gamma"):
            values[name] = rng.normal(1, 0.3, shape)
        else:  # biases and betas, large enough to matter
            values[name] = rng.normal(0, 0.3, shape)
    return {k: v.astype(np.float32) for k, v in values.items()}


def quantize(flat):
    """256 quantiles of the values as the codebook; each value becomes its nearest entry's index."""
    codebook = np.quantile(flat, (np.arange(256) + 0.5) / 256).astype(np.float32)
    codes = np.empty(flat.shape, dtype=np.uint8)
    for start in range(0, flat.size, 65536):
        part = flat[start:start + 65536]
        codes[start:start + 65536] = np.argmin(np.abs(part[:, None] - codebook[None, :]), axis=1)
    return codebook, codes


def write_pict(path, names, shapes, codebook, codes):
    chunks = [
        json.dumps([{"name": n, "shape": shapes[n]} for n in names]).encode(),
        codebook.astype("<f4").tobytes(),
        codes.tobytes(),
    ]
    with open(path, "wb") as f:
        for chunk in chunks:
            f.write(struct.pack(">I", len(chunk)) + chunk)


# ---- pix2pix-tensorflow's generator, NHWC in and out, float64 ----

def same_pads(size, k, stride, out):
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def conv_same(x, kernel, bias):
    """tf.layers.conv2d(k=4, strides=2, padding="same"): kernel [h, w, in, out]."""
    n, c, h, w = x.shape
    oh, ow = -(-h // 2), -(-w // 2)
    top, bottom = same_pads(h, 4, 2, oh)
    left, right = same_pads(w, 4, 2, ow)
    x = F.pad(x, (left, right, top, bottom))
    return F.conv2d(x, kernel.permute(3, 2, 0, 1), bias, stride=2)


def deconv_same(x, kernel, bias):
    """tf.layers.conv2d_transpose(k=4, strides=2, padding="same"): kernel [h, w, out, in], output 2x."""
    n, c, h, w = x.shape
    full = F.conv_transpose2d(x, kernel.permute(3, 2, 0, 1), bias, stride=2)  # (in - 1) * 2 + 4
    top, _ = same_pads(2 * h, 4, 2, h)  # the forward conv from 2h to h pads this much on top
    left, _ = same_pads(2 * w, 4, 2, w)
    return full[:, :, top:top + 2 * h, left:left + 2 * w]


def batchnorm(x, gamma, beta):
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5) * gamma.view(1, -1, 1, 1) + beta.view(1, -1, 1, 1)


def lrelu(x):
    return 0.6 * x + 0.4 * x.abs()  # pix2pix-tensorflow's form of LeakyReLU(0.2)


def generator(v, x):
    t = {k: torch.from_numpy(a.astype(np.float64)) for k, a in v.items()}
    layers = [conv_same(x, t["generator/encoder_1/conv2d/kernel"], t["generator/encoder_1/conv2d/bias"])]
    for i in range(2, 9):
        s = f"generator/encoder_{i}"
        y = conv_same(lrelu(layers[-1]), t[f"{s}/conv2d/kernel"], t[f"{s}/conv2d/bias"])
        layers.append(batchnorm(y, t[f"{s}/batch_normalization/gamma"], t[f"{s}/batch_normalization/beta"]))
    for i in range(8, 0, -1):
        s = f"generator/decoder_{i}"
        inp = layers[-1] if i == 8 else torch.cat([layers[-1], layers[i - 1]], dim=1)
        y = deconv_same(torch.relu(inp), t[f"{s}/conv2d_transpose/kernel"], t[f"{s}/conv2d_transpose/bias"])
        if i > 1:
            y = batchnorm(y, t[f"{s}/batch_normalization/gamma"], t[f"{s}/batch_normalization/beta"])
        layers.append(y)
    return torch.tanh(layers[-1])


def main():
    os.makedirs(OUT, exist_ok=True)
    shapes = generator_variables(NGF, IN_C, OUT_C)
    names = sorted(shapes)
    values = draw(shapes, np.random.default_rng(2018))
    flat = np.concatenate([values[n].reshape(-1) for n in names])
    codebook, codes = quantize(flat)
    stem = os.path.join(OUT, f"tf_unet_ngf{NGF}")
    write_pict(stem + ".pict", names, shapes, codebook, codes)

    dequantized, offset = {}, 0
    for n in names:
        size = int(np.prod(shapes[n]))
        dequantized[n] = codebook[codes[offset:offset + size]].reshape(shapes[n])
        offset += size
    x = parity.pattern([1, SIZE, SIZE, IN_C], INPUT_SALT).double().permute(0, 3, 1, 2)
    y = generator(dequantized, x).permute(0, 2, 3, 1).float()
    parity.write_safetensors(stem + ".expected.safetensors", {"output": y},
                             {"ngf": str(NGF), "input": f"pattern([1, {SIZE}, {SIZE}, {IN_C}], {INPUT_SALT})"})
    print(f"wrote {stem}.pict ({os.path.getsize(stem + '.pict')} bytes) and {stem}.expected.safetensors; "
          f"output mean {y.mean():.4f} std {y.std():.4f}")


if __name__ == "__main__":
    main()
