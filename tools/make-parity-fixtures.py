"""Writes the PyTorch parity fixtures of pix2pix-ts (packages/pix2pix/test/fixtures/parity/).

Weights, BatchNorm running statistics and inputs are not stored: both sides compute them from the
deterministic `pattern()` below (test/parity.ts has the twin), so the fixtures stay small while the
networks keep ngf/ndf 8. For each case, <case>.expected.safetensors holds the outputs in train mode
(networks built without dropout) and in eval mode, the running statistics after one train-mode
forward, and in its metadata the state-dict keys and shapes. Small cases are also saved with
torch.save, in the zip format (<case>.pth) and in the legacy pre-1.6 format (<case>.legacy.pth), to
test the .pth importer. One more fixture holds the gradients of the pix2pix G and D losses, and of a
WGAN-GP gradient penalty, w.r.t. some parameters; another (layouts.*) strided, offset, half, double
and int64 tensors in both .pth formats.

The networks come from torch_reference/ (ours, with the reference's module nesting and state-dict keys).

usage: /usr/bin/python3 tools/make-parity-fixtures.py [OUT_DIR]   (Debian's python3-torch; CI does not need it)
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

from torch_reference import NLayerDiscriminator, PixelDiscriminator, ResnetGenerator, UnetGenerator, norm_layer
from torch_reference.sfc32 import Sfc32

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "packages", "pix2pix", "test", "fixtures", "parity")


# ---- shared with the TypeScript tests ----

def pattern(shape, salt):
    """Deterministic values in [-1, 1): a multiplicative hash of the flat index (test/parity.ts has the twin)."""
    n = 1
    for s in shape:
        n *= s
    values = [((((i + salt) * 2654435761) % 2 ** 32) / 2 ** 32) * 2 - 1 for i in range(n)]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def fnv1a(text):
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) % 2 ** 32
    return h


def pattern_value(key, shape):
    """A state-dict entry from the pattern, salted by its key: conv weights scaled by 1/sqrt(fan-in),
    BatchNorm weights near 1, running variances in [0.5, 1.5), batch counts 7."""
    if key.endswith("num_batches_tracked"):
        return torch.tensor(7, dtype=torch.int64)
    p = pattern(shape, fnv1a(key))
    if len(shape) == 4:
        return p / (shape[1] * shape[2] * shape[3]) ** 0.5
    if key.endswith("running_var"):
        return 1 + 0.5 * p
    if key.endswith("running_mean"):
        return 0.3 * p
    return (1 if key.endswith("weight") else 0) + 0.5 * p


def fill(net):
    net.load_state_dict({k: pattern_value(k, list(v.shape)) for k, v in net.state_dict().items()})


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = ({"__metadata__": metadata} if metadata else {}), [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        raw = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def outputs(net, x):
    out = {"input": x} if x.numel() <= 1024 else {}  # a small input stored too, to check pattern() itself
    net.eval()
    with torch.no_grad():
        out["output.eval"] = net(x)
    net.train()
    with torch.no_grad():
        out["output.train"] = net(x)  # also moves the running statistics
    for name, b in net.named_buffers():
        out["after_train." + name] = b
    return out


CASES = [
    # name, constructor, input shape (NCHW), save as .pth too
    ("unet_256", lambda: UnetGenerator(1, 1, 8, 8, norm_layer("batch"), False), (1, 1, 256, 256), False),
    ("unet_128", lambda: UnetGenerator(3, 1, 7, 8, norm_layer("batch"), False), (1, 3, 128, 128), False),
    ("unet_128_ngf2", lambda: UnetGenerator(3, 3, 7, 2, norm_layer("batch"), False), (1, 3, 128, 128), True),
    ("resnet_9blocks", lambda: ResnetGenerator(3, 3, 8, norm_layer("batch"), False, 9), (2, 3, 20, 20), False),
    ("resnet_6blocks_instance", lambda: ResnetGenerator(3, 2, 8, norm_layer("instance"), False, 6), (2, 3, 16, 16), False),
    ("basic", lambda: NLayerDiscriminator(6, 8, 3, norm_layer("batch")), (2, 6, 64, 64), True),
    ("n_layers_5", lambda: NLayerDiscriminator(6, 8, 5, norm_layer("batch")), (1, 6, 128, 128), False),
    ("n_layers_1_none", lambda: NLayerDiscriminator(4, 8, 1, norm_layer("none")), (2, 4, 16, 16), True),
    ("pixel", lambda: PixelDiscriminator(6, 8, norm_layer("batch")), (2, 6, 8, 8), True),
]


def save_case(name, net, shape, pth):
    sd = net.state_dict()
    if pth:
        torch.save(sd, os.path.join(OUT, name + ".pth"))
        torch.save(sd, os.path.join(OUT, name + ".legacy.pth"), _use_new_zipfile_serialization=False)
    shapes = json.dumps({k: list(v.shape) for k, v in sd.items()}, separators=(",", ":"))
    write_safetensors(os.path.join(OUT, name + ".expected.safetensors"), outputs(net, pattern(shape, 1)),
                      {"state_dict_shapes": shapes})


def gan_gradients():
    """pix2pix losses (vanilla GAN + 100·L1, D loss halved) on G = unet_128 and D = basic, train mode."""
    G = UnetGenerator(3, 3, 7, 8, norm_layer("batch"), False)
    D = NLayerDiscriminator(6, 8, 3, norm_layer("batch"))
    fill(G)
    fill(D)
    G.train()
    D.train()
    A, B = pattern((1, 3, 128, 128), 2), pattern((1, 3, 128, 128), 3)
    bce, l1 = nn.BCEWithLogitsLoss(), nn.L1Loss()
    fake = G(A)
    out = {}
    pred_fake, pred_real = D(torch.cat([A, fake.detach()], 1)), D(torch.cat([A, B], 1))
    loss_D = 0.5 * (bce(pred_fake, torch.zeros_like(pred_fake)) + bce(pred_real, torch.ones_like(pred_real)))
    d_params = dict(D.named_parameters())
    for name, grad in zip(d_params, torch.autograd.grad(loss_D, list(d_params.values()))):
        out["grad_D." + name] = grad
    pred = D(torch.cat([A, fake], 1))
    loss_G = bce(pred, torch.ones_like(pred)) + 100.0 * l1(fake, B)
    g_keys = ["model.model.0.weight", "model.model.3.weight", "model.model.3.bias",
              "model.model.1.model.2.weight", "model.model.1.model.2.bias", "model.model.1.model.5.weight",
              "model.model.1.model.3.model.2.weight", "model.model.1.model.3.model.3.model.6.bias"]
    g_params = dict(G.named_parameters())
    for name, grad in zip(g_keys, torch.autograd.grad(loss_G, [g_params[k] for k in g_keys])):
        out["grad_G." + name] = grad
    out["loss_D"] = loss_D.detach().reshape([])
    out["loss_G"] = loss_G.detach().reshape([])
    # lsgan on the same predictions: MSE against 1 (real) and 0 (fake).
    mse = nn.MSELoss()
    out["lsgan_D"] = (0.5 * (mse(pred_fake, torch.zeros_like(pred_fake)) + mse(pred_real, torch.ones_like(pred_real)))).detach().reshape([])
    # WGAN-GP penalty as the reference's cal_gradient_penalty ("mixed"), with per-sample weights drawn from
    # the TypeScript Rng seeded 5, on the D inputs (A, B) and (A, fake).
    real_ab, fake_ab = torch.cat([A, B], 1), torch.cat([A, fake.detach()], 1)
    rng = Sfc32(5)
    alpha = torch.tensor([rng.next() for _ in range(real_ab.shape[0])], dtype=torch.float32).view(-1, 1, 1, 1)
    mixed = (alpha * real_ab + (1 - alpha) * fake_ab).requires_grad_(True)
    d_mixed = D(mixed)
    grads = torch.autograd.grad(d_mixed, mixed, torch.ones_like(d_mixed), create_graph=True)[0].view(real_ab.shape[0], -1)
    gp = (((grads + 1e-16).norm(2, dim=1) - 1.0) ** 2).mean() * 10.0
    out["gp"] = gp.detach().reshape([])
    for name in ["model.0.weight", "model.3.weight"]:
        out["gp_grad." + name] = torch.autograd.grad(gp, d_params[name], retain_graph=True)[0]
    # A ResNet generator with instance norm: reflection padding, transposed convs with output_padding,
    # instance norm and residual sums under an L1 loss, in train mode.
    R = ResnetGenerator(3, 2, 8, norm_layer("instance"), False, 6)
    fill(R)
    loss_R = l1(R(pattern((2, 3, 16, 16), 1)), pattern((2, 2, 16, 16), 4))
    # (Biases right before an instance norm are left out: their gradient is zero, up to rounding noise.)
    r_keys = ["model.1.weight", "model.10.conv_block.1.weight", "model.16.weight", "model.19.weight", "model.23.weight",
              "model.23.bias"]
    r_params = dict(R.named_parameters())
    for name, grad in zip(r_keys, torch.autograd.grad(loss_R, [r_params[k] for k in r_keys])):
        out["grad_R." + name] = grad
    out["loss_R"] = loss_R.detach().reshape([])
    write_safetensors(os.path.join(OUT, "gradients.expected.safetensors"), out)


def storage_layouts():
    """Tensors a state dict may hold besides dense float32: strided views, offsets, other dtypes."""
    base = pattern((10,), 8)
    tensors = {
        "transposed": pattern((3, 4), 5).t(),
        "offset_view": base[2:7],
        "half": pattern((5,), 6).half(),
        "double": pattern((2, 2), 7).double(),
        "long": torch.arange(6).reshape(2, 3) * -3,
        "scalar": torch.tensor(2.5),
    }
    for suffix, zip_format in [(".pth", True), (".legacy.pth", False)]:
        torch.save(tensors, os.path.join(OUT, "layouts" + suffix), _use_new_zipfile_serialization=zip_format)
    write_safetensors(os.path.join(OUT, "layouts.expected.safetensors"),
                      {k: (v if v.dtype == torch.int64 else v.float()) for k, v in tensors.items()})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    for name, make, shape, pth in CASES:
        net = make()
        fill(net)
        save_case(name, net, shape, pth)
    gan_gradients()
    storage_layouts()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1e6:.2f} MB, to {OUT}")


if __name__ == "__main__":
    main()
