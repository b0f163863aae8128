"""The PyTorch side of the facades learning check (tools/learning-check/facades.ts runs it).

Trains the reference architecture (/work/shared/reference/torch_pix2pix.py: U-Net with 7 downs for 128 px,
70x70 PatchGAN) in the reference's loop — G forward; D step on (A, G(A) detached) and (A, B), loss halved;
G step on GAN + 100 * L1; Adam 2e-4, betas (0.5, 0.999); weights N(0, 0.02), BN weights N(1, 0.02) — on
aligned facades (labels -> photo, BtoA) with the reference's resize (142, bicubic) + random 128 crop +
flip, for a fixed number of steps. Then translates the evaluation inputs the driver wrote (N x 128 x 128
x 3 float32, [-1, 1], NHWC) in the reference's default test mode (batch statistics, dropout on) and
writes the outputs the same way, so both implementations are scored on identical inputs and targets.

usage: /usr/bin/python3 torch_facades.py --data DIR --steps N --eval-inputs FILE --eval-count N --out FILE
"""
import argparse
import glob
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

sys.path.insert(0, "/work/shared/reference")
from torch_pix2pix import NLayerDiscriminator, UnetGenerator  # noqa: E402


def init_weights(net):
    for m in net.modules():
        name = m.__class__.__name__
        if hasattr(m, "weight") and ("Conv" in name):
            nn.init.normal_(m.weight.data, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.constant_(m.bias.data, 0.0)
        elif "BatchNorm2d" in name:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0.0)


def to_tensor(im):
    a = np.asarray(im, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(a).permute(2, 0, 1)


def sample(pair, load, crop):
    photo, labels = pair
    photo = photo.resize((load, load), Image.BICUBIC)
    labels = labels.resize((load, load), Image.BICUBIC)
    x, y = random.randint(0, load - crop), random.randint(0, load - crop)
    box = (x, y, x + crop, y + crop)
    photo, labels = photo.crop(box), labels.crop(box)
    if random.random() < 0.5:
        photo = photo.transpose(Image.FLIP_LEFT_RIGHT)
        labels = labels.transpose(Image.FLIP_LEFT_RIGHT)
    return to_tensor(labels), to_tensor(photo)  # BtoA: input labels, target photo


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--eval-inputs", required=True)
    p.add_argument("--eval-count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ngf", type=int, default=64, help="ngf of G and ndf of D")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)

    pairs = []
    for path in sorted(glob.glob(os.path.join(a.data, "train", "*"))):
        im = Image.open(path).convert("RGB")
        w, h = im.size
        pairs.append((im.crop((0, 0, w // 2, h)), im.crop((w // 2, 0, w, h))))

    G, D = UnetGenerator(a.ngf, 7), NLayerDiscriminator(a.ngf, 3)
    init_weights(G)
    init_weights(D)
    oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    bce, l1 = nn.BCEWithLogitsLoss(), nn.L1Loss()
    G.train()
    D.train()
    start = time.perf_counter()
    order = []
    for step in range(a.steps):
        if not order:
            order = list(range(len(pairs)))
            random.shuffle(order)
        A, B = sample(pairs[order.pop()], 142, 128)
        A, B = A.unsqueeze(0), B.unsqueeze(0)
        fake = G(A)
        oD.zero_grad()
        pf = D(torch.cat([A, fake.detach()], 1))
        pr = D(torch.cat([A, B], 1))
        loss_d = 0.5 * (bce(pf, torch.zeros_like(pf)) + bce(pr, torch.ones_like(pr)))
        loss_d.backward()
        oD.step()
        oG.zero_grad()
        pf = D(torch.cat([A, fake], 1))
        loss_g_l1 = l1(fake, B) * 100.0
        loss_g = bce(pf, torch.ones_like(pf)) + loss_g_l1
        loss_g.backward()
        oG.step()
        if (step + 1) % 100 == 0:
            print(f"torch step {step + 1}/{a.steps} G_L1 {loss_g_l1.item():.3f} "
                  f"({(step + 1) / (time.perf_counter() - start):.2f} it/s)", file=sys.stderr, flush=True)
    train_seconds = time.perf_counter() - start

    inputs = np.fromfile(a.eval_inputs, dtype=np.float32).reshape(a.eval_count, 128, 128, 3)
    outputs = np.empty_like(inputs)
    with torch.no_grad():  # the reference's default test time: G stays in train mode
        for i in range(a.eval_count):
            x = torch.from_numpy(inputs[i]).permute(2, 0, 1).unsqueeze(0)
            outputs[i] = G(x)[0].permute(1, 2, 0).numpy()
    outputs.tofile(a.out)
    print(json.dumps({"impl": "pytorch-" + torch.__version__, "steps": a.steps, "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
