"""The PyTorch side of the facades learning check (tools/learning-check/facades.ts runs it, once per seed).

Trains the reference's pix2pix (tools/torch_reference: unet_128 with dropout, basic D, vanilla GAN +
100 * L1, Adam 2e-4 / (0.5, 0.999); the learning rate constant, or with --schedule N+M the reference's
linear policy, set at the start of each epoch as its scheduler does) on DATA/train, aligned photo|labels files,
labels -> photo (BtoA), batch 1, with the reference's aligned transform: resize to --load-size (Pillow
bicubic), random --crop-size crop, random flip, one draw per pair for both sides; a reshuffle each epoch.
At each step count of --steps it translates the evaluation inputs the driver wrote (N x 128 x 128 x 3
float32, [-1, 1], NHWC) in eval mode and writes the outputs, 8-bit, to OUT-<steps>.u8 for the driver to
score, and prints one JSON line: impl, seed, steps, train_seconds (the training time so far).

usage: /usr/bin/python3 tools/learning-check/torch_facades.py --data DIR --steps N[,N...] --seed S --ngf F
           --eval-inputs FILE --eval-count N --out PREFIX [--schedule constant|N+M] [--load-size 143]
           [--crop-size 128] [--threads 2]
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_reference import Pix2pix, define_D, define_G  # noqa: E402


def to_tensor(image):
    """PIL RGB -> 1 x 3 x H x W in [-1, 1] (the reference's ToTensor + Normalize(0.5, 0.5))."""
    a = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0)


def load_pairs(folder):
    """(photo, labels) halves of each aligned image, in file-name order."""
    pairs = []
    for name in sorted(os.listdir(folder)):
        image = Image.open(os.path.join(folder, name)).convert("RGB")
        w, h = image.size
        pairs.append((image.crop((0, 0, w // 2, h)), image.crop((w // 2, 0, w, h))))
    return pairs


def transform(pair, load, crop):
    """The reference's aligned transform with its draws: crop corner, then flip (random.random() > 0.5)."""
    x, y = random.randint(0, load - crop), random.randint(0, load - crop)
    flip = random.random() > 0.5
    out = []
    for image in pair:
        image = image.resize((load, load), Image.BICUBIC).crop((x, y, x + crop, y + crop))
        out.append(to_tensor(image.transpose(Image.FLIP_LEFT_RIGHT) if flip else image))
    return out


def linear_lr_factor(epoch, n_epochs, n_epochs_decay):
    """The reference's lambda_rule for epoch `epoch` (1-based, epoch_count 1): its scheduler has stepped
    `epoch` times when that epoch starts."""
    return 1.0 - max(0, epoch + 1 - n_epochs) / float(n_epochs_decay + 1)


def write_outputs(G, inputs, path):
    """G's outputs in eval mode (running statistics, no dropout), 8-bit NHWC as the reference's tensor2im
    makes them (truncating); G goes back to train mode."""
    G.eval()
    with torch.no_grad():
        outputs = G(inputs).permute(0, 2, 3, 1).numpy()
    G.train()
    ((outputs + 1) / 2 * 255).astype(np.uint8).tofile(path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a folder with train/ (aligned photo|labels images)")
    p.add_argument("--steps", type=lambda text: sorted(int(n) for n in text.split(",")), required=True,
                   help="step counts to score at; the last one ends training")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ngf", type=int, default=64, help="ngf of G and ndf of D")
    p.add_argument("--load-size", type=int, default=143)
    p.add_argument("--crop-size", type=int, default=128)
    p.add_argument("--eval-inputs", required=True)
    p.add_argument("--eval-count", type=int, required=True)
    p.add_argument("--out", required=True, help="outputs go to OUT-<steps>.u8")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--schedule", default="constant", help="constant, or N+M: N epochs, then M decaying")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)

    pairs = load_pairs(os.path.join(a.data, "train"))
    size = a.crop_size
    inputs = np.fromfile(a.eval_inputs, dtype=np.float32).reshape(a.eval_count, size, size, 3)
    inputs = torch.from_numpy(inputs).permute(0, 3, 1, 2)
    model = Pix2pix(define_G(3, 3, a.ngf, "unet_128", use_dropout=True), define_D(6, a.ngf, "basic"))
    decay = None if a.schedule == "constant" else tuple(int(n) for n in a.schedule.split("+"))
    train_seconds, order, epoch = 0.0, [], 0
    for step in range(1, a.steps[-1] + 1):
        start = time.perf_counter()
        if not order:
            order = list(range(len(pairs)))
            random.shuffle(order)
            epoch += 1
            if decay:
                for optimizer in (model.optimizer_G, model.optimizer_D):
                    for group in optimizer.param_groups:
                        group["lr"] = 2e-4 * linear_lr_factor(epoch, *decay)
        photo, labels = transform(pairs[order.pop()], a.load_size, a.crop_size)
        losses, _ = model.step(labels, photo)  # BtoA: labels in, photo out
        train_seconds += time.perf_counter() - start
        if step % 100 == 0:
            print(f"torch seed {a.seed} step {step}/{a.steps[-1]} G_L1 {losses['G_L1']:.3f} "
                  f"({train_seconds / step:.2f} s/step)", file=sys.stderr, flush=True)
        if step in a.steps:
            write_outputs(model.G, inputs, f"{a.out}-{step}.u8")
            print(json.dumps({"impl": "pytorch-" + torch.__version__, "seed": a.seed, "steps": step,
                              "train_seconds": train_seconds}), flush=True)


if __name__ == "__main__":
    main()
