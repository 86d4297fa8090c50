import { createRng, createRngFromState, InvalidArgumentError, type Rng } from '@lmreg/common';
import { ensureGradients } from '@lmreg/common/tf';
import type { SearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { BudgetedEvaluator } from '../internal/budgeted-evaluator.js';
import { mixSeed } from '../internal/hash.js';
import { readSamplerState } from '../internal/sampler-state.js';
import { resolveNumberOptions } from '../internal/options.js';
import type { NumberOptionSpec } from '../internal/options.js';
import { SamplerLifecycleError } from '../sampler/errors.js';
import type { ArchitectureStepContext, Evaluate, JsonValue, Proposal, Sampler, SamplerInit, SamplerState } from '../sampler/types.js';
import { stallLimit } from '../search/strategy.js';

/** Options of the `gdas` sampler (defaults: the Landmark Regularization paper's NB201 GDAS setting). */
export interface GdasSamplerOptions {
  /** Default budget of `propose` (argmax architecture first, then draws from the softmax). Default 100. */
  readonly budget?: number;
  /** Gumbel-softmax temperature at the start of the search. Default 10. */
  readonly tauMax?: number;
  /** Temperature at the end of the search (the linear schedule is clamped here). Default 0.1. */
  readonly tauMin?: number;
  /** Adam learning rate of the architecture logits. Default 3e-4. */
  readonly lr?: number;
  /** Adam beta1. Default 0.5. */
  readonly beta1?: number;
  /** Adam beta2. Default 0.999. */
  readonly beta2?: number;
  /** L2 weight decay added to the logits' gradient (PyTorch `Adam(weight_decay)`). Default 1e-3. */
  readonly weightDecay?: number;
  /** Standard deviation of the initial logits (GDAS: `1e-3 * randn`). Default 1e-3. */
  readonly initScale?: number;
}

const SPECS: Readonly<Record<string, NumberOptionSpec>> = {
  budget: { default: 100, integer: true, min: 1 },
  tauMax: { default: 10, integer: false, min: 0, exclusiveMin: true },
  tauMin: { default: 0.1, integer: false, min: 0, exclusiveMin: true },
  lr: { default: 3e-4, integer: false, min: 0 },
  beta1: { default: 0.5, integer: false, min: 0, max: 0.999999 },
  beta2: { default: 0.999, integer: false, min: 0, max: 0.999999 },
  weightDecay: { default: 1e-3, integer: false, min: 0 },
  initScale: { default: 1e-3, integer: false, min: 0 },
};

function resolve(raw: unknown): Record<string, number> {
  const o = resolveNumberOptions('gdas', SPECS, raw);
  if ((o['tauMin'] as number) > (o['tauMax'] as number)) {
    throw new InvalidArgumentError(`option 'tauMin' of sampler 'gdas' (${o['tauMin']}) must not exceed 'tauMax' (${o['tauMax']}).`);
  }
  return o;
}

/**
 * What the trainer passes to the GDAS sampler's `stepArchitecture` once per training step.
 *
 * `loss(weights, arch)` must return the differentiable loss (e.g. cross-entropy on a validation
 * batch) of the discrete path `arch`, in which the output of the op chosen at encoding position
 * `i` is multiplied by `weights[i][choice]` and every other candidate `k` of position `i` adds the
 * scalar `weights[i][k]` (GDAS's `sum(h_k * op_k(x) if k == chosen else h_k)`). The weights are the
 * straight-through Gumbel-softmax vectors: their values are exactly one-hot, their gradient is the
 * softmax's. Called synchronously inside a gradient scope; tensors it creates are freed by the sampler.
 */
export interface GdasStepContext<A = unknown> extends ArchitectureStepContext {
  readonly loss: (weights: readonly tf.Tensor1D[], arch: A) => tf.Scalar;
}

interface Bound<A> {
  readonly space: SearchSpace<A>;
  pathSeed: number;
  searchRng: number[];
  logits: number[][];
  m: number[][];
  v: number[][];
  /** Adam steps taken. */
  t: number;
  readonly records: Map<string, number>;
  readonly order: [string, number][];
}

/** GDAS temperature at `progress` in [0, 1]: linear from `tauMax` to `tauMin`, clamped (the authors' schedule goes negative past its horizon). */
export function gdasTau(progress: number, tauMax = 10, tauMin = 0.1): number {
  const p = Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 1;
  return Math.max(tauMin, tauMax - (tauMax - tauMin) * p);
}

function logSoftmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
  return row.map((x) => x - lse);
}

