import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { NativeAddonUnavailableError } from '../errors.js';

/** Operation codes of the addon's `conv` function. */
export const CONV_OP = { forward: 0, backwardData: 1, backwardWeights: 2 } as const;

/** Operation codes of the addon's `pool` function. */
export const POOL_OP = { avgForward: 0, avgBackward: 1, maxForward: 2, maxBackward: 3 } as const;

/** One of `POOL_OP`'s values. */
export type PoolOp = (typeof POOL_OP)[keyof typeof POOL_OP];

/** Operation codes of the addon's `binary` function. */
export const BINARY_OP = { add: 0, sub: 1, mul: 2, div: 3, squaredDifference: 4, reluGrad: 5 } as const;
export type BinaryOp = (typeof BINARY_OP)[keyof typeof BINARY_OP];

/** Operation codes of the addon's `unary` function. */
export const UNARY_OP = { relu: 0, step: 1, neg: 2, square: 3, sqrt: 4, rsqrt: 5, exp: 6, log: 7 } as const;
export type UnaryOp = (typeof UNARY_OP)[keyof typeof UNARY_OP];

/** Operation codes of the addon's `reduce` function. */
export const REDUCE_OP = { sum: 0, mean: 1, max: 2 } as const;
export type ReduceOp = (typeof REDUCE_OP)[keyof typeof REDUCE_OP];

/** One of `CONV_OP`'s values. */
export type ConvOp = (typeof CONV_OP)[keyof typeof CONV_OP];

