#!/usr/bin/env python3
"""Writes the PyTorch I3D fixtures of `tests/torch.rs` (run once; the outputs are committed).

The module tree below has the structure, parameter names and "SAME" padding of the PyTorch I3D
the study used (piergiaj/pytorch-i3d, `InceptionI3d`): units `Conv3d_1a_7x7`, `Conv3d_2b_1x1`,
`Conv3d_2c_3x3`, Inception blocks `Mixed_*` with branches `b0`, `b1a`, `b1b`, `b2a`, `b2b`,
`b3a` (pool), `b3b`, each unit a `conv3d` (no bias) + `bn` (BatchNorm3d, eps 1e-3, with scale),
and a `logits` unit (conv with bias). Channel counts are scaled like `EncoderConfig::scaled`, so
width 0.125 matches the `tiny` preset. Weights are random (seeded); batch-norm running statistics
are those of the fixture input, then scale and bias are randomised, so activations are O(1).

Usage: /tmp/torchvenv/bin/python crates/scanmodel/scripts/make-torch-fixture.py [OUT_DIR]
(default OUT_DIR: crates/scanmodel/tests/fixtures). Needs torch (any scratch venv).

Files:
- torch_i3d_flow.pt: zip format, plain state dict of a 2-channel (flow) network at width 0.125
  with Mixed_3b, Mixed_3c, Mixed_4b and a 5-class logits layer.
- torch_i3d_flow_stem.pth: legacy (non-zip) format, the same network's stem tensors only, keys
  prefixed `module.` (DataParallel), wrapped as {"state_dict": ..., "epoch": 3, "best_auc": 0.8}.
- torch_i3d_rgb_stem.pt: zip format, a 3-channel (RGB) stem, keys prefixed `i3d.`, wrapped as
  {"model": ...}.
- torch_i3d_bad_shape.pt: the flow network's stem with Conv3d_2c_3x3 inflated over 1 slice
  instead of 3 (shape (24, 8, 1, 3, 3)).
- torch_i3d_expected.json: encoder outputs for the fixed input (see `fixture_input`), in the
  order (channel, slice, row, col): `flow_blocks2` (stem, Mixed_3b, Mixed_3c and the two later
  pools, i.e. EncoderConfig { width 0.125, mixed_blocks 2 }), `flow_blocks0` (stem and pools
  only), `rgb_grey_blocks0` (the RGB stem on the grey input, every colour = CT channel).
"""

import json
import math
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTH = 0.125
INPUT_SHAPE = (16, 64, 64)  # slices, rows, cols
MIXED = [
    ("Mixed_3b", [64, 96, 128, 16, 32, 32]),
    ("Mixed_3c", [128, 128, 192, 32, 96, 64]),
    ("Mixed_4b", [192, 96, 208, 16, 48, 64]),
]


def scaled(c):
    # Rust's f32::round (half away from zero), as EncoderConfig::scaled.
    return max(1, int(math.floor(c * WIDTH + 0.5)))


def same_pad(size, kernel, stride):
    """TensorFlow "SAME" padding (before, after) along one axis."""
    if size % stride == 0:
        pad = max(kernel - stride, 0)
    else:
        pad = max(kernel - size % stride, 0)
    return pad // 2, pad - pad // 2


def pad_same(x, kernel, stride):
    _, _, t, h, w = x.shape
    pt, ph, pw = (same_pad(s, k, st) for s, k, st in zip((t, h, w), kernel, stride))
    return F.pad(x, (pw[0], pw[1], ph[0], ph[1], pt[0], pt[1]))


class MaxPoolSame(nn.Module):
    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        # Zero padding as the study's code: equal to -inf padding after a ReLU.
        return F.max_pool3d(pad_same(x, self.kernel, self.stride), self.kernel, self.stride)


class Unit3D(nn.Module):
    def __init__(self, c_in, c_out, kernel=(1, 1, 1), stride=(1, 1, 1), bn=True, bias=False, relu=True):
        super().__init__()
        self.kernel, self.stride, self.relu = tuple(kernel), tuple(stride), relu
        self.conv3d = nn.Conv3d(c_in, c_out, self.kernel, self.stride, padding=0, bias=bias)
        if bn:
            self.bn = nn.BatchNorm3d(c_out, eps=0.001, momentum=0.01)

    def forward(self, x):
        x = self.conv3d(pad_same(x, self.kernel, self.stride))
        if hasattr(self, "bn"):
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class Inception(nn.Module):
    def __init__(self, c_in, out):
        super().__init__()
        o = [scaled(c) for c in out]
        self.b0 = Unit3D(c_in, o[0])
        self.b1a = Unit3D(c_in, o[1])
        self.b1b = Unit3D(o[1], o[2], (3, 3, 3))
        self.b2a = Unit3D(c_in, o[3])
        self.b2b = Unit3D(o[3], o[4], (3, 3, 3))
        self.b3a = MaxPoolSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(c_in, o[5])
        self.out = o[0] + o[2] + o[4] + o[5]

    def forward(self, x):
        return torch.cat(
            [self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], 1
        )