function gumbel(rng: Rng): number {
  // u in (0, 1): float() is in [0, 1); avoid log(0).
  const u = Math.min(Math.max(rng.float(), 1e-12), 1 - 1e-12);
  return -Math.log(-Math.log(u));
}

function argmax(row: readonly number[]): number {
  let best = 0;
  row.forEach((x, i) => {
    if (x > (row[best] as number)) best = i;
  });
  return best;
}

/**
 * The GDAS sampler (Dong & Yang 2019) for spaces whose `encode` is categorical (each position
 * `i` takes one of `encodingBounds[i]` values and every such vector decodes; NB201's 6 edges x 5
 * ops). Architecture logits `alpha[i][k]`, initialised `initScale * N(0, 1)`.
 *
 * - `pathForBatch(step)`: the hard Gumbel-max sample `argmax_k(log_softmax(alpha_i) + g_ik)` with
 *   Gumbel noise from the seed of `step` and the current logits (so it follows the logits as
 *   they are trained; for fixed logits it is a pure function of seed and step).
 * - `stepArchitecture({ step, progress, loss })`: draws a fresh Gumbel sample, builds GDAS's
 *   straight-through weights `h = one_hot(argmax) + (p - stop_gradient(p))` with
 *   `p = softmax((log_softmax(alpha) + g) / tau)`, `tau = gdasTau(progress)` (10 to 0.1 linearly,
 *   clamped), differentiates `loss(h, arch)` with respect to `alpha` and takes one Adam step
 *   (lr 3e-4, betas 0.5/0.999, L2 weight decay 1e-3 added to the gradient as PyTorch's Adam does).
 * - `propose(evaluate, budget)`: the argmax architecture first (GDAS's final cell), then distinct
 *   architectures drawn from `softmax(alpha)` until the budget; best first.
 *
 * Logits and Adam moments are plain numbers in `state().extra`, so a resumed run continues bit for bit.
 */
export class GdasSampler<A = unknown> implements Sampler<A> {
  readonly name = 'gdas';
  #options: Record<string, number>;
  #bound: Bound<A> | undefined;

  constructor(options: GdasSamplerOptions = {}) {
    this.#options = resolve(options);
  }

  /** The resolved options (defaults filled in). */
  get options(): Readonly<Record<string, number>> {
    return { ...this.#options };
  }

  init({ space, rng }: SamplerInit<A>): void {
    if (space === null || typeof space !== 'object' || typeof space.decode !== 'function' || !Array.isArray(space.encodingBounds)) {
      throw new InvalidArgumentError(`gdas.init needs { space, rng } with a SearchSpace from @lmreg/spaces (e.g. getSpace('nb201')).`);
    }
    if (rng === null || typeof rng !== 'object' || typeof rng.int !== 'function' || typeof rng.fork !== 'function') {
      throw new InvalidArgumentError('gdas.init needs { space, rng } with an Rng from createRng(seed) of @lmreg/common.');
    }
    const pathSeed = rng.int(0x7fffffff);
    const searchRng = rng.fork().state();
    const initRng = rng.fork();
    const scale = this.#options['initScale'] as number;
    const logits = space.encodingBounds.map((k) => Array.from({ length: k }, () => scale * initRng.normal()));
    const zeros = (): number[][] => space.encodingBounds.map((k) => new Array<number>(k).fill(0));
    this.#bound = { space, pathSeed, searchRng, logits, m: zeros(), v: zeros(), t: 0, records: new Map(), order: [] };
  }

  #require(method: string): Bound<A> {
    if (this.#bound === undefined) {
      throw new SamplerLifecycleError(`gdas.${method} was called before init; call sampler.init({ space, rng }) first.`);
    }
    return this.#bound;
  }

  /** A copy of the architecture logits, one row per encoding position. */
  logits(): number[][] {
    return this.#require('logits').logits.map((r) => [...r]);
  }

