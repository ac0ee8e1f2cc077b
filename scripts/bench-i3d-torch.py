#!/usr/bin/env python3
"""PyTorch reference for `uptake bench scan-model --size full`: the same I3D (2 input channels,
Mixed_3b..Mixed_5c, 1024 channels), attention heads for T tasks, BCE and one Adam step, timed
on random input of shape (batch, 2, slices, 224, 224). Needs only torch (any scratch venv).

Usage: bench-i3d-torch.py [--slices 64] [--batch 1] [--steps 1] [--tasks 26] [--size 224]
                          [--width 1.0] [--blocks 9] [--profile]

--width/--blocks give the small (0.25, 4; --size 64) and tiny (0.125, 2; --size 32) presets of
`uptake bench scan-model` (channel counts scaled and rounded as `EncoderConfig::scaled` does).
--profile adds one more step under torch.profiler and prints its operators by self CPU time,
then the same time grouped into the kinds `uptake bench scan-model --profile` prints.
"""
import argparse
import os
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def same_pad(x, kernel, stride):
    pads = []
    for n, k, s in reversed(list(zip(x.shape[2:], kernel, stride))):
        total = max(k - (s if n % s == 0 else n % s), 0)
        pads += [total // 2, total - total // 2]
    return pads


class Unit(nn.Module):
    def __init__(self, cin, cout, k=(1, 1, 1), s=(1, 1, 1)):
        super().__init__()
        self.k, self.s = k, s
        self.conv = nn.Conv3d(cin, cout, k, s, bias=False)
        self.bn = nn.BatchNorm3d(cout, eps=1e-3)

    def forward(self, x):
        x = F.pad(x, same_pad(x, self.k, self.s))
        return F.relu(self.bn(self.conv(x)))


def pool(x, k, s):
    x = F.pad(x, same_pad(x, k, s), value=float("-inf"))
    return F.max_pool3d(x, k, s)


class Mixed(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.b0 = Unit(cin, c[0])
        self.b1 = nn.Sequential(Unit(cin, c[1]), Unit(c[1], c[2], (3, 3, 3)))
        self.b2 = nn.Sequential(Unit(cin, c[3]), Unit(c[3], c[4], (3, 3, 3)))
        self.b3 = Unit(cin, c[5])

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1(x), self.b2(x), self.b3(pool(x, (3, 3, 3), (1, 1, 1)))], 1)


