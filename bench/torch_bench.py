# The harness shared by bench/torch-nb201.py and bench/torch-darts.py (the PyTorch references of
# bench/native-vs-torch.mjs): a timed SGD training step and evaluation forward over a list of
# paths, and the JSON line protocol on stdin/stdout. Each script supplies its super-net (a module
# called as net(x, path)) and its build command's size fields.
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F


class Bench:
    """A super-net, its SGD optimizer (momentum 0.9, lr 0.025) and one fixed random batch of 32x32 images."""

    def __init__(self, net, batch, weight_decay):
        self.net = net
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.025, momentum=0.9, weight_decay=weight_decay)
        self.x = torch.randn(batch, 3, 32, 32)
        self.y = torch.randint(0, 10, (batch,))

    def train(self, archs):
        """One step per path: zero_grad(set_to_none), forward, cross-entropy, backward, clip_grad_norm 5, SGD."""
        seconds, losses = [], []
        cpu0 = time.process_time()
        for arch in archs:
            t0 = time.perf_counter()
            self.opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(self.net(self.x, arch), self.y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
            self.opt.step()
            losses.append(loss.item())
            seconds.append(time.perf_counter() - t0)
        return {'seconds': seconds, 'losses': losses, 'cpu': time.process_time() - cpu0}

    def eval(self, archs):
        """One forward per path without gradients, with the loss and the accuracy read back."""
        seconds = []
        cpu0 = time.process_time()
        with torch.no_grad():
            for arch in archs:
                t0 = time.perf_counter()
                logits = self.net(self.x, arch)
                F.cross_entropy(logits, self.y).item()
                (logits.argmax(1) == self.y).float().sum().item()
                seconds.append(time.perf_counter() - t0)
        return {'seconds': seconds, 'cpu': time.process_time() - cpu0}


def run(build, smoke):
    """
    Parses --serve / --threads and runs the protocol. `build(command)` returns a Bench for a build
    command (seeded with torch.manual_seed(0) before the call); `smoke()` returns (Bench, paths)
    for the run without --serve, which prints one timed training of the paths.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument('--serve', action='store_true', help='read JSON commands on stdin')
    parser.add_argument('--threads', type=int, default=0, help='torch threads (default: all cores)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads if args.threads > 0 else (os.cpu_count() or 1))
    if not args.serve:
        torch.manual_seed(0)
        bench, archs = smoke()
        bench.train(archs[:1])
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), **bench.train(archs)}))
        return
    bench = None
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        cmd = command['cmd']
        if cmd == 'quit':
            break
        if cmd == 'build':
            torch.manual_seed(0)
            bench = build(command)
            out = {'ok': True, 'params': sum(p.numel() for p in bench.net.parameters())}
        elif cmd == 'train':
            out = bench.train(command['archs'])
        elif cmd == 'eval':
            out = bench.eval(command['archs'])
        else:
            out = {'error': f'unknown command {cmd}'}
        print(json.dumps(out), flush=True)
