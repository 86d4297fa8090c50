import type { Rng } from '@lmreg/common';
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';

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
}

/**
 * NAO's encoder / predictor / decoder (Luo et al. 2018), small: position-specific tokens (position
 * `i` value `k` is token `offset_i + k`) embedded to `hidden`, an LSTM encoder whose mean output,
 * L2-normalised, is the architecture embedding; a 2-layer MLP predictor with a sigmoid; an LSTM
 * decoder started from the embedding that reconstructs the tokens (each position's softmax
 * restricted to that position's tokens). Variables owned here; call `dispose()`.
 */
class NaoModel {
  readonly #bounds: readonly number[];
  readonly #offsets: number[];
  readonly #vocab: number;
  readonly #hidden: number;
  readonly #vars: tf.Variable[] = [];
  readonly #v: Record<string, tf.Variable> = {};
  readonly #masks: tf.Tensor2D[];

  constructor(bounds: readonly number[], hidden: number, rng: Rng) {
    this.#bounds = bounds;
    this.#offsets = [];
    let total = 0;
    for (const b of bounds) {
      this.#offsets.push(total);
      total += b;
    }
    this.#vocab = total;
    this.#hidden = hidden;
    const h = hidden;
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
    make('out', [h, total], s);
    make('outb', [total], 0);
    // Additive masks: 0 on position i's tokens, -1e9 elsewhere.
    this.#masks = bounds.map((b, i) =>
      tf.tensor2d(Float32Array.from({ length: total }, (_, k) => (k >= (this.#offsets[i] as number) && k < (this.#offsets[i] as number) + b ? 0 : -1e9)), [1, total]),
    );
  }

  get variables(): tf.Variable[] {
    return this.#vars;
  }

  #w(name: string): tf.Variable {
    return this.#v[name] as tf.Variable;
  }

  /** Token ids `[batch, length]` of encoded architectures. */
  tokens(encodings: readonly (readonly number[])[]): tf.Tensor2D {
    return tf.tensor2d(encodings.map((e) => e.map((k, i) => (this.#offsets[i] as number) + k)), [encodings.length, this.#bounds.length], 'int32');
  }

  /** L2-normalised embeddings `[batch, hidden]`. */
  encode(tokens: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = tokens.shape[0];
      let c = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      let h = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
      const outs: tf.Tensor2D[] = [];
      for (let t = 0; t < this.#bounds.length; t++) {
        const ids = tf.reshape(tf.slice(tokens, [0, t], [batch, 1]), [batch]);
        const x = tf.gather(this.#w('embedding'), ids) as tf.Tensor2D;
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

  /**
   * Decoder logits per position `[batch, vocab]` (masked to the position's tokens), teacher-forced
   * on `tokens` when given, else fed its own argmax.
   */
  decode(embedding: tf.Tensor2D, tokens?: tf.Tensor2D): { logits: tf.Tensor2D[]; ids: tf.Tensor1D[] } {
    const batch = embedding.shape[0];
    let c = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
    let h = embedding;
    let x = tf.zeros([batch, this.#hidden]) as tf.Tensor2D;
    const logits: tf.Tensor2D[] = [];
    const ids: tf.Tensor1D[] = [];
    for (let t = 0; t < this.#bounds.length; t++) {
      [c, h] = tf.basicLSTMCell(1, this.#w('decKernel') as tf.Tensor2D, this.#w('decBias') as tf.Tensor1D, x, c, h) as [tf.Tensor2D, tf.Tensor2D];
      const l = tf.add(tf.add(tf.matMul(h, this.#w('out') as tf.Tensor2D), this.#w('outb')), this.#masks[t] as tf.Tensor2D) as tf.Tensor2D;
      logits.push(l);
      const id = tokens === undefined ? (tf.argMax(l, 1) as tf.Tensor1D) : (tf.reshape(tf.slice(tokens, [0, t], [batch, 1]), [batch]) as tf.Tensor1D);
      ids.push(id);
      x = tf.gather(this.#w('embedding'), id) as tf.Tensor2D;
    }
    return { logits, ids };
  }

  /** Encodings decoded greedily from embeddings. */
  decodeArchitectures(embedding: tf.Tensor2D): number[][] {
    const ids = tf.tidy(() => tf.stack(this.decode(embedding).ids, 1));
    const rows = ids.arraySync() as number[][];
    ids.dispose();
    return rows.map((row) => row.map((token, i) => token - (this.#offsets[i] as number)));
  }

  /** NAO's loss: 0.8 MSE of the predictor + 0.2 reconstruction NLL (teacher forcing). */
  loss(tokens: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const embedding = this.encode(tokens);
      const mse = tf.mean(tf.square(tf.sub(this.predict(embedding), targets)));
      const { logits } = this.decode(embedding, tokens);
      const nll = tf.mean(
        tf.stack(
          logits.map((l, t) => {
            const target = tf.reshape(tf.slice(tokens, [0, t], [tokens.shape[0], 1]), [-1]);
            return tf.neg(tf.sum(tf.mul(tf.oneHot(target, this.#vocab), tf.logSoftmax(l)), 1));
          }),
        ),
      );
      return tf.add(tf.mul(mse, 0.8), tf.mul(nll, 0.2)) as tf.Scalar;
    });
  }

  dispose(): void {
    tf.dispose([...this.#vars, ...this.#masks]);
  }
}

/**
 * NAO's search loop: evaluate `initial` random architectures; then, until the budget is spent,
 * train a fresh encoder / predictor / decoder on everything evaluated (fitness min-max scaled to
 * [0, 1]; Adam 1e-3, `trainSteps` full-batch steps), move the embeddings of the `seeds` best
 * architectures along the predictor's gradient (step `stepSize`, doubled until the decoded
 * architecture is new, at most 6 times), evaluate up to `perRound` new decoded architectures and
 * `random` random ones. Deterministic from the context's generator and the evaluations, so a
 * replayed search makes the same decisions. Leaks no tensors.
 */
export async function naoSearch<A>(context: SearchContext<A>, options: NaoSearchOptions): Promise<void> {
  const { space, rng, evaluator } = context;
  if (!ensureGradients()) throw new Error('tfjs gradients are not registered; NAO cannot train its model.');
  await evaluateRandom(context, Math.min(options.initial, evaluator.remaining));
  // NAO's pool: the top `pool` architectures evaluated so far plus everything the last round
  // added (its decoded and random architectures); the model is trained on the pool only.
  let lastRound = new Set(evaluator.history().map((p) => space.format(p.arch)));
  while (evaluator.remaining > 0) {
    const all = evaluator.history();
    const top = new Set([...all].sort((a, b) => b.fitness - a.fitness).slice(0, options.pool).map((p) => space.format(p.arch)));
    const history = all.filter((p) => top.has(space.format(p.arch)) || lastRound.has(space.format(p.arch)));
    const model = new NaoModel(space.encodingBounds, options.hidden, rng);
    const optimizer = tf.train.adam(1e-3);
    const candidates: A[] = [];
    try {
      const fitness = history.map((p) => p.fitness);
      const low = Math.min(...fitness);
      const span = Math.max(...fitness) - low || 1;
      const tokens = model.tokens(history.map((p) => space.encode(p.arch)));
      const targets = tf.tensor1d(fitness.map((f) => (f - low) / span));
      try {
        for (let s = 0; s < options.trainSteps; s++) {
          const cost = optimizer.minimize(() => model.loss(tokens, targets), true, model.variables);
          cost?.dispose();
        }
      } finally {
        tf.dispose([tokens, targets]);
      }
      const seeds = [...history].sort((a, b) => b.fitness - a.fitness).slice(0, options.seeds);
      const seen = new Set<string>();
      for (const seed of seeds) {
        if (candidates.length >= options.perRound) break;
        const seedTokens = model.tokens([space.encode(seed.arch)]);
        const embedding = model.encode(seedTokens);
        const gradient = tf.grad((e: tf.Tensor) => tf.sum(model.predict(e as tf.Tensor2D)))(embedding);
        try {
          let step = options.stepSize;
          for (let attempt = 0; attempt < 6; attempt++, step *= 2) {
            const moved = tf.tidy(() => tf.add(embedding, tf.mul(gradient, step)) as tf.Tensor2D);
            const [decoded] = model.decodeArchitectures(moved);
            moved.dispose();
            if (decoded === undefined) break;
            const arch = space.decode(decoded);
            const key = space.format(arch);
            if (!evaluator.has(arch) && !seen.has(key)) {
              seen.add(key);
              candidates.push(arch);
              break;
            }
          }
        } finally {
          tf.dispose([seedTokens, embedding, gradient]);
        }
      }
    } finally {
      optimizer.dispose();
      model.dispose();
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
    lastRound = new Set(evaluator.history().slice(countBefore).map((p) => space.format(p.arch)));
  }
}
