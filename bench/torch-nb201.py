#!/usr/bin/python3
# PyTorch reference of lmreg's NB201 super-net training step (packages/train/src/model/
# nb201-network.ts + train-step.ts), for bench/native-vs-torch.mjs. Run with Debian's python3-torch:
#   /usr/bin/python3 bench/torch-nb201.py --serve --threads 1
# It reads one JSON command per line on stdin and answers one JSON line on stdout:
#   {"cmd": "build", "channels": 8, "cells": 1, "batch": 64}                -> {"ok": true, "params": ...}
#   {"cmd": "train", "archs": [[op x 6], ...]}  (one SGD step per arch)      -> {"seconds": [...], "losses": [...], "cpu": s}
#   {"cmd": "eval",  "archs": [[op x 6], ...]}  (one forward per arch)      -> {"seconds": [...], "cpu": s}
# (cpu: process CPU time of the whole command, all threads.)
#   {"cmd": "quit"}
# The network is the same as ours: stem conv3x3 + BN; 3 stages of N cells at C, 2C, 4C with
# NB201's ResNet reduction blocks (ReLU-Conv3x3/s2-BN, ReLU-Conv3x3-BN, shortcut 2x2 avg pool +
# conv1x1); BN + ReLU, global average pool, linear. Every BN is affine with batch statistics
# (track_running_stats=False, as our network in training and evaluation). Cells compute only the
# live edges of the sampled path. SGD momentum 0.9, weight decay 5e-4 (coupled), clip_grad_norm 5,
# lr 0.025, zero_grad(set_to_none=True) so off-path weights do not move. NCHW float32 (PyTorch's
# default CPU layout; what a PyTorch user gets).
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_bench import Bench, run

EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def relu_conv_bn(cin, cout, k, stride):
    return nn.Sequential(
        nn.ReLU(inplace=False),
        nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, bias=False),
        nn.BatchNorm2d(cout, affine=True, track_running_stats=False),
    )


class Cell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ops = nn.ModuleList(
            nn.ModuleDict({'nor_conv_1x1': relu_conv_bn(c, c, 1, 1), 'nor_conv_3x3': relu_conv_bn(c, c, 3, 1)})
            for _ in EDGES
        )

    def forward(self, x, ops, live):
        nodes = [x, None, None, None]
        for target in (1, 2, 3):
            needed = target == 3 or any(f == target and live[e] for e, (f, _) in enumerate(EDGES))
            terms = []
            for e, (f, t) in enumerate(EDGES):
                if t != target or not live[e]:
                    continue
                op, src = ops[e], nodes[f]
                if op == 'skip_connect':
                    terms.append(src)
                elif op == 'avg_pool_3x3':
                    terms.append(F.avg_pool2d(src, 3, 1, 1, count_include_pad=False))
                else:
                    terms.append(self.ops[e][op](src))
            if needed:
                nodes[target] = torch.zeros_like(x) if not terms else terms[0] if len(terms) == 1 else sum(terms)
        return nodes[3]


class Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a = relu_conv_bn(cin, cout, 3, 2)
        self.conv_b = relu_conv_bn(cout, cout, 3, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, 1, 0, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Supernet(nn.Module):
    def __init__(self, c, n, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c, track_running_stats=False))
        blocks = []
        for stage in range(3):
            width = c * 2 ** stage
            if stage > 0:
                blocks.append(Reduction(width // 2, width))
            blocks.extend(Cell(width) for _ in range(n))
        self.blocks = nn.ModuleList(blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * c, track_running_stats=False), nn.ReLU())
        self.classifier = nn.Linear(4 * c, classes)

    def forward(self, x, ops):
        live = live_edges(ops)
        h = self.stem(x)
        for block in self.blocks:
            h = block(h, ops, live) if isinstance(block, Cell) else block(h)
        h = self.lastact(h).mean((2, 3))
        return self.classifier(h)


def live_edges(ops):
    live_node = [False, False, False, True]
    live = [False] * 6
    for e in range(5, -1, -1):
        f, t = EDGES[e]
        if ops[e] != 'none' and live_node[t]:
            live[e] = True
            live_node[f] = True
    return live


def build(command):
    return Bench(Supernet(command['channels'], command['cells']), command['batch'], 5e-4)


def smoke():
    arch = ['nor_conv_3x3'] * 6
    return Bench(Supernet(8, 1), 64, 5e-4), [arch] * 3


if __name__ == '__main__':
    run(build, smoke)
