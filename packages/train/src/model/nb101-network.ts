import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { nb101ParamCount, nb101Prune, type Nb101Spec } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { networkOptionReader } from './network-options.js';
import { batchNormBatchStats, conv2dTorch, maxPoolTorch, relu } from './layers.js';
import type { BaseNetworkOptions, ForwardOptions, Network, NetworkBuilder, SetWeightsOptions } from './network.js';
import { type Initializer, VariableStore } from './variable-store.js';

/** Options of {@link createNb101Supernet} / {@link createNb101Network}. */
export interface Nb101NetworkOptions extends BaseNetworkOptions {
  /** Output channels of the stem conv (and of the first stack's modules). Default 128 (official). */
  readonly stem?: number;
  /** Stacks; each after the first starts with a 2x2 max pool and doubles the channels. Default 3. */
  readonly stacks?: number;
  /** Modules per stack. Default 3. */
  readonly modulesPerStack?: number;
  /** Output classes. Default 10. */
  readonly classes?: number;
  /** Input image channels. Default 3. */
  readonly inputChannels?: number;
}

interface ResolvedOptions {
  readonly stem: number;
  readonly stacks: number;
  readonly modulesPerStack: number;
  readonly classes: number;
  readonly inputChannels: number;
  readonly seed: number;
}

/** A pruned module graph; `original[i]` is the index of pruned vertex `i` in the given spec. */
interface PrunedCell {
  readonly n: number;
  readonly matrix: readonly (readonly number[])[];
  readonly ops: readonly string[];
  readonly original: readonly number[];
}

const OP_KEY: Readonly<Record<string, 'conv3x3' | 'conv1x1' | undefined>> = {
  'conv3x3-bn-relu': 'conv3x3',
  'conv1x1-bn-relu': 'conv1x1',
};

function resolveOptions(options: Nb101NetworkOptions): ResolvedOptions {
  const positiveInt = networkOptionReader('NB101', options);
  return {
    stem: positiveInt('stem', options.stem, 128),
    stacks: positiveInt('stacks', options.stacks, 3),
    modulesPerStack: positiveInt('modulesPerStack', options.modulesPerStack, 3),
    classes: positiveInt('classes', options.classes, 10),
    inputChannels: positiveInt('inputChannels', options.inputChannels, 3),
    seed: options.seed,
  };
}

/**
 * The official pruning of `spec`, keeping track of which original vertex each kept vertex is.
 * Throws `InvalidArchitectureError` (from `nb101Prune`) for a spec outside the space.
 */
function pruneCell(spec: Nb101Spec): PrunedCell {
  const pruned = nb101Prune(spec); // validates every official rule
  const v = spec.matrix.length;
  const edge = (i: number, j: number): boolean => spec.matrix[i]?.[j] === 1;
  const fromInput = new Array<boolean>(v).fill(false);
  const toOutput = new Array<boolean>(v).fill(false);
  fromInput[0] = true;
  for (let j = 1; j < v; j++) for (let i = 0; i < j; i++) if (fromInput[i] === true && edge(i, j)) fromInput[j] = true;
  toOutput[v - 1] = true;
  for (let i = v - 2; i >= 0; i--) for (let j = i + 1; j < v; j++) if (toOutput[j] === true && edge(i, j)) toOutput[i] = true;
  const original: number[] = [];
  for (let i = 0; i < v; i++) if (fromInput[i] === true && toOutput[i] === true) original.push(i);
  if (original.length !== pruned.ops.length) throw new InvalidArchitectureError('nb101', 'internal: pruning mismatch.');
  return { n: pruned.ops.length, matrix: pruned.matrix, ops: pruned.ops, original };
}

/**
 * Official `compute_vertex_channels`: output channels split evenly over the vertices feeding the
 * output (the lowest-numbered get the remainder), other interior vertices take the largest
 * channel count among their successors.
 */
function vertexChannels(cell: PrunedCell, inChannels: number, outChannels: number): number[] {
  const { n, matrix } = cell;
  const last = n - 1;
  const channels = new Array<number>(n).fill(0);
  channels[0] = inChannels;
  channels[last] = outChannels;
  if (n === 2) return channels;
  const feedsOutput = (v: number): boolean => matrix[v]?.[last] === 1;
  let fanIn = 0;
  for (let v = 1; v < last; v++) if (feedsOutput(v)) fanIn++;
  const interior = Math.floor(outChannels / fanIn);
  let correction = outChannels % fanIn;
  for (let v = 1; v < last; v++) {
    if (!feedsOutput(v)) continue;
    channels[v] = interior + (correction > 0 ? 1 : 0);
    if (correction > 0) correction--;
  }
  for (let v = n - 3; v > 0; v--) {
    if (feedsOutput(v)) continue;
    for (let dst = v + 1; dst < last; dst++) {
      if (matrix[v]?.[dst] === 1) channels[v] = Math.max(channels[v] as number, channels[dst] as number);
    }
  }
  return channels;
}

