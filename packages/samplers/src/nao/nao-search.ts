import { InvalidArchitectureError, type Rng } from '@lmreg/common';
import { ensureGradients } from '@lmreg/common/tf';
import * as tf from '@tensorflow/tfjs-core';

import { TfjsBackendError } from '../sampler/errors.js';
import type { SearchContext } from '../search/strategy.js';
import { evaluateRandom } from '../search/strategy.js';

/** Resolved numeric options of the NAO search. */
export interface NaoSearchOptions {
  readonly initial: number;
  readonly perRound: number;
  readonly random: number;
  /** Best evaluated architectures kept in the training pool (plus the last round's). */
  readonly pool: number;
  readonly seeds: number;
  readonly hidden: number;
  readonly trainSteps: number;
  readonly stepSize: number;
  /** Adam learning rate of the model. */
  readonly lr: number;
  /** 1: the model's targets are the fitness ranks within the pool, scaled to [0, 1]; 0: min-max scaled fitness. */
  readonly rankTargets: number;
  /** 1: up to `seeds` candidates (every new cell at any step size, best seeds first), the `perRound` the predictor scores highest evaluated; 0: the first new cell of each of the first seeds. */
  readonly rankCandidates: number;
}

/**
 * NAO's encoder / predictor / decoder (Luo et al. 2018), small: position-specific tokens (position
 * `i` value `k` is token `offset_i + k`) embedded to `hidden`, an LSTM encoder whose mean output,
 * L2-normalised, is the architecture embedding; a 2-layer MLP predictor with a sigmoid; an LSTM
 * decoder started from the embedding that reconstructs the tokens. Each position's softmax runs
 * over that position's own values only (a position-specific output layer, padded to the largest
 * bound and masked), which is what a shared-vocabulary softmax masked to the position's tokens
 * computes, at a fraction of the cost on wide spaces (DARTS: 8 instead of 184 logits).
 * Variables owned here; call `dispose()`.
 */
class NaoModel {
  readonly #bounds: readonly number[];
  readonly #offsets: number[];
  readonly #vocab: number;
  readonly #widest: number;
  readonly #hidden: number;
  readonly #vars: tf.Variable[] = [];
  readonly #v: Record<string, tf.Variable> = {};
  /** Token offset of each position, `[1, length]` int32. */
  readonly #offsetRow: tf.Tensor2D;
  /** Additive mask `[length, 1, widest]`: 0 on the position's values, -1e9 on the padding. */
  readonly #mask: tf.Tensor3D;

