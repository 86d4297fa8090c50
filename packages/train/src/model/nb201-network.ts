import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

import { networkOptionReader } from './network-options.js';
import { avgPool3x3ExcludePad, batchNormBatchStats, conv2dTorch, relu, reluConvBn } from './layers.js';
import { nb201ResidualReduction, sumOf } from './nb201-parts.js';
import type { BaseNetworkOptions, ForwardOptions, Network, NetworkBuilder, SetWeightsOptions } from './network.js';
import { VariableStore } from './variable-store.js';

/** The NB201 operations, in NAS-Bench-201's order. */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** One NB201 operation name. */
export type Nb201Op = (typeof NB201_OPS)[number];

/**
 * An NB201 cell as 6 op names in the official edge order
 * `(1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2)` (the `nb201` space's architecture type is
 * assignable to it).
 */
export type Nb201ArchLike = readonly string[];

/** `[from, to]` node indices of the 6 edges, in the official order. */
export const NB201_EDGES: readonly (readonly [from: number, to: number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];

const CONV_OPS = ['nor_conv_1x1', 'nor_conv_3x3'] as const;
type ConvOp = (typeof CONV_OPS)[number];

function isConvOp(op: string): op is ConvOp {
  return op === 'nor_conv_1x1' || op === 'nor_conv_3x3';
}

/** Options of {@link createNb201Supernet} / {@link createNb201Network}. */
export interface Nb201NetworkOptions extends BaseNetworkOptions {
  /** Channels C of the first stage (stages have C, 2C, 4C). Default 16. */
  readonly channels?: number;
  /** Cells N per stage. Default 5. */
  readonly cells?: number;
  /** Output classes. Default 10. */
  readonly classes?: number;
  /** Input image channels. Default 3. */
  readonly inputChannels?: number;
}

interface ResolvedOptions {
  readonly channels: number;
  readonly cells: number;
  readonly classes: number;
  readonly inputChannels: number;
  readonly seed: number;
}

function resolveOptions(options: Nb201NetworkOptions): ResolvedOptions {
  const positiveInt = networkOptionReader('NB201', options);
  return {
    channels: positiveInt('channels', options.channels, 16),
    cells: positiveInt('cells', options.cells, 5),
    classes: positiveInt('classes', options.classes, 10),
    inputChannels: positiveInt('inputChannels', options.inputChannels, 3),
    seed: options.seed,
  };
}

/**
 * Checks that `arch` is 6 NB201 op names. Returns it typed as ops.
 * Throws `InvalidArchitectureError` naming the bad position.
 */
export function assertNb201Arch(arch: unknown): readonly Nb201Op[] {
  if (!Array.isArray(arch) || arch.length !== NB201_EDGES.length) {
    throw new InvalidArchitectureError(
      'nb201',
      `an architecture is 6 op names in edge order (1<-0),(2<-0),(2<-1),(3<-0),(3<-1),(3<-2); got ${JSON.stringify(arch)}.`,
    );
  }
  arch.forEach((op: unknown, i) => {
    if (typeof op !== 'string' || !(NB201_OPS as readonly string[]).includes(op)) {
      throw new InvalidArchitectureError('nb201', `edge ${i} has op ${JSON.stringify(op)}; expected one of ${NB201_OPS.join(', ')}.`);
    }
  });
  return arch as readonly Nb201Op[];
}

/**
 * Which edges of a cell influence its output (node 3): an edge is live when its op is not `none`
 * and its target node is node 3 or feeds a live edge. Dead edges are not computed.
 */
function liveEdges(ops: readonly Nb201Op[]): boolean[] {
  const liveNode = [false, false, false, true];
  const live = ops.map(() => false);
  for (let e = NB201_EDGES.length - 1; e >= 0; e--) {
    const [from, to] = NB201_EDGES[e] as readonly [number, number];
    if (ops[e] !== 'none' && liveNode[to] === true) {
      live[e] = true;
      liveNode[from] = true;
    }
  }
  return live;
}

function cellPrefix(stage: number, cell: number, edge: number): string {
  return `stage${stage}.cell${cell}.edge${edge}`;
}

/**
 * The NAS-Bench-201 network (super-net or stand-alone), NHWC.
 *
 * Structure (as NB201's `TinyNetwork`): stem conv3x3 (no bias) + BN to C; 3 stages of N cells at
 * C, 2C, 4C, with a ResNet basic block of stride 2 between stages (ReLU-Conv3x3/s2-BN,
 * ReLU-Conv3x3-BN, shortcut 2x2 avg pool + conv1x1 without BN); BN + ReLU, global average pool,
 * linear with bias. A cell has nodes 0..3; node j = sum over i < j of op_ij(node i), `none` edges
 * skipped (a node with no non-`none` input is zeros); output = node 3.
 *
 * Weight keys: `stem.conv`, `stem.bn.{gamma,beta}`, `stage{s}.cell{c}.edge{e}.{op}.conv` and
 * `.bn.{gamma,beta}` (s = 1..3, c = 0..N-1, e = 0..5), `reduce{r}.conv_a.conv`,
 * `reduce{r}.conv_a.bn.{gamma,beta}`, `reduce{r}.conv_b...`, `reduce{r}.downsample.conv`,
 * `lastact.bn.{gamma,beta}`, `classifier.weight` `[4C, classes]`, `classifier.bias`.
 * Conv filters are `[kh, kw, in, out]`.
 *
 * Initialisation from the seed: convs Kaiming normal (fan_out, ReLU gain, as torchvision's ResNets),
 * BN gamma 1 / beta 0, linear weight and bias uniform on `±1/sqrt(4C)` (PyTorch's `nn.Linear`
 * default). Each variable's values depend only on (seed, key).
 */
export class Nb201Network implements Network<Nb201ArchLike> {
  /** Registry name of the search space: `nb201`. */
  readonly space = 'nb201';
  /** The architecture of a stand-alone network; `undefined` for the super-net. */
  readonly fixedArch: readonly Nb201Op[] | undefined;
  /** Channels C of the first stage (stages have C, 2C, 4C). */
  readonly channels: number;
  /** Cells N per stage. */
  readonly cells: number;
  /** Output classes. */
  readonly classes: number;
  /** Input image channels. */
  readonly inputChannels: number;

  readonly #store: VariableStore;
  readonly #fixedKeys: string[] = [];

  /**
   * Creates every variable eagerly from `options.seed`. Prefer {@link createNb201Supernet} /
   * {@link createNb201Network}. Throws `InvalidArgumentError` / `InvalidArchitectureError`.
   */
  constructor(options: Nb201NetworkOptions, fixedArch?: Nb201ArchLike) {
    const o = resolveOptions(options);
    this.channels = o.channels;
    this.cells = o.cells;
    this.classes = o.classes;
    this.inputChannels = o.inputChannels;
    this.fixedArch = fixedArch === undefined ? undefined : Object.freeze([...assertNb201Arch(fixedArch)]);
    this.#store = new VariableStore('nb201', o.seed);
    try {
      this.#build();
    } catch (error) {
      this.#store.dispose();
      throw error;
    }
  }

  #build(): void {
    const C = this.channels;
    const kaiming = { kind: 'kaiming-normal-fan-out' } as const;
    const fixed = (key: string, shape: number[], init: Parameters<VariableStore['create']>[2]): void => {
      this.#store.create(key, shape, init);
      this.#fixedKeys.push(key);
    };
    const bn = (prefix: string, c: number, isFixed: boolean): void => {
      const create = isFixed ? fixed : (k: string, s: number[], i: Parameters<VariableStore['create']>[2]) => void this.#store.create(k, s, i);
      create(`${prefix}.gamma`, [c], { kind: 'constant', value: 1 });
      create(`${prefix}.beta`, [c], { kind: 'constant', value: 0 });
    };
    fixed('stem.conv', [3, 3, this.inputChannels, C], kaiming);
    bn('stem.bn', C, true);
    for (let stage = 1; stage <= 3; stage++) {
      const width = C * 2 ** (stage - 1);
      if (stage > 1) {
        const r = `reduce${stage - 1}`;
        const inC = width / 2;
        fixed(`${r}.conv_a.conv`, [3, 3, inC, width], kaiming);
        bn(`${r}.conv_a.bn`, width, true);
        fixed(`${r}.conv_b.conv`, [3, 3, width, width], kaiming);
        bn(`${r}.conv_b.bn`, width, true);
        fixed(`${r}.downsample.conv`, [1, 1, inC, width], kaiming);
      }
      for (let cell = 0; cell < this.cells; cell++) {
        for (let edge = 0; edge < NB201_EDGES.length; edge++) {
          const ops: readonly string[] = this.fixedArch === undefined ? CONV_OPS : [this.fixedArch[edge] ?? 'none'];
          for (const op of ops) {
            if (!isConvOp(op)) continue;
            const k = op === 'nor_conv_3x3' ? 3 : 1;
            const p = `${cellPrefix(stage, cell, edge)}.${op}`;
            this.#store.create(`${p}.conv`, [k, k, width, width], kaiming);
            bn(`${p}.bn`, width, false);
          }
        }
      }
    }
    bn('lastact.bn', 4 * C, true);
    const bound = 1 / Math.sqrt(4 * C);
    fixed('classifier.weight', [4 * C, this.classes], { kind: 'uniform', bound });
    fixed('classifier.bias', [this.classes], { kind: 'uniform', bound });
  }

  #ops(arch: Nb201ArchLike): readonly Nb201Op[] {
    const ops = assertNb201Arch(arch);
    const fixedArch = this.fixedArch;
    if (fixedArch !== undefined && ops.some((op, i) => op !== fixedArch[i])) {
      throw new InvalidArgumentError(`this stand-alone NB201 network is ${JSON.stringify(fixedArch)}; it cannot run ${JSON.stringify(ops)}.`);
    }
    return ops;
  }

  /** Keys of the weights of one op on one edge of one cell (empty for parameter-free ops). */
  #opKeys(stage: number, cell: number, edge: number, op: Nb201Op): string[] {
    if (!isConvOp(op)) return [];
    const p = `${cellPrefix(stage, cell, edge)}.${op}`;
    return [`${p}.conv`, `${p}.bn.gamma`, `${p}.bn.beta`];
  }

  /**
   * Logits of `arch`'s path for images `x` (NHWC `[batch, h, w, inputChannels]`, h and w divisible
   * by 4; not disposed). Only live edges are computed; batch norm uses batch statistics whatever
   * `options.training` says. Returns `[batch, classes]`, owned by the caller.
   */
  forward(arch: Nb201ArchLike, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    void options; // batch statistics in training and evaluation alike
    const ops = this.#ops(arch);
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== this.inputChannels) {
      throw new InvalidArgumentError(
        `NB201 forward needs NHWC images [batch, height, width, ${this.inputChannels}], got shape [${(x as tf.Tensor | undefined)?.shape?.join(', ') ?? '?'}].`,
      );
    }
    const [batch, height, width] = x.shape;
    if (height % 4 !== 0 || width % 4 !== 0 || batch < 1) {
      throw new InvalidArgumentError(
        `NB201 forward needs height and width divisible by 4 (two stride-2 reductions) and a non-empty batch, got [${x.shape.join(', ')}].`,
      );
    }
    const live = liveEdges(ops);
    const v = (key: string): tf.Variable => this.#store.get(key);
    return tf.tidy(() => {
      let h = batchNormBatchStats(conv2dTorch(x, v('stem.conv'), 1, 1), v('stem.bn.gamma'), v('stem.bn.beta'));
      for (let stage = 1; stage <= 3; stage++) {
        if (stage > 1) h = nb201ResidualReduction(h, v, `reduce${stage - 1}`);
        for (let cell = 0; cell < this.cells; cell++) h = this.#cell(h, stage, cell, ops, live);
      }
      h = relu(batchNormBatchStats(h, v('lastact.bn.gamma'), v('lastact.bn.beta')));
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, v('classifier.weight') as tf.Tensor2D), v('classifier.bias')) as tf.Tensor2D;
    });
  }

  #cell(input: tf.Tensor4D, stage: number, cell: number, ops: readonly Nb201Op[], live: readonly boolean[]): tf.Tensor4D {
    const nodes: (tf.Tensor4D | undefined)[] = [input, undefined, undefined, undefined];
    for (let target = 1; target <= 3; target++) {
      const terms: tf.Tensor4D[] = [];
      let needed = target === 3;
      NB201_EDGES.forEach(([from, to], edge) => {
        if (from === target && live[edge] === true) needed = true;
        if (to !== target || live[edge] !== true) return;
        const source = nodes[from] as tf.Tensor4D;
        terms.push(this.#edge(source, stage, cell, edge, ops[edge] as Nb201Op));
      });
      if (!needed) continue;
      nodes[target] = terms.length === 0 ? tf.zerosLike(input) : terms.length === 1 ? (terms[0] as tf.Tensor4D) : sumOf(terms);
    }
    return nodes[3] as tf.Tensor4D;
  }

  #edge(x: tf.Tensor4D, stage: number, cell: number, edge: number, op: Nb201Op): tf.Tensor4D {
    switch (op) {
      case 'skip_connect':
        return x;
      case 'avg_pool_3x3':
        return avgPool3x3ExcludePad(x);
      case 'nor_conv_1x1':
      case 'nor_conv_3x3': {
        const [conv, gamma, beta] = this.#opKeys(stage, cell, edge, op).map((k) => this.#store.get(k)) as [tf.Variable, tf.Variable, tf.Variable];
        return reluConvBn(x, conv, gamma, beta, 1);
      }
      case 'none':
        throw new InvalidArgumentError('internal: a none edge was computed.');
    }
  }

  /**
   * The variables `forward(arch)` reads, by key: stem, reductions, head, and the conv ops on the
   * live edges of every cell (ops on edges that cannot reach a cell's output are left out).
   */
  variablesFor(arch: Nb201ArchLike): ReadonlyMap<string, tf.Variable> {
    const ops = this.#ops(arch);
    const live = liveEdges(ops);
    const out = new Map<string, tf.Variable>();
    for (const key of this.#fixedKeys) out.set(key, this.#store.get(key));
    for (let stage = 1; stage <= 3; stage++) {
      for (let cell = 0; cell < this.cells; cell++) {
        ops.forEach((op, edge) => {
          if (live[edge] !== true) return;
          for (const key of this.#opKeys(stage, cell, edge, op)) out.set(key, this.#store.get(key));
        });
      }
    }
    return out;
  }

  /** Every variable, by key (owned by the network). */
  allVariables(): ReadonlyMap<string, tf.Variable> {
    return this.#store.all();
  }

  /** Stable key of one of this network's variables, or `undefined`. */
  keyOf(variable: tf.Variable): string | undefined {
    return this.#store.keyOf(variable);
  }

  /**
   * Parameters of the stand-alone network of `arch` as NAS-Bench-201 counts them: every op on
   * every edge, including edges that cannot reach the cell output.
   */
  paramCount(arch: Nb201ArchLike): number {
    const ops = this.#ops(arch);
    let total = 0;
    for (const key of this.#fixedKeys) total += this.#store.size(key);
    for (let stage = 1; stage <= 3; stage++) {
      for (let cell = 0; cell < this.cells; cell++) {
        ops.forEach((op, edge) => {
          for (const key of this.#opKeys(stage, cell, edge, op)) total += this.#store.size(key);
        });
      }
    }
    return total;
  }

  /** Copies of all weights by key (conv filters `[kh, kw, in, out]`, row-major). */
  getWeights(): Record<string, Float32Array> {
    return this.#store.getWeights();
  }

  /** Overwrites weights by key; see {@link Network.setWeights}. */
  setWeights(weights: Readonly<Record<string, Float32Array>>, options?: SetWeightsOptions): void {
    this.#store.setWeights(weights, options);
  }

  /** Frees every variable; idempotent. */
  dispose(): void {
    this.#store.dispose();
  }
}

/**
 * Creates the NB201 super-net: one set of weights per (cell, edge, conv op), shared by every
 * architecture that uses that op on that edge; `forward(arch, ...)` computes only `arch`'s live
 * path. The caller owns the network (call `dispose()`).
 */
export function createNb201Supernet(options: Nb201NetworkOptions): Nb201Network {
  return new Nb201Network(options);
}

/**
 * Creates the stand-alone NB201 network of `arch` (weights only for its own ops, initialised as
 * the super-net's copies with the same seed). Its variables hold exactly `paramCount(arch)`
 * parameters. The caller owns the network.
 */
export function createNb201Network(arch: Nb201ArchLike, options: Nb201NetworkOptions): Nb201Network {
  return new Nb201Network(options, arch);
}

/** The `nb201` network builder (registered by default). */
export const nb201NetworkBuilder: NetworkBuilder<Nb201ArchLike, Nb201NetworkOptions> = {
  space: 'nb201',
  createSupernet: createNb201Supernet,
  createNetwork: createNb201Network,
};
