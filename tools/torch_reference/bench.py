"""The PyTorch speed baseline of `pix2pix bench --baseline CMD`: the reference's pix2pix model (U-Net with
batch norm and dropout, basic 70x70 PatchGAN, vanilla GAN + 100 * L1, Adam 2e-4 / 0.5) trained on random
data, measured as src/bench/training-speed.ts measures ours: the median of `iters` timed iterations after
one warm-up, and of `iters` inferences of G in the reference's test mode (train mode under no_grad).
Prints one JSON line with train_s_per_iter and infer_s_per_batch (seconds), and peak_rss_mb, the
process's peak resident memory (MiB).

usage: /usr/bin/python3 tools/torch_reference/bench.py [--size 256] [--ngf 64] [--ndf 64] [--batch 1]
                                                       [--iters 6] [--threads 2]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from torch_reference import Pix2pix, define_D, define_G  # noqa: E402


def timed(run, iters):
    """Seconds of each of `iters` calls of run, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=256, help="image size, a multiple of 128 (unet_256 at multiples of 256, else unet_128)")
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--ndf", type=int, default=64)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--iters", type=int, default=6, help="timed iterations (after one warm-up)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    a = p.parse_args()
    if a.size % 128 != 0:
        p.error(f"--size {a.size} is not a multiple of 128")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G = define_G(3, 3, a.ngf, "unet_256" if a.size % 256 == 0 else "unet_128", use_dropout=True)
    D = define_D(6, a.ndf, "basic")
    model = Pix2pix(G, D)
    A = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
    B = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1

    train = timed(lambda: model.step(A, B), a.iters)
    with torch.no_grad():  # G stays in train mode: batch statistics and dropout, the reference's test time
        infer = timed(lambda: G(A), a.iters)
    print(json.dumps({"impl": "pytorch-" + torch.__version__, "size": a.size, "ngf": a.ngf, "ndf": a.ndf,
                      "batch": a.batch, "threads": a.threads, "train_s_per_iter": statistics.median(train),
                      "infer_s_per_batch": statistics.median(infer),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))  # KiB on Linux


if __name__ == "__main__":
    main()
