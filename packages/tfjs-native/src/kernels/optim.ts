import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import type { CpuBackendLike } from './conv2d.js';
import { callAddon, float32Input } from './native-call.js';
import { uninitialisedFloats } from './output.js';

/**
 * Global-norm gradient clipping plus one SGD update of every variable of a training step, in one
 * kernel call (PyTorch's `clip_grad_norm_` followed by `torch.optim.SGD.step`, as its foreach /
 * fused SGD does). The composite form in tfjs ops runs about 9 kernels per variable.
 *
 * Inputs, for i in `0 .. count - 1`: `g<i>` the gradient, `w<i>` the variable's value (same size),
 * and optionally `m<i>` the momentum buffer (same size, any shape; absent: the buffer starts as
 * this step's `d`). Attrs `{count, lr, momentum, weightDecay, dampening, nesterov, maxNorm}`
 * (`maxNorm` Infinity: no clipping). Outputs `[norm, w'0 .. w'<count-1>, m'0 .. m'<count-1>]`:
 * the global L2 norm of the gradients before clipping (a scalar), the new values (each in its
 * gradient's shape) and, unless `momentum` is 0, the new momentum buffers (same shapes). Inputs
 * are only read; every output is a new tensor (the buffer pool's), so tfjs' ownership rules hold:
 * the caller assigns `w'i` to its variable and keeps `m'i`.
 *
 * Per element, every step a float32 operation as in the composite form:
 * `coef = min(maxNorm / (norm + 1e-6), 1)`; `d = g * coef + w * weightDecay`;
 * `buf = m ? m * momentum + d * (1 - dampening) : d`; `d = nesterov ? d + buf * momentum : buf`;
 * `w' = w - d * lr` (a 0 weight decay or dampening skips its term; momentum 0 skips the buffer).
 */
export const CLIP_SGD = 'LmregClipSgd';

/** Attributes of {@link CLIP_SGD}. */
export interface ClipSgdAttrs {
  /** Number of variables (inputs `g0`, `w0`, ... `g<count-1>`, `w<count-1>`). */
  count: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  dampening: number;
  nesterov: boolean;
  /** Largest allowed global norm (> 0); Infinity only measures it. */
  maxNorm: number;
}

function checkAttrs(attrs: unknown): ClipSgdAttrs {
  const a = (attrs ?? {}) as Partial<ClipSgdAttrs>;
  const fail = (why: string): never => {
    throw new NativeKernelError(CLIP_SGD, why);
  };
  if (!Number.isSafeInteger(a.count) || (a.count ?? -1) < 0) fail(`attr count must be an integer >= 0, got ${String(a.count)}`);
  for (const name of ['lr', 'momentum', 'weightDecay', 'dampening'] as const) {
    const v = a[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`attr ${name} must be a finite number, got ${String(v)}`);
  }
  if (typeof a.maxNorm !== 'number' || !(a.maxNorm > 0)) fail(`attr maxNorm must be > 0 (or Infinity), got ${String(a.maxNorm)}`);
  return { ...(a as ClipSgdAttrs), nesterov: a.nesterov === true };
}

/** The cpu kernel of {@link CLIP_SGD}. */
export const clipSgdConfig: KernelConfig = {
  kernelName: CLIP_SGD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const { inputs } = args;
    const attrs = checkAttrs(args.attrs);
    const withMomentum = attrs.momentum !== 0;
    const grads: Float32Array[] = [];
    const weights: Float32Array[] = [];
    const momenta: (Float32Array | null)[] = [];
    const shapes: number[][] = [];
    for (let i = 0; i < attrs.count; i++) {
      const g = inputs[`g${i}`];
      const w = inputs[`w${i}`];
      const gv = float32Input(CLIP_SGD, backend, g, `g${i}`);
      const wv = float32Input(CLIP_SGD, backend, w, `w${i}`);
      if (gv.length !== wv.length) throw new NativeKernelError(CLIP_SGD, `g${i} has ${gv.length} values, w${i} ${wv.length}`);
      const m = inputs[`m${i}`];
      const mv = withMomentum && m !== undefined ? float32Input(CLIP_SGD, backend, m, `m${i}`) : null;
      if (mv !== null && mv.length !== gv.length) throw new NativeKernelError(CLIP_SGD, `m${i} has ${mv.length} values, g${i} ${gv.length}`);
      grads.push(gv);
      weights.push(wv);
      momenta.push(mv);
      shapes.push([...(g as TensorInfo).shape]);
    }
    const newWeights = grads.map((g) => uninitialisedFloats(g.length));
    const newMomenta = withMomentum ? grads.map((g) => uninitialisedFloats(g.length)) : null;
    const hyper = Float64Array.of(attrs.lr, attrs.momentum, attrs.weightDecay, attrs.dampening, attrs.nesterov ? 1 : 0, attrs.maxNorm);
    const norm = callAddon(CLIP_SGD, 'clip + SGD update', () => loadNativeAddon().clipSgd(grads, weights, momenta, newWeights, newMomenta, hyper));
    const outputs = [backend.makeTensorInfo([], 'float32', Float32Array.of(norm))];
    newWeights.forEach((values, i) => outputs.push(backend.makeTensorInfo(shapes[i] ?? [], 'float32', values)));
    newMomenta?.forEach((values, i) => outputs.push(backend.makeTensorInfo(shapes[i] ?? [], 'float32', values)));
    return outputs;
  },
};