class ReducedI3d(nn.Module):
    """InceptionI3d's layers up to `len(MIXED)` blocks, registered under the same names."""

    def __init__(self, in_channels, blocks, classes=5, stem_2c_kernel=(3, 3, 3)):
        super().__init__()
        self.add_module("Conv3d_1a_7x7", Unit3D(in_channels, scaled(64), (7, 7, 7), (2, 2, 2)))
        self.add_module("Conv3d_2b_1x1", Unit3D(scaled(64), scaled(64)))
        self.add_module("Conv3d_2c_3x3", Unit3D(scaled(64), scaled(192), stem_2c_kernel))
        c = scaled(192)
        self.block_names = []
        for name, out in MIXED[:blocks]:
            m = Inception(c, out)
            self.add_module(name, m)
            self.block_names.append(name)
            c = m.out
        if blocks == len(MIXED):
            self.logits = Unit3D(c, classes, bn=False, bias=True, relu=False)

    def encoder(self, x, blocks):
        """Our encoder's order: stem, blocks, with MaxPool3d_4a before block 2 and
        MaxPool3d_5a before block 7 (both always applied, as EncoderConfig keeps the pools)."""
        m = self._modules
        x = m["Conv3d_1a_7x7"](x)
        x = MaxPoolSame((1, 3, 3), (1, 2, 2))(x)
        x = m["Conv3d_2c_3x3"](m["Conv3d_2b_1x1"](x))
        x = MaxPoolSame((1, 3, 3), (1, 2, 2))(x)
        for i in range(9):
            if i == 2:
                x = MaxPoolSame((3, 3, 3), (2, 2, 2))(x)
            if i == 7:
                x = MaxPoolSame((2, 2, 2), (2, 2, 2))(x)
            if i < blocks:
                x = m[self.block_names[i]](x)
        return x


def fixture_input(channels):
    """x[c, z, y, x] = sin(0.37 z + 0.91 y + 1.3 c) * cos(0.53 x - 0.2 c) * 0.8, in float64 and
    then rounded to float32 (tests/torch.rs computes the same)."""
    t, h, w = INPUT_SHAPE
    c = torch.arange(channels, dtype=torch.float64).view(channels, 1, 1, 1)
    z = torch.arange(t, dtype=torch.float64).view(1, t, 1, 1)
    y = torch.arange(h, dtype=torch.float64).view(1, 1, h, 1)
    xx = torch.arange(w, dtype=torch.float64).view(1, 1, 1, w)
    v = torch.sin(0.37 * z + 0.91 * y + 1.3 * c) * torch.cos(0.53 * xx - 0.2 * c) * 0.8
    return v.float().unsqueeze(0)


def randomise(net, x, blocks, gen):
    """Running statistics from the input, then random scale and bias (momentum 1 = copy)."""
    for mod in net.modules():
        if isinstance(mod, nn.BatchNorm3d):
            mod.momentum = 1.0
    net.train()
    with torch.no_grad():
        # Two copies of the input with noise: the batch statistics are those of real data.
        batch = torch.cat([x, x + 0.1 * torch.randn(x.shape, generator=gen)], 0)
        net.encoder(batch, blocks)
    net.eval()
    for mod in net.modules():
        if isinstance(mod, nn.BatchNorm3d):
            mod.momentum = 0.01
            with torch.no_grad():
                mod.weight.copy_(0.5 + torch.rand(mod.weight.shape, generator=gen))
                mod.bias.copy_(0.2 * torch.randn(mod.bias.shape, generator=gen))


def flat(y):
    return [round(float(v), 7) for v in y[0].flatten().tolist()]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"
    )
    gen = torch.Generator().manual_seed(20171)
    torch.manual_seed(20171)  # nn.Conv3d's own initialisation

    flow = ReducedI3d(2, len(MIXED))
    x2 = fixture_input(2)
    randomise(flow, x2, 2, gen)
    with torch.no_grad():
        flow_blocks2 = flow.encoder(x2, 2)
        flow_blocks0 = flow.encoder(x2, 0)
    state = flow.state_dict()
    torch.save(state, os.path.join(out_dir, "torch_i3d_flow.pt"))

    stem = ("Conv3d_1a_7x7.", "Conv3d_2b_1x1.", "Conv3d_2c_3x3.")
    prefixed = OrderedDict(("module." + k, v) for k, v in state.items() if k.startswith(stem))
    torch.save(
        {"state_dict": prefixed, "epoch": 3, "best_auc": 0.8},
        os.path.join(out_dir, "torch_i3d_flow_stem.pth"),
        _use_new_zipfile_serialization=False,
    )

    rgb = ReducedI3d(3, 0)
    x3 = fixture_input(1).repeat(1, 3, 1, 1, 1)  # grey: every colour = the CT channel
    randomise(rgb, x3, 0, gen)
    with torch.no_grad():
        rgb_grey_blocks0 = rgb.encoder(x3, 0)
    torch.save(
        {"model": OrderedDict(("i3d." + k, v) for k, v in rgb.state_dict().items())},
        os.path.join(out_dir, "torch_i3d_rgb_stem.pt"),
    )

    bad = ReducedI3d(2, 0, stem_2c_kernel=(1, 3, 3))
    torch.save(bad.state_dict(), os.path.join(out_dir, "torch_i3d_bad_shape.pt"))

    expected = {
        "input_shape": list(INPUT_SHAPE),
        "width": WIDTH,
        "flow_blocks2": {"shape": list(flow_blocks2.shape[1:]), "values": flat(flow_blocks2)},
        "flow_blocks0": {"shape": list(flow_blocks0.shape[1:]), "values": flat(flow_blocks0)},
        "rgb_grey_blocks0": {
            "shape": list(rgb_grey_blocks0.shape[1:]),
            "values": flat(rgb_grey_blocks0),
        },
    }
    with open(os.path.join(out_dir, "torch_i3d_expected.json"), "w") as f:
        json.dump(expected, f)
    for k in ("flow_blocks2", "flow_blocks0", "rgb_grey_blocks0"):
        v = torch.tensor(expected[k]["values"])
        print(f"{k}: shape {expected[k]['shape']}, mean {v.mean():.4f}, max {v.max():.4f}")


if __name__ == "__main__":
    main()