/** The functions `native/conv.cc` exports. */
export interface NativeAddon {
  /**
   * out = op(a, b) in place on the given buffers (fwd: x, w -> y; bwd-data: dy, w -> dx;
   * bwd-weights: x, dy -> dw). Returns oneDNN's implementation name.
   */
  conv(op: ConvOp, geometry: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): string;
  /**
   * NHWC pooling in place (op: 0 avg fwd x -> y, 1 avg bwd dy -> dx, 2 max fwd x -> y,
   * 3 max bwd dy -> dx with `x` the forward input). Returns oneDNN's implementation name.
   */
  pool(op: PoolOp, geometry: Int32Array, a: Float32Array, out: Float32Array, x?: Float32Array): string;
  /**
   * out = a op b over `shape` (contiguous out); aStrides / bStrides are each operand's element
   * strides in out's dimensions, 0 where it broadcasts.
   */
  binary(op: BinaryOp, shape: Int32Array, out: Float32Array, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array): void;
  /** out = op(x) element-wise; alpha is Step's value for x <= 0. */
  unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void;
  /** out = op over the dimensions of `shape` flagged in `reduced` (accumulated in double). */
  reduce(op: ReduceOp, shape: Int32Array, reduced: Int32Array, x: Float32Array, out: Float32Array): void;
  /** out = sum of the inputs, in order. */
  addN(out: Float32Array, inputs: readonly Float32Array[]): void;
  /** dst[dstOffset + i . dstStrides] = src[srcOffset + i . srcStrides] for every index i of shape. */
  copy(shape: Int32Array, dst: Float32Array, dstOffset: number, dstStrides: Int32Array, src: Float32Array, srcOffset: number, srcStrides: Int32Array): void;
  /** out[batch, m, n] = op(a) @ op(b), dims = [batch, m, k, n, transposeA, transposeB] (oneDNN matmul). */
  matmul(dims: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** Training-mode batch norm forward (NHWC, dims = [n, h, w, c]; this batch's statistics, biased variance). */
  batchNorm(dims: Int32Array, epsilon: number, x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array): void;
  /** Its gradient through the statistics: dx, dgamma, dbeta from dy and the forward's x and gamma. */
  batchNormGrad(
    dims: Int32Array,
    epsilon: number,
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
  /**
   * ReLU -> [depthwise conv ->] conv -> training-mode batch norm: z = the conv's output, y = bn(z).
   * `geometries`: the depthwise conv's 18 numbers (when `depthwiseFilter` is not null) then the conv's.
   */
  fusedConvBn(
    geometries: Int32Array,
    epsilon: number,
    x: Float32Array,
    depthwiseFilter: Float32Array | null,
    filter: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    z: Float32Array,
    y: Float32Array,
  ): void;
  /** Its gradient from dy and the forward's inputs and z (relu(x) and the depthwise output recomputed). */
  fusedConvBnGrad(
    geometries: Int32Array,
    epsilon: number,
    dy: Float32Array,
    x: Float32Array,
    depthwiseFilter: Float32Array | null,
    filter: Float32Array,
    gamma: Float32Array,
    z: Float32Array,
    dx: Float32Array,
    dDepthwiseFilter: Float32Array | null,
    dFilter: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array,
  ): void;
  /** DARTS' FactorizedReduce forward (dims [n, h, w, c, co]): z = the two phases' 1x1 convs concatenated, y = bn(z). */
  factorizedReduce(
    dims: Int32Array,
    epsilon: number,
    x: Float32Array,
    filter1: Float32Array,
    filter2: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    z: Float32Array,
    y: Float32Array,
  ): void;
  /** Its gradient from dy, the inputs and z. */
  factorizedReduceGrad(
    dims: Int32Array,
    epsilon: number,
    dy: Float32Array,
    x: Float32Array,
    filter1: Float32Array,
    filter2: Float32Array,
    gamma: Float32Array,
    z: Float32Array,
    dx: Float32Array,
    dFilter1: Float32Array,
    dFilter2: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array,
  ): void;
  /** NB201's residual reduction block forward (dims [n, h, w, cin, cout]); saved = [z_a | a | z_b]. */
  residualBlock(
    dims: Int32Array,
    epsilon: number,
    x: Float32Array,
    filterA: Float32Array,
    gammaA: Float32Array,
    betaA: Float32Array,
    filterB: Float32Array,
    gammaB: Float32Array,
    betaB: Float32Array,
    filterDown: Float32Array,
    saved: Float32Array,
    y: Float32Array,
  ): void;
  /** Its gradient from dy, the inputs and saved. */
  residualBlockGrad(
    dims: Int32Array,
    epsilon: number,
    dy: Float32Array,
    x: Float32Array,
    filterA: Float32Array,
    gammaA: Float32Array,
    filterB: Float32Array,
    gammaB: Float32Array,
    filterDown: Float32Array,
    saved: Float32Array,
    dx: Float32Array,
    dFilterA: Float32Array,
    dGammaA: Float32Array,
    dBetaA: Float32Array,
    dFilterB: Float32Array,
    dGammaB: Float32Array,
    dBetaB: Float32Array,
    dFilterDown: Float32Array,
  ): void;
  /**
   * Global-norm clip + SGD update over many variables (see `LmregClipSgd`): writes newWeights (and
   * newMomenta unless momentum is 0) from grads, weights and momenta (null: no buffer yet);
   * hyper = [lr, momentum, weightDecay, dampening, nesterov 0/1, maxNorm]. Returns the norm.
   */
  clipSgd(
    grads: readonly Float32Array[],
    weights: readonly Float32Array[],
    momenta: readonly (Float32Array | null)[],
    newWeights: readonly Float32Array[],
    newMomenta: readonly Float32Array[] | null,
    hyper: Float64Array,
  ): number;
  /** Tunes glibc malloc to keep freed large blocks (see registerNativeKernels); false if not applied. */
  retainFreedMemory(): boolean;
  setThreads(count: number): void;
  getThreads(): number;
  clearCache(): void;
  cacheSize(): number;
  version(): string;
}

const ADDON_FILE = path.join('build', 'Release', 'lmreg_tfjs_native.node');

/** The package folder: the nearest folder above this module with our package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === '@lmreg/tfjs-native') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.dirname(fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Where the addon is looked for: `LMREG_TFJS_NATIVE_ADDON`, else `<package>/build/Release/`. */
export function nativeAddonPath(): string {
  return process.env['LMREG_TFJS_NATIVE_ADDON'] ?? path.join(packageRoot(), ADDON_FILE);
}

let cached: NativeAddon | undefined;

/**
 * Loads the addon on first use (never at import time, so the package imports without it).
 *
 * libgomp (OpenMP) reads its settings from the environment once, when the addon loads it. Unless
 * `OMP_WAIT_POLICY` or `GOMP_SPINCOUNT` is set, the addon is loaded with `OMP_WAIT_POLICY=passive`
 * (restored afterwards, so child processes do not inherit it): idle OpenMP threads then sleep at
 * once instead of spinning for ~300,000 iterations after every parallel region, which on a busy
 * 2-core machine made a 2-thread training step 7-20x slower (they spin while the thread they wait
 * for is descheduled, and take the core from V8's own threads).
 * @throws NativeAddonUnavailableError when it is not built or its shared libraries are missing.
 */
export function loadNativeAddon(): NativeAddon {
  if (cached !== undefined) return cached;
  const file = nativeAddonPath();
  const env = process.env;
  const setWaitPolicy = env['OMP_WAIT_POLICY'] === undefined && env['GOMP_SPINCOUNT'] === undefined;
  let addon: NativeAddon;
  try {
    if (setWaitPolicy) env['OMP_WAIT_POLICY'] = 'passive';
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (cause) {
    throw new NativeAddonUnavailableError(file, { cause });
  } finally {
    if (setWaitPolicy) delete env['OMP_WAIT_POLICY'];
  }
  cached = addon;
  return cached;
}

/** True when the addon loads (builds nothing; never throws). */
export function isNativeAvailable(): boolean {
  try {
    loadNativeAddon();
    return true;
  } catch {
    return false;
  }
}
