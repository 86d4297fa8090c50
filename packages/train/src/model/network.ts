import type * as tf from '@tensorflow/tfjs-core';

/** Options of {@link Network.forward}. */
export interface ForwardOptions {
  /**
   * Whether this pass is for training. Batch norm in lmreg's networks always uses batch
   * statistics (train and eval, no running statistics), so for NB201 the flag changes nothing; it
   * is part of the contract for builders that do differ (e.g. drop-path).
   */
  readonly training: boolean;
}

/** Options of {@link Network.setWeights}. */
export interface SetWeightsOptions {
  /** Accept a map that lacks some of the network's variables (they keep their values). Default false. */
  readonly allowMissing?: boolean;
}

/**
 * A weight-sharing network over the architectures `A` of one search space: a super-net (every
 * op on every edge has weights; one sampled path is computed per call) or a stand-alone network
 * (built for one fixed architecture, see {@link Network.fixedArch}).
 *
 * Weights are `tf.Variable`s owned by the network (free them with {@link Network.dispose}). Each
 * has a stable key such as `stage1.cell2.edge3.nor_conv_3x3.conv`; keys are what
 * {@link Network.getWeights}, the optimizer state and checkpoints use. The tfjs engine name of a
 * variable (`variable.name`) carries a per-instance prefix so that several networks can live in
 * one process; map it back with {@link Network.keyOf}.
 */
export interface Network<A> {
  /** Registry name of the search space, e.g. `nb201`. */
  readonly space: string;
  /** The architecture of a stand-alone network; `undefined` for a super-net. */
  readonly fixedArch: A | undefined;
  /**
   * Runs the path of `arch` on a batch.
   *
   * @param x images, NHWC `[batch, height, width, inputChannels]`, float32. Not disposed.
   * @returns logits `[batch, classes]`; the caller owns (and disposes) them.
   */
  forward(arch: A, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D;
  /** The trainable variables `forward(arch, ...)` reads, by key. Owned by the network. */
  variablesFor(arch: A): ReadonlyMap<string, tf.Variable>;
  /** Every variable of the network, by key. Owned by the network. */
  allVariables(): ReadonlyMap<string, tf.Variable>;
  /** Key of one of this network's variables (from its tfjs engine name), or `undefined`. */
  keyOf(variable: tf.Variable): string | undefined;
  /** Number of parameters of the stand-alone network of `arch`, counted the way the space's benchmark counts them. */
  paramCount(arch: A): number;
  /** A copy of every weight, by key, in the variable's own layout (row-major over its shape). */
  getWeights(): Record<string, Float32Array>;
  /**
   * Overwrites weights by key. Throws `InvalidArgumentError` on an unknown key, a wrong length, or
   * (unless `allowMissing`) a missing key; nothing is changed when it throws.
   */
  setWeights(weights: Readonly<Record<string, Float32Array>>, options?: SetWeightsOptions): void;
  /** Frees every variable. The network cannot be used afterwards. */
  dispose(): void;
}

/** Options every network builder accepts. Builders add their own (see `Nb201NetworkOptions`). */
export interface BaseNetworkOptions {
  /** Seed of the weight initialisation; the same seed gives the same weights. */
  readonly seed: number;
  /** Number of output classes. */
  readonly classes?: number;
  /** Channels of the input images (3 for RGB). */
  readonly inputChannels?: number;
}

/** Creates the networks of one search space; registered by space name (see `registerNetworkBuilder`). */
export interface NetworkBuilder<A, O extends BaseNetworkOptions = BaseNetworkOptions> {
  /** Registry name of the search space this builder serves, e.g. `nb201`. */
  readonly space: string;
  /** A super-net with weights for every op of the space. */
  createSupernet(options: O): Network<A>;
  /** A stand-alone network of one architecture (weights only for its own ops). */
  createNetwork(arch: A, options: O): Network<A>;
  /**
   * Optional capability: logits of `arch` on the super-net where every edge mixes its ops with
   * `weights` (one `[ops]` tensor per edge, e.g. GDAS's straight-through one-hot). Samplers that
   * declare `capabilities.architectureStep: 'weighted-forward'` need it. Inputs are not disposed;
   * the caller owns the result.
   */
  weightedForward?(supernet: Network<A>, arch: A, weights: readonly tf.Tensor1D[], x: tf.Tensor4D): tf.Tensor2D;
}

/** Any registered builder, with its architecture and option types erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- erased element type of a heterogeneous registry
export type AnyNetworkBuilder = NetworkBuilder<any, any>;
