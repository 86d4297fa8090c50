import { InvalidArgumentError } from '@lmreg/common';
import { DARTS_OPS, dartsParamCount, type DartsLikeGenotype } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { dartsPass } from './darts-forward.js';
import {
  type ArchSpec,
  archSpec,
  type CellPlan,
  type DartsNetworkBuildOptions,
  factorizedReduceShapes,
  initOf,
  opShapes,
  pairPrefixes,
  plan,
  reluConvBnShapes,
  type ResolvedOptions,
  resolveOptions,
  superArch,
  superArchSpec,
} from './darts-plan.js';
import type { ForwardOptions, Network, SetWeightsOptions } from './network.js';
import { VariableStore } from './variable-store.js';

export type { DartsNetworkBuildOptions } from './darts-plan.js';

/**
 * quark0/darts' `NetworkCIFAR` (super-net or stand-alone), NHWC: stem conv3x3 to 3C + BN; `layers`
 * cells, the ones at `layers // 3` and `2 * layers // 3` reducing (stride 2, channels doubled);
 * each cell preprocesses its inputs (`FactorizedReduce` for input 0 after a reduction, else
 * ReLU-conv1x1-BN), computes node k = op(pair 2k) + op(pair 2k+1) and concatenates its `concat`
 * states; global average pool; linear with bias. Ops as DARTS' `operations.py`: sep_conv (2 x
 * ReLU, depthwise, pointwise, BN), dil_conv (ReLU, dilated depthwise via `spaceToBatchND`,
 * pointwise, BN), 3x3 max / average pools (padding 1, average excluding padding), skip
 * (`FactorizedReduce` at stride 2), none (zeros), and for DARTS-family cells `sep_conv_7x7`,
 * `conv_7x1_1x7`. Batch norm uses batch statistics; no drop-path.
 *
 * Weight keys: `stem.conv`, `stem.bn.*`, `cell{i}.pre0.{conv,bn.*}` or
 * `cell{i}.pre0.{conv1,conv2,bn.*}` (FactorizedReduce), `cell{i}.pre1.*`,
 * `cell{i}.node{k}.in{j}.{op}.{dw1,pw1,bn1.*,dw2,pw2,bn2.*|dw,pw,bn.*|conv1,conv2,bn.*}`,
 * `auxiliary.*`, `classifier.{weight,bias}`.
 *
 * **Weight sharing.** The super-net (DARTS genotypes only: 8 pairs, DARTS' 8 ops, concat
 * `[2..5]`, so every cell's channels are fixed) has one set of weights per (cell, node, input, op):
 * the 14 edges of DARTS' search cell. A genotype whose two pairs of a node use the same op on the
 * same input reads that edge's weights twice in the super-net; the stand-alone network gives the
 * second copy its own weights (`.copy1`), as DARTS' `NetworkCIFAR` does.
 */
export class DartsNetwork implements Network<DartsLikeGenotype> {
  /** Registry name of the search space: `darts`. */
  readonly space = 'darts';
  /** The genotype of a stand-alone network; `undefined` for the super-net. */
  readonly fixedArch: DartsLikeGenotype | undefined;
  /** Initial channels C. */
  readonly channels: number;
  /** Number of cells. */
  readonly layers: number;
  /** Output classes. */
  readonly classes: number;
  /** Input image channels. */
  readonly inputChannels: number;
  /** Whether the auxiliary head exists. */
  readonly auxiliary: boolean;

  readonly #options: ResolvedOptions;
  readonly #store: VariableStore;
  readonly #fixed: ArchSpec | undefined;

  /** Creates every variable from `options.seed`. Prefer the `create*` factories. */
  constructor(options: DartsNetworkBuildOptions, fixedArch?: DartsLikeGenotype) {
    const o = resolveOptions(options);
    this.#options = o;
    this.channels = o.channels;
    this.layers = o.layers;
    this.classes = o.classes;
    this.inputChannels = o.inputChannels;
    this.auxiliary = o.auxiliary;
    if (fixedArch !== undefined) {
      dartsParamCount(fixedArch, { auxiliary: false, channels: 2, layers: 1 }); // validates ops and inputs
      this.#fixed = archSpec(fixedArch);
      this.fixedArch = Object.freeze({
        normal: this.#fixed.normal.pairs,
        normalConcat: this.#fixed.normal.concat,
        reduce: this.#fixed.reduce.pairs,
        reduceConcat: this.#fixed.reduce.concat,
      });
    } else {
      this.#fixed = undefined;
      this.fixedArch = undefined;
    }
    this.#store = new VariableStore('darts', o.seed);
    try {
      this.#build();
    } catch (error) {
      this.#store.dispose();
      throw error;
    }
  }

