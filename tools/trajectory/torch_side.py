"""The PyTorch side of the trajectory comparison (tools/trajectory/trajectory.ts prepares its inputs and runs it).

From the run folder the driver wrote it reads config.json, the initial weights of G and D (init.safetensors,
written by pix2pix-ts in the reference's state-dict keys), the training batches in their order (batches.f32)
and the held-out evaluation inputs (eval.f32); then trains the reference's pix2pix (tools/torch_reference)
exactly as the reference's train.py loop does: per epoch, update_learning_rate() first (the reference's
get_scheduler policies, stepped at the start of every epoch), then one optimize_parameters per batch.

With dropout, G's masks come from the generator pix2pix-ts uses for them (sfc32, seeded as its Rng), drawn
in the order its layers draw them (one uniform per element, NHWC order, dropped when below 0.5, kept ones
doubled), so both sides drop the same units. Without it, G is built without dropout.

Writes torch/losses.json (per step: the four losses and the learning rate) and, at every step the config
lists, torch/step_NNNNNN.safetensors: G.* and D.* state dicts and eval.output, G's output in eval mode
(running statistics, no dropout) for the evaluation inputs, NHWC like the inputs.

With --perturb, every initial weight is first moved by one ulp and the results go to torch-perturbed/: two
PyTorch runs that differ only by float rounding, the baseline against which pix2pix-ts's departure is judged.

usage: /usr/bin/python3 tools/trajectory/torch_side.py RUN_DIR [--perturb]
"""
import json
import os
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
from torch.optim import lr_scheduler

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from torch_reference import Pix2pix, define_D, define_G  # noqa: E402
from torch_reference.sfc32 import Sfc32  # noqa: E402

DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    header.pop("__metadata__", None)
    body = raw[8 + length:]
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        raw = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(path + ".tmp", path)


class SharedMaskDropout(nn.Module):
    """Dropout(0.5) whose mask is drawn from `rng` as pix2pix-ts draws it: NHWC order, 0 below 0.5, else 2."""

    def __init__(self, rng):
        super().__init__()
        self.rng = rng

    def forward(self, x):
        if not self.training:
            return x
        n, c, h, w = x.shape
        keep = np.array(self.rng.uniforms(n * h * w * c)).reshape(n, h, w, c) >= 0.5
        mask = torch.from_numpy(np.where(keep, 2.0, 0.0).astype(np.float32)).permute(0, 3, 1, 2)
        return x * mask


def share_dropout_masks(net, rng):
    for module in net.modules():
        for name, child in module.named_children():
            if isinstance(child, nn.Dropout):
                setattr(module, name, SharedMaskDropout(rng))


def reference_scheduler(optimizer, c):
    """The reference's get_scheduler (networks.py) for the run's policy."""
    if c["lrPolicy"] == "linear":
        def lambda_rule(epoch):
            return 1.0 - max(0, epoch + c["epochCount"] - c["nEpochs"]) / float(c["nEpochsDecay"] + 1)
        return lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda_rule)
    if c["lrPolicy"] == "step":
        return lr_scheduler.StepLR(optimizer, step_size=c["lrDecayIters"], gamma=0.1)
    if c["lrPolicy"] == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.2, threshold=0.01, patience=5)
    if c["lrPolicy"] == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=c["nEpochs"], eta_min=0)
    raise ValueError(f"unknown lr policy {c['lrPolicy']}")


def nchw(flat, n, h, w, ch):
    return torch.from_numpy(flat.reshape(n, h, w, ch)).permute(0, 3, 1, 2).contiguous()


def nudged(state):
    """Every float tensor moved by one ulp (towards +inf): the float-noise baseline starts here."""
    return {k: torch.nextafter(v, torch.tensor(float("inf"))) if v.is_floating_point() else v
            for k, v in state.items()}


def main():
    run = sys.argv[1]
    perturb = "--perturb" in sys.argv[2:]
    with open(os.path.join(run, "config.json")) as f:
        c = json.load(f)
    torch.set_num_threads(c["torchThreads"])
    # The reference steps its schedulers at the start of each epoch, before any optimizer step: intended here.
    warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler\.step\(\)` before")
    out = os.path.join(run, "torch-perturbed" if perturb else "torch")
    os.makedirs(out, exist_ok=True)

    G = define_G(c["inputNc"], c["outputNc"], c["ngf"], c["netG"], c["norm"], c["dropout"])
    D = define_D(c["inputNc"] + c["outputNc"], c["ndf"], c["netD"], c["nLayersD"], c["norm"])
    init = read_safetensors(os.path.join(run, "init.safetensors"))
    if perturb:
        init = nudged(init)
    G.load_state_dict({k[2:]: v for k, v in init.items() if k.startswith("G.")})
    D.load_state_dict({k[2:]: v for k, v in init.items() if k.startswith("D.")})
    if c["dropout"]:
        share_dropout_masks(G, Sfc32(c["dropoutSeed"]))
    G.train()
    D.train()
    model = Pix2pix(G, D, c["ganMode"], c["lambdaL1"], c["lr"], c["beta1"])
    schedulers = [reference_scheduler(o, c) for o in (model.optimizer_G, model.optimizer_D)]

    size, cin, cout = c["size"], c["inputNc"], c["outputNc"]
    per_a, per_b = size * size * cin, size * size * cout
    batches = np.memmap(os.path.join(run, "batches.f32"), dtype=np.float32, mode="r")
    evals = np.fromfile(os.path.join(run, "eval.f32"), dtype=np.float32)
    n_eval = c["evalCount"]
    eval_a = nchw(evals[:n_eval * per_a], n_eval, size, size, cin)

    def dump(step):
        tensors = {f"G.{k}": v for k, v in G.state_dict().items()}
        tensors.update({f"D.{k}": v for k, v in D.state_dict().items()})
        G.eval()
        with torch.no_grad():
            tensors["eval.output"] = G(eval_a).permute(0, 2, 3, 1).contiguous()
        G.train()
        write_safetensors(os.path.join(out, f"step_{step:06d}.safetensors"), tensors)

    records, step = [], 0
    dumps = set(c["dumpSteps"])
    if 0 in dumps:
        dump(0)
    last_epoch = c["nEpochs"] + c["nEpochsDecay"]
    for epoch in range(c["epochCount"], last_epoch + 1):
        for s in schedulers:  # the reference's update_learning_rate, at the start of every epoch
            if c["lrPolicy"] == "plateau":
                s.step(0)  # the reference's pix2pix never sets model.metric, which starts at 0
            else:
                s.step()
        lr = model.optimizer_G.param_groups[0]["lr"]
        for _ in range(c["stepsPerEpoch"]):
            if step == c["steps"]:
                break
            offset = step * (per_a + per_b)
            a = nchw(np.array(batches[offset:offset + per_a]), 1, size, size, cin)
            b = nchw(np.array(batches[offset + per_a:offset + per_a + per_b]), 1, size, size, cout)
            losses, _ = model.step(a, b)
            step += 1
            records.append({**losses, "lr": lr, "epoch": epoch})
            if step in dumps:
                dump(step)
    with open(os.path.join(out, "losses.json"), "w") as f:
        json.dump(records, f)
    print(json.dumps({"impl": "pytorch-" + torch.__version__, "steps": step}))


if __name__ == "__main__":
    main()