SPECS = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), (192, 96, 208, 16, 48, 64),
         (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
         (256, 160, 320, 32, 128, 128), (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]


def scaled(n, width):
    return max(1, round(n * width))


class Model(nn.Module):
    def __init__(self, tasks, width=1.0, blocks=9):
        super().__init__()
        s = lambda n: scaled(n, width)
        self.c1, self.c2 = Unit(2, s(64), (7, 7, 7), (2, 2, 2)), Unit(s(64), s(64))
        self.c3 = Unit(s(64), s(192), (3, 3, 3))
        mixed, cin = [], s(192)
        for c in SPECS[:blocks]:
            c = [s(n) for n in c]
            mixed.append(Mixed(cin, c))
            cin = c[0] + c[2] + c[4] + c[5]
        blocks = mixed
        self.mixed = nn.ModuleList(blocks)
        self.score = nn.Parameter(torch.zeros(tasks, cin))
        self.cls = nn.Parameter(torch.randn(tasks, cin) / cin ** 0.5)
        self.bias = nn.Parameter(torch.zeros(tasks))

    def forward(self, x):
        x = pool(self.c1(x), (1, 3, 3), (1, 2, 2))
        x = pool(self.c3(self.c2(x)), (1, 3, 3), (1, 2, 2))
        for i, m in enumerate(self.mixed):
            if i == 2:
                x = pool(x, (3, 3, 3), (2, 2, 2))
            if i == 7:
                x = pool(x, (2, 2, 2), (2, 2, 2))
            x = m(x)
        a = x.flatten(2).transpose(1, 2)  # (b, n, c)
        alpha = torch.softmax(a @ self.score.t(), dim=1)  # (b, n, t)
        pooled = alpha.transpose(1, 2) @ a  # (b, t, c)
        return (pooled * self.cls).sum(-1) + self.bias


# Operator name -> the kind `uptake bench scan-model --profile` counts it under. PyTorch's
# convolution backward computes the input and weight gradients in one operator, so they are
# one kind here; ReLU is fused into our batch norm, so it counts there.
KINDS = [
    ("conv forward", ("aten::mkldnn_convolution", "aten::slow_conv3d_forward", "aten::_convolution")),
    ("conv backward (input + weight)", ("convolution_backward", "slow_conv3d_backward")),
    ("batch norm + ReLU forward", ("aten::native_batch_norm", "aten::_batch_norm_impl_index",
                                   "aten::batch_norm", "aten::relu", "aten::clamp_min")),
    ("batch norm + ReLU backward", ("native_batch_norm_backward", "threshold_backward")),
    ("max pool forward", ("aten::max_pool3d_with_indices",)),
    ("max pool backward", ("max_pool3d_with_indices_backward",)),
    ("Adam step", ("_foreach",)),
    ("padding and copies", ("constant_pad_nd", "aten::copy_", "aten::fill_", "aten::zero_", "aten::cat")),
]


def kind_of(name):
    low = name.lower()
    # Backward kinds first: their operators' names contain the forward ones'.
    for kind, keys in sorted(KINDS, key=lambda k: "backward" not in k[0]):
        if any(k.lower() in low for k in keys):
            return kind
    return "rest (heads, loss, other)"


def print_kinds(prof):
    """Self CPU time of every operator by kind; everything under the optimizer's step counts
    as the Adam step (its element-wise operators would otherwise look like the rest)."""
    totals = {}

    def add(kind, us):
        totals[kind] = totals.get(kind, 0.0) + us * 1e-6

    def walk(e):
        add(kind_of(e.name), e.self_cpu_time_total)
        for c in e.cpu_children:
            walk(c)

    for e in prof.events():
        if e.cpu_parent is not None:
            continue
        if e.name.startswith("Optimizer."):
            add("Adam step", e.cpu_time_total)
        else:
            walk(e)
    step = sum(totals.values())
    print(f"profile by kind (seconds per step, share; {step:.3f} s under the profiler):")
    for kind in [k for k, _ in KINDS] + ["rest (heads, loss, other)"]:
        s = totals.get(kind, 0.0)
        print(f"  {kind:<32} {s:.3f}  {100 * s / step:4.1f} %")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--tasks", type=int, default=26)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--blocks", type=int, default=9)
    ap.add_argument("--profile", action="store_true")
    # The device (scripts/gpu-check sets cuda through the environment: `uptake bench` passes
    # the other options).
    ap.add_argument("--device", default=os.environ.get("BENCH_TORCH_DEVICE", "cpu"))
    a = ap.parse_args()
    torch.manual_seed(0)
    device = torch.device(a.device)
    model = Model(a.tasks, a.width, a.blocks).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    def step():
        x = torch.randn(a.batch, 2, a.slices, a.size, a.size, device=device)
        y = torch.rand(a.batch, a.tasks, device=device)
        sync()
        t0 = time.perf_counter()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        return time.perf_counter() - t0

    times = [step() for _ in range(a.steps + 1)][1:]
    if a.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))
        print_kinds(prof)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = sum(p.numel() for p in model.parameters())
    print(f"pytorch {torch.__version__} ({torch.get_num_threads()} threads): {n} parameters, "
          f"input {a.batch}x2x{a.slices}x{a.size}x{a.size}; step mean {sum(times) / len(times):.3f} s, "
          f"min {min(times):.3f} s over {len(times)} steps; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
