import { InvalidArgumentError } from '@lmreg/common';

import type { Graph, Nb101Spec } from './nb101-spec.js';
import { checkPruned, pruneGraph, readSpecObject } from './nb101-spec.js';

/** Network shape for {@link nb101ParamCount}; the defaults are the official NAS-Bench-101 network. */
export interface Nb101NetworkOptions {
  /** Output channels of the stem conv3x3 (and of every module of the first stack). Default 128. */
  readonly stem?: number;
  /** Number of stacks; each stack after the first starts with a 2x2 max pool and doubles the channels. Default 3. */
  readonly stacks?: number;
  /** Modules (cells) per stack. Default 3. */
  readonly modulesPerStack?: number;
  /** Output classes of the final dense layer. Default 10 (CIFAR-10). */
  readonly classes?: number;
  /** Channels of the network input image. Default 3 (RGB). */
  readonly inputChannels?: number;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`nb101ParamCount: options.${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

/**
 * Channels of every vertex of a pruned module (official `compute_vertex_channels`): the output's
 * channels are split evenly over the vertices feeding the output (the first `C mod k` of them get
 * one extra channel); every other intermediate vertex gets the largest channel count among its
 * successors.
 *
 * @internal
 */
export function vertexChannels(g: Graph, inputChannels: number, outputChannels: number): number[] {
  const n = g.n;
  const last = n - 1;
  const channels = new Array<number>(n).fill(0);
  channels[0] = inputChannels;
  channels[last] = outputChannels;
  if (n === 2) return channels;
  let fanIn = 0;
  for (let v = 1; v < last; v++) if (((g.rows[v] as number) >> last) & 1) fanIn++;
  const interior = Math.floor(outputChannels / fanIn);
  let correction = outputChannels % fanIn;
  for (let v = 1; v < last; v++) {
    if (((g.rows[v] as number) >> last) & 1) {
      channels[v] = interior;
      if (correction > 0) {
        channels[v]! += 1;
        correction--;
      }
    }
  }
  for (let v = n - 3; v > 0; v--) {
    if (!(((g.rows[v] as number) >> last) & 1)) {
      for (let dst = v + 1; dst < last; dst++) {
        if (((g.rows[v] as number) >> dst) & 1) channels[v] = Math.max(channels[v] as number, channels[dst] as number);
      }
    }
  }
  return channels;
}

/** Trainable parameters of a conv (no bias) + batch norm (gamma and beta) + ReLU. */
function convBnParams(kernel: number, inChannels: number, outChannels: number): number {
  return kernel * kernel * inChannels * outChannels + 2 * outChannels;
}

/** Trainable parameters of one module (pruned graph) from `inChannels` to `outChannels`. */
function moduleParams(g: Graph, inChannels: number, outChannels: number): number {
  const n = g.n;
  const last = n - 1;
  const channels = vertexChannels(g, inChannels, outChannels);
  let total = 0;
  for (let v = 1; v < last; v++) {
    const c = channels[v] as number;
    if ((g.rows[0] as number) & (1 << v)) total += convBnParams(1, inChannels, c); // input projection
    const label = g.labels[v];
    if (label === 0) total += convBnParams(3, c, c);
    else if (label === 1) total += convBnParams(1, c, c);
  }
  if ((g.rows[0] as number) & (1 << last)) total += convBnParams(1, inChannels, outChannels); // input -> output projection
  return total;
}

/**
 * Number of trainable parameters of the NAS-Bench-101 network built from this cell, counted as the
 * official TensorFlow model counts them (`trainable_parameters` in the dataset): stem conv3x3
 * (no bias) + batch norm; `stacks` stacks of `modulesPerStack` copies of the pruned cell, the
 * channels doubling (after a parameter-free 2x2 max pool) at each stack after the first; inside a
 * cell, channels per vertex by the official `compute_vertex_channels`, a 1x1 conv + BN projection
 * on every edge out of the cell input, conv + BN for `conv3x3-bn-relu` / `conv1x1-bn-relu`
 * vertices, nothing for `maxpool3x3`; global average pool; dense layer with bias. Batch norm
 * counts gamma and beta (TF's `batch_normalization` defaults `center=True, scale=True`); moving
 * statistics are not trainable. Convolutions have no bias.
 *
 * The spec's vertex order matters slightly: when the output channels do not split evenly, the
 * official rule gives the extra channels to the lowest-numbered vertices feeding the output, so two
 * isomorphic specs can differ by a few parameters; the dataset's figure is that of the spec it
 * trained (the spec from its own enumeration).
 *
 * @example nb101ParamCount(nb101FromSpec(matrix, ops)) // 8_555_530 for cell 00005c142e6f48ac74fdcf73e3439874
 * @throws InvalidArchitectureError when the spec breaks an official rule; InvalidArgumentError on bad options.
 */
export function nb101ParamCount(spec: Nb101Spec, options: Nb101NetworkOptions = {}): number {
  const stem = positiveInteger('stem', options.stem, 128);
  const stacks = positiveInteger('stacks', options.stacks, 3);
  const modulesPerStack = positiveInteger('modulesPerStack', options.modulesPerStack, 3);
  const classes = positiveInteger('classes', options.classes, 10);
  const inputChannels = positiveInteger('inputChannels', options.inputChannels, 3);
  const g0 = readSpecObject(spec);
  checkPruned(g0);
  const g = pruneGraph(g0);
  let total = convBnParams(3, inputChannels, stem);
  let channels = stem;
  for (let s = 0; s < stacks; s++) {
    const inChannels = channels;
    if (s > 0) channels *= 2;
    for (let m = 0; m < modulesPerStack; m++) total += moduleParams(g, m === 0 ? inChannels : channels, channels);
  }
  return total + channels * classes + classes;
}