  #create(key: string, shape: number[]): void {
    this.#store.create(key, shape, initOf(key, shape));
  }

  #createGroup(prefix: string, shapes: readonly [string, number[]][]): void {
    for (const [suffix, shape] of shapes) this.#create(`${prefix}.${suffix}`, shape);
  }

  #build(): void {
    const o = this.#options;
    const C = o.channels;
    this.#create('stem.conv', [3, 3, o.inputChannels, 3 * C]);
    this.#createGroup('stem', [
      ['bn.gamma', [3 * C]],
      ['bn.beta', [3 * C]],
    ]);
    const arch: ArchSpec = this.#fixed ?? archSpec(superArch());
    const cells = plan(o, arch);
    cells.forEach((p, i) => {
      if (p.reductionPrev) this.#createGroup(`cell${i}.pre0`, factorizedReduceShapes(p.cPrevPrev, p.c));
      else this.#createGroup(`cell${i}.pre0`, reluConvBnShapes(p.cPrevPrev, p.c));
      this.#createGroup(`cell${i}.pre1`, reluConvBnShapes(p.cPrev, p.c));
      if (this.#fixed === undefined) {
        for (let k = 0; k < 4; k++) {
          for (let j = 0; j < k + 2; j++) {
            for (const op of DARTS_OPS) this.#createGroup(`cell${i}.node${k}.in${j}.${op}`, opShapes(op, p.c, p.reduction && j < 2 ? 2 : 1));
          }
        }
        return;
      }
      const cell = p.reduction ? this.#fixed.reduce : this.#fixed.normal;
      const prefixes = pairPrefixes(i, cell.pairs, true);
      cell.pairs.forEach(([op, input], q) => this.#createGroup(prefixes[q] as string, opShapes(op, p.c, p.reduction && input < 2 ? 2 : 1)));
    });
    if (o.auxiliary) {
      const auxIndex = Math.floor((2 * o.layers) / 3);
      const last = cells[auxIndex] as CellPlan;
      const cAux = (last.reduction ? arch.reduce : arch.normal).concat.length * last.c;
      this.#createGroup('auxiliary', [
        ['conv1', [1, 1, cAux, 128]],
        ['bn1.gamma', [128]],
        ['bn1.beta', [128]],
        ['conv2', [2, 2, 128, 768]],
        ['bn2.gamma', [768]],
        ['bn2.beta', [768]],
      ]);
      const bound = 1 / Math.sqrt(768);
      this.#store.create('auxiliary.classifier.weight', [768, o.classes], { kind: 'uniform', bound });
      this.#store.create('auxiliary.classifier.bias', [o.classes], { kind: 'uniform', bound });
    }
    const lastPlan = cells[cells.length - 1] as CellPlan;
    const cOut = (lastPlan.reduction ? arch.reduce : arch.normal).concat.length * lastPlan.c;
    const bound = 1 / Math.sqrt(cOut);
    this.#store.create('classifier.weight', [cOut, o.classes], { kind: 'uniform', bound });
    this.#store.create('classifier.bias', [o.classes], { kind: 'uniform', bound });
  }

  #arch(arch: DartsLikeGenotype): ArchSpec {
    if (this.#fixed === undefined) return superArchSpec(arch);
    dartsParamCount(arch, { auxiliary: false, channels: 2, layers: 1 });
    const spec = archSpec(arch);
    if (JSON.stringify(spec) !== JSON.stringify(this.#fixed)) {
      throw new InvalidArgumentError(`this stand-alone DARTS network is ${JSON.stringify(this.#fixed)}; it cannot run ${JSON.stringify(spec)}.`);
    }
    return spec;
  }

  #run(arch: DartsLikeGenotype, x: tf.Tensor4D, withAuxiliary: boolean): { logits: tf.Tensor2D; auxiliary?: tf.Tensor2D } {
    const spec = this.#arch(arch);
    const v = (key: string): tf.Variable => this.#store.get(key);
    return dartsPass({ v, shape: this.#options, dedupe: this.#fixed !== undefined, withAuxiliary }, spec, x);
  }

  /**
   * Logits of `arch` for images `x` (NHWC `[batch, h, w, inputChannels]`, h and w divisible by 4;
   * not disposed). Returns `[batch, classes]`, owned by the caller.
   */
  forward(arch: DartsLikeGenotype, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    void options;
    return tf.tidy(() => this.#run(arch, x, false).logits);
  }

  /**
   * Logits and auxiliary-head logits (DARTS trains with `loss + 0.4 * auxiliaryLoss`). Needs a
   * network built with `auxiliary: true` and 32x32 images. Both `[batch, classes]`, owned by the caller.
   */
  forwardWithAuxiliary(arch: DartsLikeGenotype, x: tf.Tensor4D, options: ForwardOptions): { logits: tf.Tensor2D; auxiliary: tf.Tensor2D } {
    void options;
    if (!this.auxiliary) throw new InvalidArgumentError('this DARTS network has no auxiliary head; build it with { auxiliary: true }.');
    const out = tf.tidy(() => {
      const r = this.#run(arch, x, true);
      return [r.logits, r.auxiliary as tf.Tensor2D] as [tf.Tensor2D, tf.Tensor2D];
    });
    return { logits: out[0], auxiliary: out[1] };
  }

  /** The variables `forward(arch)` reads (stem, preprocessing, the ops of `arch`'s pairs, classifier). */
  variablesFor(arch: DartsLikeGenotype): ReadonlyMap<string, tf.Variable> {
    const spec = this.#arch(arch);
    const out = new Map<string, tf.Variable>();
    const add = (prefix: string): void => {
      for (const [key, v] of this.#store.all()) if (key === prefix || key.startsWith(`${prefix}.`)) out.set(key, v);
    };
    add('stem');
    plan(this.#options, spec).forEach((p, i) => {
      add(`cell${i}.pre0`);
      add(`cell${i}.pre1`);
      const cell = p.reduction ? spec.reduce : spec.normal;
      const prefixes = pairPrefixes(i, cell.pairs, this.#fixed !== undefined);
      cell.pairs.forEach(([op, input], q) => {
        for (const [suffix] of opShapes(op, p.c, p.reduction && input < 2 ? 2 : 1)) {
          const key = `${prefixes[q] as string}.${suffix}`;
          out.set(key, this.#store.get(key));
        }
      });
    });
    add('classifier');
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

  /** Parameters of the stand-alone `NetworkCIFAR` of `arch` (`dartsParamCount`, with the auxiliary head when built). */
  paramCount(arch: DartsLikeGenotype): number {
    this.#arch(arch);
    const o = this.#options;
    const count = dartsParamCount(arch, { channels: o.channels, layers: o.layers, classes: o.classes, auxiliary: o.auxiliary });
    return count + (o.inputChannels - 3) * 3 * o.channels * 9;
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