  constructor(bounds: readonly number[], hidden: number, rng: Rng) {
    this.#bounds = bounds;
    this.#offsets = [];
    let total = 0;
    for (const b of bounds) {
      this.#offsets.push(total);
      total += b;
    }
    this.#vocab = total;
    this.#widest = Math.max(1, ...bounds);
    this.#hidden = hidden;
    const h = hidden;
    const length = bounds.length;
    const make = (name: string, shape: number[], scale: number): void => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => scale * rng.normal());
      const initial = tf.tensor(values, shape);
      const variable = tf.variable(initial, true);
      initial.dispose(); // the variable holds its own reference to the data
      this.#vars.push(variable);
      this.#v[name] = variable;
    };
    const s = 1 / Math.sqrt(h);
    make('embedding', [total, h], 0.1);
    make('encKernel', [2 * h, 4 * h], s);
    make('encBias', [4 * h], 0);
    make('mlp1', [h, h], s);
    make('mlp1b', [h], 0);
    make('mlp2', [h, 1], s);
    make('mlp2b', [1], 0);
    make('decKernel', [2 * h, 4 * h], s);
    make('decBias', [4 * h], 0);
    make('out', [length, h, this.#widest], s);
    make('outb', [length, 1, this.#widest], 0);
    this.#offsetRow = tf.tensor2d([this.#offsets], [1, length], 'int32');
    this.#mask = tf.tensor3d(
      Float32Array.from({ length: length * this.#widest }, (_, j) => (j % this.#widest < (bounds[Math.floor(j / this.#widest)] as number) ? 0 : -1e9)),
      [length, 1, this.#widest],
    );
  }

  get variables(): tf.Variable[] {
    return this.#vars;
  }

  #w(name: string): tf.Variable {
    return this.#v[name] as tf.Variable;
  }

  /** Encodings as an int32 tensor `[batch, length]` (position `i` holds a value in `[0, bounds[i])`). */
  tokens(encodings: readonly (readonly number[])[]): tf.Tensor2D {
    return tf.tensor2d(
      encodings.map((e) => [...e]),
      [encodings.length, this.#bounds.length],
      'int32',
    );
  }

  /**
   * Token embeddings of every position, `length` tensors of `[batch, hidden]`: one one-hot matMul
   * (its gradient is a matMul; tfjs's gather gradient, an unsorted segment sum, is far slower on CPU).
   */
  #inputs(values: tf.Tensor2D): tf.Tensor2D[] {
    const [batch, length] = values.shape;
    const ids = tf.reshape(tf.add(values, this.#offsetRow), [-1]);
    const flat = tf.matMul(tf.oneHot(ids, this.#vocab), this.#w('embedding') as tf.Tensor2D);
    return tf.unstack(tf.reshape(flat, [batch, length, this.#hidden]), 1) as tf.Tensor2D[];
  }

  /** L2-normalised embeddings `[batch, hidden]` (mean LSTM output over positions). */
  encode(values: tf.Tensor2D, inputs?: readonly tf.Tensor2D[]): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = values.shape[0];
      const xs = inputs ?? this.#inputs(values);
      let c = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      let h = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      const outs: tf.Tensor2D[] = [];
      for (const x of xs) {
        [c, h] = tf.basicLSTMCell(1, this.#w('encKernel') as tf.Tensor2D, this.#w('encBias') as tf.Tensor1D, x, c, h) as [tf.Tensor2D, tf.Tensor2D];
        outs.push(h);
      }
      const mean = tf.mean(tf.stack(outs), 0) as tf.Tensor2D;
      return tf.div(mean, tf.add(tf.norm(mean, 'euclidean', 1, true), 1e-8)) as tf.Tensor2D;
    });
  }

  /** Predicted fitness in (0, 1), `[batch]`. */
  predict(embedding: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const hidden = tf.relu(tf.add(tf.matMul(embedding, this.#w('mlp1') as tf.Tensor2D), this.#w('mlp1b')));
      return tf.reshape(tf.sigmoid(tf.add(tf.matMul(hidden, this.#w('mlp2') as tf.Tensor2D), this.#w('mlp2b'))), [-1]) as tf.Tensor1D;
    });
  }

  /** Predicted fitness of encodings, as plain numbers. */
  scores(encodings: readonly (readonly number[])[]): number[] {
    const values = tf.tidy(() => this.predict(this.encode(this.tokens(encodings))));
    const out = Array.from(values.dataSync());
    values.dispose();
    return out;
  }

  /** One decoder step: the LSTM cell started from the embedding, fed `x`. */
  #decoderCell(x: tf.Tensor2D, c: tf.Tensor2D, h: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    return tf.basicLSTMCell(1, this.#w('decKernel') as tf.Tensor2D, this.#w('decBias') as tf.Tensor1D, x, c, h) as [tf.Tensor2D, tf.Tensor2D];
  }

  /** Encodings decoded greedily (each step fed its own argmax) from embeddings `[batch, hidden]`. */
  decodeArchitectures(embedding: tf.Tensor2D): number[][] {
    const values = tf.tidy(() => {
      const batch = embedding.shape[0];
      const out = tf.unstack(this.#w('out')) as tf.Tensor2D[];
      const outb = tf.unstack(this.#w('outb')) as tf.Tensor2D[];
      const masks = tf.unstack(this.#mask) as tf.Tensor2D[];
      let c = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      let h = embedding;
      let x = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      const chosen: tf.Tensor1D[] = [];
      for (let t = 0; t < this.#bounds.length; t++) {
        [c, h] = this.#decoderCell(x, c, h);
        const logits = tf.add(tf.add(tf.matMul(h, out[t] as tf.Tensor2D), outb[t] as tf.Tensor2D), masks[t] as tf.Tensor2D);
        const value = tf.argMax(logits, 1) as tf.Tensor1D;
        chosen.push(value);
        x = tf.gather(this.#w('embedding'), tf.add(value, tf.scalar(this.#offsets[t] as number, 'int32'))) as tf.Tensor2D;
      }
      return tf.stack(chosen, 1);
    });
    const rows = values.arraySync() as number[][];
    values.dispose();
    return rows;
  }

  /**
   * NAO's loss: 0.8 MSE of the predictor + 0.2 reconstruction NLL (decoder teacher-forced on
   * `values`; the output layer and the NLL run on all positions at once).
   */
  loss(values: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const [batch, length] = values.shape;
      const inputs = this.#inputs(values);
      const embedding = this.encode(values, inputs);
      const mse = tf.mean(tf.square(tf.sub(this.predict(embedding), targets)));
      let c = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      let h = embedding;
      let x = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < length; t++) {
        [c, h] = this.#decoderCell(x, c, h);
        hs.push(h);
        x = inputs[t] as tf.Tensor2D;
      }
      // [length, batch, widest]: each position's own output layer, padding masked out.
      const logits = tf.add(tf.add(tf.matMul(tf.stack(hs) as tf.Tensor3D, this.#w('out') as tf.Tensor3D), this.#w('outb')), this.#mask);
      const truth = tf.oneHot(tf.transpose(values), this.#widest);
      const nll = tf.neg(tf.mean(tf.sum(tf.mul(truth, tf.logSoftmax(logits)), -1)));
      return tf.add(tf.mul(mse, 0.8), tf.mul(nll, 0.2)) as tf.Scalar;
    });
  }

  dispose(): void {
    tf.dispose([...this.#vars, this.#offsetRow, this.#mask]);
  }
}

/** Each value's rank among `values` (ties share their mean rank), scaled to [0, 1]. */
export function rankScaled(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length).fill(0);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    for (let k = i; k <= j; k++) ranks[(order[k] as readonly [number, number])[1]] = (i + j) / 2;
    i = j + 1;
  }
  const top = Math.max(1, values.length - 1);
  return ranks.map((r) => r / top);
}

/** Step sizes tried per seed: `stepSize`, doubled each time. */
const STEP_ATTEMPTS = 6;

/**
 * Encodes `encodings`, moves each embedding along the predictor's gradient by `stepSize * 2^a`
 * for `a` in `[0, STEP_ATTEMPTS)` and decodes greedily, in one batch. Row `a * n + i` is seed `i`
 * at attempt `a`. Frees every tensor it makes.
 */
function decodeMoved(model: NaoModel, encodings: readonly (readonly number[])[], stepSize: number): number[][] {
  const made: tf.Tensor[] = [];
  try {
    const tokens = model.tokens(encodings);
    made.push(tokens);
    const embedding = model.encode(tokens);
    made.push(embedding);
    const gradient = tf.grad((e: tf.Tensor) => tf.sum(model.predict(e as tf.Tensor2D)))(embedding);
    made.push(gradient);
    const moved = tf.tidy(() =>
      tf.concat(Array.from({ length: STEP_ATTEMPTS }, (_, a) => tf.add(embedding, tf.mul(gradient, stepSize * 2 ** a)) as tf.Tensor2D)),
    );
    made.push(moved);
    return model.decodeArchitectures(moved);
  } finally {
    tf.dispose(made);
  }
}

const SET_UP_BACKEND =
  "Import a tfjs backend and select it before propose, e.g. `import '@tensorflow/tfjs-backend-cpu'` then " +
  "`await tf.setBackend('cpu')` (or '@tensorflow/tfjs-node', or '@tensorflow/tfjs-backend-wasm' then `await tf.ready()`).";

/**
 * Throws {@link TfjsBackendError} unless a tfjs backend is ready and gradients are registered.
 * `tf.backend()` initialises the best registered backend when none is selected yet (as the first
 * tfjs op would); it throws when none is registered or the best one initialises asynchronously.
 */
export function requireTfjsBackend(sampler: string): void {
  try {
    tf.backend();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TfjsBackendError(`sampler '${sampler}' trains its model with tfjs, but no tfjs backend is ready (tfjs: ${reason}). ${SET_UP_BACKEND}`, { cause });
  }
  if (!ensureGradients()) {
    throw new TfjsBackendError(
      `sampler '${sampler}' trains its model with tfjs, but tfjs has no gradient functions registered (is more than one copy of @tensorflow/tfjs-core installed? \`npm ls @tensorflow/tfjs-core\` should show one).`,
    );
  }
}

/**
 * NAO's search loop: evaluate `initial` random architectures; then, until the budget is spent,
 * train a fresh encoder / predictor / decoder on everything evaluated (fitness min-max scaled to
 * [0, 1]; Adam 1e-3, `trainSteps` full-batch steps), move the embeddings of the `seeds` best
 * architectures along the predictor's gradient (step `stepSize`, doubled until the decoded
 * architecture is new and valid, at most 6 times; a vector the space's `decode` rejects, such as
 * an NB101 cell with too many edges, counts as a miss), evaluate up to `perRound` new decoded
 * architectures and `random` random ones. Deterministic from the context's generator and the evaluations, so a
 * replayed search makes the same decisions. Leaks no tensors. Throws {@link TfjsBackendError}
 * before evaluating anything when no tfjs backend is ready.
 */
export async function naoSearch<A>(context: SearchContext<A>, options: NaoSearchOptions): Promise<void> {
  const { space, rng, evaluator } = context;
  requireTfjsBackend('nao');
  await evaluateRandom(context, Math.min(options.initial, evaluator.remaining));
  // NAO's pool: the top `pool` architectures evaluated so far plus everything the last round
  // added (its decoded and random architectures); the model is trained on the pool only.
  let lastRound = new Set(evaluator.history().map((p) => space.format(p.arch)));
  // One model for the whole search, trained further each round (as NAO's released code keeps its
  // controller across iterations): each round's `trainSteps` continue from the last round's fit.
  const model = new NaoModel(space.encodingBounds, options.hidden, rng);
  const optimizer = tf.train.adam(options.lr);
  try {
    while (evaluator.remaining > 0) {
      const all = evaluator.history();
      const top = new Set(
        [...all]
          .sort((a, b) => b.fitness - a.fitness)
          .slice(0, options.pool)
          .map((p) => space.format(p.arch)),
      );
      const history = all.filter((p) => top.has(space.format(p.arch)) || lastRound.has(space.format(p.arch)));
      const candidates: A[] = [];
      const fitness = history.map((p) => p.fitness);
      const low = Math.min(...fitness);
      const span = Math.max(...fitness) - low || 1;
      const tokens = model.tokens(history.map((p) => space.encode(p.arch)));
      const targets = tf.tensor1d(options.rankTargets === 1 ? rankScaled(fitness) : fitness.map((f) => (f - low) / span));
      try {
        for (let s = 0; s < options.trainSteps; s++) {
          const cost = optimizer.minimize(() => model.loss(tokens, targets), true, model.variables);
          cost?.dispose();
        }
      } finally {
        tf.dispose([tokens, targets]);
      }
      const seeds = [...history].sort((a, b) => b.fitness - a.fitness).slice(0, options.seeds);
      // All seeds and all step sizes in one batch: embeddings, predictor gradients, then the
      // decoded cell of every (step size, seed), row `attempt * seeds.length + seed`.
      const decodedRows =
        seeds.length === 0
          ? []
          : decodeMoved(
              model,
              seeds.map((p) => space.encode(p.arch)),
              options.stepSize,
            );
      const seen = new Set<string>();
      const wanted = options.rankCandidates === 1 ? seeds.length : options.perRound;
      for (let i = 0; i < seeds.length && candidates.length < wanted; i++) {
        for (let attempt = 0; attempt < STEP_ATTEMPTS; attempt++) {
          const decoded = decodedRows[attempt * seeds.length + i];
          if (decoded === undefined) break;
          let arch: A;
          try {
            arch = space.decode(decoded);
          } catch (error) {
            if (error instanceof InvalidArchitectureError) continue; // not a member of the space: step further
            throw error;
          }
          const key = space.format(arch);
          if (!evaluator.has(arch) && !seen.has(key)) {
            seen.add(key);
            candidates.push(arch);
            if (options.rankCandidates !== 1) break; // else: every step size's new cell is a candidate
          }
        }
      }
      if (options.rankCandidates === 1 && candidates.length > options.perRound) {
        // Keep the `perRound` decoded cells the predictor scores highest (stable: ties keep seed order).
        const scores = model.scores(candidates.map((a) => space.encode(a)));
        const order = candidates.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
        const keep = order.slice(0, options.perRound).sort((a, b) => a - b);
        candidates.splice(0, candidates.length, ...keep.map((i) => candidates[i] as A));
      }
      const before = evaluator.used;
      const countBefore = evaluator.history().length;
      for (const arch of candidates) {
        if (evaluator.remaining <= 0) break;
        await evaluator.evaluate(arch);
      }
      await evaluateRandom(context, Math.min(options.random, evaluator.remaining));
      if (evaluator.used === before) await evaluateRandom(context, Math.min(1, evaluator.remaining));
      if (evaluator.used === before) break; // the space is exhausted
      lastRound = new Set(
        evaluator
          .history()
          .slice(countBefore)
          .map((p) => space.format(p.arch)),
      );
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