  /** The argmax architecture of the current logits (GDAS's final cell). */
  argmaxArch(): A {
    const bound = this.#require('argmaxArch');
    return bound.space.decode(bound.logits.map(argmax));
  }

  /** Gumbel-max indices and the Gumbel noise for one draw from `rng`. */
  #gumbelDraw(bound: Bound<A>, rng: Rng): { indices: number[]; noise: number[][] } {
    const noise = bound.logits.map((row) => row.map(() => gumbel(rng)));
    const indices = bound.logits.map((row, i) => {
      const ls = logSoftmax(row);
      return argmax(ls.map((x, k) => x + (noise[i]?.[k] as number)));
    });
    return { indices, noise };
  }

  pathForBatch(step: number): A {
    const bound = this.#require('pathForBatch');
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new InvalidArgumentError(`gdas.pathForBatch(step) needs a non-negative integer step, got ${String(step)}.`);
    }
    return bound.space.decode(this.#gumbelDraw(bound, createRng(mixSeed(bound.pathSeed, step))).indices);
  }

  stepArchitecture(context: ArchitectureStepContext): void {
    const bound = this.#require('stepArchitecture');
    const ctx = context as Partial<GdasStepContext<A>>;
    if (typeof ctx.loss !== 'function') {
      throw new InvalidArgumentError(
        'gdas.stepArchitecture needs a context { step, progress, loss(weights, arch) } giving the validation loss of the sampled path with per-edge straight-through weights.',
      );
    }
    if (!ensureGradients()) throw new InvalidArgumentError('tfjs gradients are not registered; gdas cannot step its logits.');
    const step = context.step;
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new InvalidArgumentError(`gdas.stepArchitecture needs a non-negative integer step, got ${String(step)}.`);
    }
    const o = this.#options;
    const tau = gdasTau(context.progress, o['tauMax'], o['tauMin']);
    const { indices, noise } = this.#gumbelDraw(bound, createRng(mixSeed(bound.pathSeed ^ 0x6d2b79f5, step)));
    const arch = bound.space.decode(indices);
    const loss = ctx.loss;
    const grads = tf.tidy(() => {
      const alphas = bound.logits.map((row) => tf.tensor1d(row));
      const noises = noise.map((row) => tf.tensor1d(row));
      const probsOf = (a: tf.Tensor1D, i: number): tf.Tensor1D => tf.softmax(tf.div(tf.add(tf.logSoftmax(a), noises[i] as tf.Tensor1D), tau)) as tf.Tensor1D;
      // p evaluated outside the gradient: p - p_const is exactly 0 in value, p's gradient in backward.
      const constants = alphas.map((a, i) => tf.tensor1d(probsOf(a, i).dataSync()));
      const oneHots = indices.map((k, i) => tf.tensor1d((bound.logits[i] ?? []).map((_, j) => (j === k ? 1 : 0))));
      const f = (...as: tf.Tensor[]): tf.Scalar => {
        const weights = as.map((a, i) => tf.add(oneHots[i] as tf.Tensor, tf.sub(probsOf(a as tf.Tensor1D, i), constants[i] as tf.Tensor)) as tf.Tensor1D);
        const value = loss(weights, arch);
        if (!(value instanceof tf.Tensor) || value.rank !== 0) throw new InvalidArgumentError('gdas.stepArchitecture: loss must return a scalar tensor.');
        return value;
      };
      const { grads: g } = tf.valueAndGrads(f)(alphas);
      return g.map((t) => Array.from(t.dataSync()));
    });
    // Adam (PyTorch form, L2 weight decay added to the gradient), in double precision.
    const lr = o['lr'] as number;
    const b1 = o['beta1'] as number;
    const b2 = o['beta2'] as number;
    const wd = o['weightDecay'] as number;
    bound.t += 1;
    const bias1 = 1 - b1 ** bound.t;
    const bias2 = 1 - b2 ** bound.t;
    bound.logits = bound.logits.map((row, i) =>
      row.map((alpha, k) => {
        const g = (grads[i]?.[k] ?? 0) + wd * alpha;
        const m = b1 * (bound.m[i]?.[k] as number) + (1 - b1) * g;
        const v = b2 * (bound.v[i]?.[k] as number) + (1 - b2) * g * g;
        (bound.m[i] as number[])[k] = m;
        (bound.v[i] as number[])[k] = v;
        return alpha - (lr / bias1) * (m / (Math.sqrt(v) / Math.sqrt(bias2) + 1e-8));
      }),
    );
  }

  async propose(evaluate: Evaluate<A>, budget?: number): Promise<Proposal<A>[]> {
    const bound = this.#require('propose');
    if (typeof evaluate !== 'function') {
      throw new InvalidArgumentError('gdas.propose needs an evaluate(arch) function returning the fitness (a number or a Promise of one).');
    }
    const requested = budget ?? (this.#options['budget'] as number);
    if (!Number.isSafeInteger(requested) || requested < 1) {
      throw new InvalidArgumentError(`gdas.propose budget must be a positive integer (distinct architectures to evaluate), got ${String(requested)}.`);
    }
    const effective = bound.space.size < BigInt(requested) ? Number(bound.space.size) : requested;
    const evaluator = new BudgetedEvaluator(bound.space, evaluate, effective, bound.records, (key, fitness) => {
      bound.order.push([key, fitness]);
    });
    const rng = createRngFromState(bound.searchRng);
    await evaluator.evaluate(bound.space.decode(bound.logits.map(argmax)));
    const probs = bound.logits.map((row) => logSoftmax(row).map(Math.exp));
    const limit = stallLimit(effective);
    let stall = 0;
    while (evaluator.remaining > 0 && stall < limit) {
      const arch = bound.space.decode(
        probs.map((p) => {
          let u = rng.float();
          for (let k = 0; k < p.length; k++) {
            u -= p[k] as number;
            if (u < 0) return k;
          }
          return p.length - 1;
        }),
      );
      if (evaluator.has(arch)) {
        stall++;
        continue;
      }
      stall = 0;
      await evaluator.evaluate(arch);
    }
    return evaluator.ranked();
  }

  state(): SamplerState {
    const bound = this.#require('state');
    const extra: JsonValue = {
      logits: bound.logits.map((r) => [...r]),
      m: bound.m.map((r) => [...r]),
      v: bound.v.map((r) => [...r]),
      t: bound.t,
    };
    return {
      format: 'lmreg-sampler-state',
      version: 1,
      sampler: this.name,
      space: bound.space.name,
      options: { ...this.#options },
      pathSeed: bound.pathSeed,
      searchRng: [...bound.searchRng],
      evaluated: bound.order.map(([arch, fitness]) => [arch, fitness] as const),
      extra,
    };
  }

  loadState(state: SamplerState): void {
    const bound = this.#require('loadState');
    const { raw, options, pathSeed, searchRng, records, order, bad } = readSamplerState('gdas', bound.space, state, resolve);
    const extra = raw['extra'] as Record<string, unknown> | undefined;
    const bounds = bound.space.encodingBounds;
    const matrix = (name: string): number[][] => {
      const value = extra?.[name];
      const ok =
        Array.isArray(value) &&
        value.length === bounds.length &&
        value.every((row, i) => Array.isArray(row) && row.length === bounds[i] && row.every((x) => typeof x === 'number' && Number.isFinite(x)));
      if (!ok) bad(`'extra.${name}' must be ${bounds.length} rows of finite numbers matching the space's encodingBounds`);
      return (value as number[][]).map((r) => [...r]);
    };
    const logits = matrix('logits');
    const m = matrix('m');
    const v = matrix('v');
    const t = extra?.['t'];
    if (!Number.isSafeInteger(t) || (t as number) < 0) bad(`'extra.t' must be a non-negative integer (Adam steps), got ${JSON.stringify(t)}`);
    this.#options = options;
    this.#bound = {
      space: bound.space,
      pathSeed,
      searchRng,
      logits,
      m,
      v,
      t: t as number,
      records,
      order,
    };
  }
}

/**
 * Creates the `gdas` sampler; see {@link GdasSampler}. Throws `InvalidArgumentError` on bad options.
 */
export function createGdasSampler<A = unknown>(options: GdasSamplerOptions = {}): GdasSampler<A> {
  return new GdasSampler<A>(options);
}