function archKey(cell: PrunedCell): string {
  return JSON.stringify([cell.matrix, cell.ops, cell.original]);
}

/**
 * The NAS-Bench-101 network (super-net or stand-alone), NHWC, as the official TensorFlow model
 * (`nasbench/lib/model_builder.py`): stem conv3x3 + BN + ReLU; `stacks` stacks of
 * `modulesPerStack` modules, each stack after the first starting with a 2x2/2 max pool and
 * doubling the channels; global average pool; dense with bias. A module runs the pruned cell:
 * vertex channels by the official rule, a 1x1 conv-BN-ReLU projection on every edge out of the
 * module input, `truncate` (first channels) on interior edges, conv-BN-ReLU / 3x3 max-pool
 * vertices, output = concat of the vertices feeding it (+ a projection of the input when the input
 * feeds the output). Batch norm always uses batch statistics.
 *
 * Weight keys: `stem.conv`, `stem.bn.{gamma,beta}`,
 * `stack{s}.module{m}.vertex{v}.{conv3x3|conv1x1}.{conv,bn.gamma,bn.beta}`,
 * `stack{s}.module{m}.vertex{v}.proj.{conv,bn.gamma,bn.beta}`, `stack{s}.module{m}.output.proj...`,
 * `classifier.{weight,bias}` (v = the vertex index in the given, unpruned spec).
 *
 * **Weight sharing.** In NB101 a vertex's channel count depends on the whole graph (how many
 * vertices feed the output). The super-net keeps one weight per (stack, module, vertex, op) and per
 * (stack, module, vertex) input projection, each sized for the largest count a vertex can have (the
 * module's output channels C), and a path with `c` channels at that vertex uses the leading slice
 * (`filter[:, :, :c, :c]`, `gamma[:c]`; projections `[:, :, :, :c]`), as in slimmable / OFA-style
 * channel sharing. A stand-alone network allocates exactly the official sizes, so its variables
 * hold exactly `nb101ParamCount` parameters (its initial values are not slices of the super-net's).
 */
export class Nb101Network implements Network<Nb101Spec> {
  /** Registry name of the search space: `nb101`. */
  readonly space = 'nb101';
  /** The architecture of a stand-alone network; `undefined` for the super-net. */
  readonly fixedArch: Nb101Spec | undefined;
  /** Stem channels. */
  readonly stem: number;
  /** Stacks. */
  readonly stacks: number;
  /** Modules per stack. */
  readonly modulesPerStack: number;
  /** Output classes. */
  readonly classes: number;
  /** Input image channels. */
  readonly inputChannels: number;

  readonly #store: VariableStore;
  readonly #fixedCell: PrunedCell | undefined;

  /** Creates every variable from `options.seed`. Prefer the `create*` factories. */
  constructor(options: Nb101NetworkOptions, fixedArch?: Nb101Spec) {
    const o = resolveOptions(options);
    this.stem = o.stem;
    this.stacks = o.stacks;
    this.modulesPerStack = o.modulesPerStack;
    this.classes = o.classes;
    this.inputChannels = o.inputChannels;
    if (fixedArch !== undefined) {
      this.#fixedCell = pruneCell(fixedArch);
      this.fixedArch = Object.freeze({ matrix: fixedArch.matrix.map((r) => [...r]), ops: [...fixedArch.ops] });
    } else {
      this.#fixedCell = undefined;
      this.fixedArch = undefined;
    }
    this.#store = new VariableStore('nb101', o.seed);
    try {
      this.#build();
    } catch (error) {
      this.#store.dispose();
      throw error;
    }
  }

