#!/usr/bin/python3
# PyTorch reference of lmreg's DARTS super-net training step (packages/train/src/model/
# darts-network.ts + train-step.ts), for bench/native-vs-torch.mjs. Run with Debian's python3-torch:
#   /usr/bin/python3 bench/torch-darts.py --serve --threads 1
# Same line protocol as bench/torch-nb201.py (the harness: bench/torch_bench.py):
#   {"cmd": "build", "channels": 16, "layers": 5, "batch": 64}                  -> {"ok": true, "params": ...}
#   {"cmd": "train", "archs": [genotype, ...]}  (one SGD step per genotype)       -> {"seconds": [...], "losses": [...], "cpu": s}
#   {"cmd": "eval",  "archs": [genotype, ...]}  (one forward per genotype)       -> {"seconds": [...], "cpu": s}
#   {"cmd": "quit"}
# genotype = {"normal": [[op, input] x 8], "reduce": [[op, input] x 8]} (pairs 2k, 2k+1 feed node k,
# inputs 0..k+1; the cell output concatenates nodes 2..5).
# The network is the same as ours: stem conv3x3 (3 -> 3C) + BN; `layers` cells, reduction cells at
# layers // 3 and 2 * layers // 3 (channels doubled); each cell preprocesses its two inputs with
# ReLU-Conv1x1-BN (FactorizedReduce after a reduction cell) and holds every one of the 8 DARTS ops
# on each of its 14 edges (a super-net); a step computes only the sampled genotype's 8 pairs (a
# single-path super-net step, as ours). Ops: sep_conv (twice ReLU, depthwise, pointwise, BN),
# dil_conv (ReLU, dilated depthwise, pointwise, BN), max/avg pool 3x3 (count_include_pad=False),
# skip (FactorizedReduce at stride 2), none (zeros). Every BN is affine with batch statistics.
# Global average pool, linear. SGD momentum 0.9, weight decay 3e-4, clip_grad_norm 5, lr 0.025,
# zero_grad(set_to_none=True). NCHW float32.
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_bench import Bench, run

OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']


def bn(c):
    return nn.BatchNorm2d(c, affine=True, track_running_stats=False)


def relu_conv_bn(cin, cout):
    return nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(cin, cout, 1, 1, 0, bias=False), bn(cout))


def dw_pw_bn(c, k, stride, pad, dilation):
    return [nn.ReLU(inplace=False), nn.Conv2d(c, c, k, stride, pad, dilation=dilation, groups=c, bias=False),
            nn.Conv2d(c, c, 1, 1, 0, bias=False), bn(c)]


class FactorizedReduce(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout // 2, 1, 2, 0, bias=False)
        self.conv2 = nn.Conv2d(cin, cout // 2, 1, 2, 0, bias=False)
        self.bn = bn(cout)

    def forward(self, x):
        r = F.relu(x)
        return self.bn(torch.cat([self.conv1(r), self.conv2(r[:, :, 1:, 1:])], dim=1))


class Zero(nn.Module):
    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        n, c, h, w = x.shape
        return x.new_zeros(n, c, -(-h // self.stride), -(-w // self.stride))


def make_op(op, c, stride):
    if op == 'none':
        return Zero(stride)
    if op == 'max_pool_3x3':
        return nn.MaxPool2d(3, stride, 1)
    if op == 'avg_pool_3x3':
        return nn.AvgPool2d(3, stride, 1, count_include_pad=False)
    if op == 'skip_connect':
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    k = int(op[-1])
    if op.startswith('sep_conv'):
        return nn.Sequential(*dw_pw_bn(c, k, stride, (k - 1) // 2, 1), *dw_pw_bn(c, k, 1, (k - 1) // 2, 1))
    return nn.Sequential(*dw_pw_bn(c, k, stride, k - 1, 2))


class Cell(nn.Module):
    def __init__(self, c_prev_prev, c_prev, c, reduction, reduction_prev):
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(c_prev_prev, c) if reduction_prev else relu_conv_bn(c_prev_prev, c)
        self.pre1 = relu_conv_bn(c_prev, c)
        self.edges = nn.ModuleDict()
        for k in range(4):
            for j in range(k + 2):
                stride = 2 if reduction and j < 2 else 1
                self.edges[f'{k}_{j}'] = nn.ModuleDict({op: make_op(op, c, stride) for op in OPS})

    def forward(self, s0, s1, pairs):
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(4):
            terms = []
            for q in (2 * k, 2 * k + 1):
                op, j = pairs[q]
                terms.append(self.edges[f'{k}_{j}'][op](states[j]))
            states.append(terms[0] + terms[1])
        return torch.cat(states[2:], dim=1)


class Supernet(nn.Module):
    def __init__(self, c, layers, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 3 * c, 3, 1, 1, bias=False), bn(3 * c))
        c_prev_prev, c_prev, c_cur, reduction_prev = 3 * c, 3 * c, c, False
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_cur *= 2
            self.cells.append(Cell(c_prev_prev, c_prev, c_cur, reduction, reduction_prev))
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, 4 * c_cur
        self.classifier = nn.Linear(c_prev, classes)

    def forward(self, x, genotype):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, genotype['reduce'] if cell.reduction else genotype['normal'])
        return self.classifier(s1.mean((2, 3)))


def build(command):
    return Bench(Supernet(command['channels'], command['layers']), command['batch'], 3e-4)


def smoke():
    pairs = [['sep_conv_3x3', 0], ['dil_conv_5x5', 1]] * 4
    genotype = {'normal': pairs, 'reduce': pairs}
    return Bench(Supernet(16, 5), 64, 3e-4), [genotype] * 2


if __name__ == '__main__':
    run(build, smoke)