  /** `[inChannels, outChannels]` of every module, by `[stack, module]`. */
  #moduleChannels(stack: number, module: number): [number, number] {
    const out = this.stem * 2 ** stack;
    return [module === 0 && stack > 0 ? out / 2 : out, out];
  }

  #convBn(prefix: string, k: number, cin: number, cout: number): void {
    const kaiming: Initializer = { kind: 'kaiming-normal-fan-out' };
    this.#store.create(`${prefix}.conv`, [k, k, cin, cout], kaiming);
    this.#store.create(`${prefix}.bn.gamma`, [cout], { kind: 'constant', value: 1 });
    this.#store.create(`${prefix}.bn.beta`, [cout], { kind: 'constant', value: 0 });
  }

  #build(): void {
    this.#convBn('stem', 3, this.inputChannels, this.stem);
    for (let s = 0; s < this.stacks; s++) {
      for (let m = 0; m < this.modulesPerStack; m++) {
        const [cin, cout] = this.#moduleChannels(s, m);
        const p = `stack${s}.module${m}`;
        const cell = this.#fixedCell;
        if (cell === undefined) {
          for (let v = 1; v <= 5; v++) {
            this.#convBn(`${p}.vertex${v}.conv3x3`, 3, cout, cout);
            this.#convBn(`${p}.vertex${v}.conv1x1`, 1, cout, cout);
            this.#convBn(`${p}.vertex${v}.proj`, 1, cin, cout);
          }
          this.#convBn(`${p}.output.proj`, 1, cin, cout);
          continue;
        }
        const ch = vertexChannels(cell, cin, cout);
        const last = cell.n - 1;
        for (let t = 1; t < last; t++) {
          const v = cell.original[t] as number;
          const c = ch[t] as number;
          if (cell.matrix[0]?.[t] === 1) this.#convBn(`${p}.vertex${v}.proj`, 1, cin, c);
          const op = OP_KEY[cell.ops[t] ?? ''];
          if (op !== undefined) this.#convBn(`${p}.vertex${v}.${op}`, op === 'conv3x3' ? 3 : 1, c, c);
        }
        if (cell.matrix[0]?.[last] === 1) this.#convBn(`${p}.output.proj`, 1, cin, cout);
      }
    }
    const last = this.stem * 2 ** (this.stacks - 1);
    const bound = 1 / Math.sqrt(last);
    this.#store.create('classifier.weight', [last, this.classes], { kind: 'uniform', bound });
    this.#store.create('classifier.bias', [this.classes], { kind: 'uniform', bound });
  }

  #cell(arch: Nb101Spec): PrunedCell {
    const cell = pruneCell(arch);
    if (this.#fixedCell !== undefined && archKey(cell) !== archKey(this.#fixedCell)) {
      throw new InvalidArgumentError(`this stand-alone NB101 network is ${JSON.stringify(this.fixedArch)}; it cannot run ${JSON.stringify(arch)}.`);
    }
    return cell;
  }

  /** Visits the (key prefix, kernel, in, out channels) of every conv-BN the path of `cell` uses. */
  #pathConvs(cell: PrunedCell, visit: (prefix: string, cin: number, cout: number) => void): void {
    visit('stem', this.inputChannels, this.stem);
    for (let s = 0; s < this.stacks; s++) {
      for (let m = 0; m < this.modulesPerStack; m++) {
        const [cin, cout] = this.#moduleChannels(s, m);
        const p = `stack${s}.module${m}`;
        const ch = vertexChannels(cell, cin, cout);
        const last = cell.n - 1;
        for (let t = 1; t < last; t++) {
          const v = cell.original[t] as number;
          const c = ch[t] as number;
          if (cell.matrix[0]?.[t] === 1) visit(`${p}.vertex${v}.proj`, cin, c);
          const op = OP_KEY[cell.ops[t] ?? ''];
          if (op !== undefined) visit(`${p}.vertex${v}.${op}`, c, c);
        }
        if (cell.matrix[0]?.[last] === 1) visit(`${p}.output.proj`, cin, cout);
      }
    }
  }

  /** conv (leading slice of the shared filter) + BN (leading slice) + ReLU. */
  #convBnRelu(x: tf.Tensor4D, prefix: string, cout: number): tf.Tensor4D {
    const filter = this.#store.get(`${prefix}.conv`);
    const [k, , fullIn, fullOut] = filter.shape as [number, number, number, number];
    const cin = x.shape[3];
    const f = cin === fullIn && cout === fullOut ? filter : tf.slice(filter, [0, 0, 0, 0], [k, k, cin, cout]);
    const gamma = this.#store.get(`${prefix}.bn.gamma`);
    const beta = this.#store.get(`${prefix}.bn.beta`);
    const g = cout === fullOut ? gamma : tf.slice(gamma, [0], [cout]);
    const b = cout === fullOut ? beta : tf.slice(beta, [0], [cout]);
    return relu(batchNormBatchStats(conv2dTorch(x, f, 1, (k - 1) / 2), g, b));
  }

  #module(x: tf.Tensor4D, prefix: string, cell: PrunedCell, cout: number): tf.Tensor4D {
    const cin = x.shape[3];
    const ch = vertexChannels(cell, cin, cout);
    const last = cell.n - 1;
    const tensors: tf.Tensor4D[] = [x];
    for (let t = 1; t < last; t++) {
      const c = ch[t] as number;
      const terms: tf.Tensor4D[] = [];
      for (let src = 1; src < t; src++) {
        if (cell.matrix[src]?.[t] !== 1) continue;
        const value = tensors[src] as tf.Tensor4D;
        terms.push(value.shape[3] === c ? value : (tf.slice(value, [0, 0, 0, 0], [-1, -1, -1, c]) as tf.Tensor4D));
      }
      const v = cell.original[t] as number;
      if (cell.matrix[0]?.[t] === 1) terms.push(this.#convBnRelu(x, `${prefix}.vertex${v}.proj`, c));
      const input = terms.length === 1 ? (terms[0] as tf.Tensor4D) : (tf.addN(terms) as tf.Tensor4D);
      const op = OP_KEY[cell.ops[t] ?? ''];
      tensors.push(op === undefined ? maxPoolTorch(input, 3, 1, 1) : this.#convBnRelu(input, `${prefix}.vertex${v}.${op}`, c));
    }
    const concatIn: tf.Tensor4D[] = [];
    for (let src = 1; src < last; src++) if (cell.matrix[src]?.[last] === 1) concatIn.push(tensors[src] as tf.Tensor4D);
    const projection = cell.matrix[0]?.[last] === 1 ? this.#convBnRelu(x, `${prefix}.output.proj`, cout) : undefined;
    if (concatIn.length === 0) return projection as tf.Tensor4D;
    const out = concatIn.length === 1 ? (concatIn[0] as tf.Tensor4D) : tf.concat(concatIn, 3);
    return projection === undefined ? out : tf.add(out, projection);
  }

  /**
   * Logits of `arch`'s module for images `x` (NHWC `[batch, h, w, inputChannels]`, h and w
   * divisible by `2^(stacks-1)`; not disposed). Batch norm uses batch statistics. Returns
   * `[batch, classes]`, owned by the caller.
   */
  forward(arch: Nb101Spec, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    void options;
    const cell = this.#cell(arch);
    const div = 2 ** (this.stacks - 1);
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== this.inputChannels || x.shape[1] % div !== 0 || x.shape[2] % div !== 0) {
      throw new InvalidArgumentError(
        `NB101 forward needs NHWC images [batch, h, w, ${this.inputChannels}] with h and w divisible by ${div}, got [${(x as tf.Tensor | undefined)?.shape?.join(', ') ?? '?'}].`,
      );
    }
    return tf.tidy(() => {
      let h = this.#convBnRelu(x, 'stem', this.stem);
      for (let s = 0; s < this.stacks; s++) {
        if (s > 0) h = tf.maxPool(h, 2, 2, 'valid');
        const [, cout] = this.#moduleChannels(s, 0);
        for (let m = 0; m < this.modulesPerStack; m++) h = this.#module(h, `stack${s}.module${m}`, cell, cout);
      }
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, this.#store.get('classifier.weight') as tf.Tensor2D), this.#store.get('classifier.bias')) as tf.Tensor2D;
    });
  }

  /** The variables `forward(arch)` reads (whole shared variables, even when only a slice is used). */
  variablesFor(arch: Nb101Spec): ReadonlyMap<string, tf.Variable> {
    const cell = this.#cell(arch);
    const out = new Map<string, tf.Variable>();
    this.#pathConvs(cell, (prefix) => {
      for (const key of [`${prefix}.conv`, `${prefix}.bn.gamma`, `${prefix}.bn.beta`]) out.set(key, this.#store.get(key));
    });
    for (const key of ['classifier.weight', 'classifier.bias']) out.set(key, this.#store.get(key));
    return out;
  }

  /** Every variable, by key. */
  allVariables(): ReadonlyMap<string, tf.Variable> {
    return this.#store.all();
  }

  /** Stable key of one of this network's variables, or `undefined`. */
  keyOf(variable: tf.Variable): string | undefined {
    return this.#store.keyOf(variable);
  }

  /** Parameters of the stand-alone network of `arch`, as NAS-Bench-101 counts them (`nb101ParamCount`). */
  paramCount(arch: Nb101Spec): number {
    this.#cell(arch);
    return nb101ParamCount(arch, {
      stem: this.stem,
      stacks: this.stacks,
      modulesPerStack: this.modulesPerStack,
      classes: this.classes,
      inputChannels: this.inputChannels,
    });
  }

  /** Copies of all weights by key. */
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
 * Creates the NB101 super-net (weights per (stack, module, vertex, op) and per projection, sized
 * for the module's output channels and sliced per path; see {@link Nb101Network}). The caller owns
 * it (call `dispose()`).
 */
export function createNb101Supernet(options: Nb101NetworkOptions): Nb101Network {
  return new Nb101Network(options);
}

/** Creates the stand-alone NB101 network of `arch` (official sizes; `nb101ParamCount` parameters). The caller owns it. */
export function createNb101Network(arch: Nb101Spec, options: Nb101NetworkOptions): Nb101Network {
  return new Nb101Network(options, arch);
}

/** The `nb101` network builder (registered by default). */
export const nb101NetworkBuilder: NetworkBuilder<Nb101Spec, Nb101NetworkOptions> = {
  space: 'nb101',
  createSupernet: createNb101Supernet,
  createNetwork: createNb101Network,
};
