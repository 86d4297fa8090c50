import type { Rng } from '@lmreg/common';
import { InvalidArgumentError } from '@lmreg/common';

import type { ChannelStats, DatasetName, DatasetSplit } from './types.js';

/** Shape of a block of NHWC images. */
export interface ImageShape {
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function checkShape(images: Float32Array, shape: ImageShape, where: string): void {
  const { n, height, width, channels } = shape;
  const ok = [n, height, width, channels].every((v) => Number.isSafeInteger(v) && v >= 0);
  if (!ok || images.length !== n * height * width * channels) {
    throw new InvalidArgumentError(
      `${where}: images of length ${images.length} do not match shape ` +
        `[${n}, ${height}, ${width}, ${channels}] (NHWC).`,
    );
  }
}

/**
 * Per-channel mean and (population) standard deviation over every pixel of `split`.
 * Compute it on the train split and apply it to every split with {@link normalizeSplit}.
 */
export function computeChannelStats(split: DatasetSplit): ChannelStats {
  checkShape(split.images, split, 'computeChannelStats');
  const c = split.channels;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  const { images } = split;
  for (let i = 0; i < images.length; i++) {
    const v = images[i] ?? 0;
    const ch = i % c;
    sum[ch] = (sum[ch] ?? 0) + v;
    sumSq[ch] = (sumSq[ch] ?? 0) + v * v;
  }
  const count = images.length / Math.max(c, 1);
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const m = count > 0 ? (sum[ch] ?? 0) / count : 0;
    const variance = count > 0 ? Math.max((sumSq[ch] ?? 0) / count - m * m, 0) : 0;
    mean.push(m);
    std.push(Math.sqrt(variance));
  }
  return { mean, std };
}

/**
 * Returns a copy of `split` with every channel standardised, `(x - mean) / std`. A channel with
 * zero standard deviation is only centred (divided by 1).
 *
 * @throws InvalidArgumentError when `stats` does not have one entry per channel.
 */
export function normalizeSplit(split: DatasetSplit, stats: ChannelStats): DatasetSplit {
  checkShape(split.images, split, 'normalizeSplit');
  const c = split.channels;
  if (stats.mean.length !== c || stats.std.length !== c) {
    throw new InvalidArgumentError(
      `normalizeSplit: stats have ${stats.mean.length} means and ${stats.std.length} stds for ${c} channels.`,
    );
  }
  const out = new Float32Array(split.images.length);
  standardize(split.images, out, c, stats);
  return { ...split, images: out };
}

/** `out[i] = (images[i] - mean[ch]) / std[ch]`; `out` may be `images` (in place). Not exported from the package. */
export function standardize(images: Float32Array, out: Float32Array, channels: number, stats: ChannelStats): void {
  const mean = Float64Array.from(stats.mean);
  const inv = Float64Array.from(stats.std, (s) => (s > 0 ? 1 / s : 1));
  for (let i = 0; i < images.length; i++) {
    const ch = i % channels;
    out[i] = ((images[i] ?? 0) - (mean[ch] ?? 0)) * (inv[ch] ?? 1);
  }
}

/** How {@link resizeSplit} samples: area averaging (good for shrinking) or bilinear interpolation. */
export type ResizeMethod = 'area' | 'bilinear';

/** Sparse 1-D resampling weights: for each output position, the input indices and their weights. */
interface AxisWeights {
  readonly index: Int32Array[];
  readonly weight: Float64Array[];
}

function axisWeights(inSize: number, outSize: number, method: ResizeMethod): AxisWeights {
  const scale = inSize / outSize;
  const index: Int32Array[] = [];
  const weight: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    if (method === 'area') {
      const lo = i * scale;
      const hi = (i + 1) * scale;
      const idx: number[] = [];
      const w: number[] = [];
      for (let j = Math.floor(lo); j < Math.min(Math.ceil(hi), inSize); j++) {
        const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
        if (overlap > 1e-12) {
          idx.push(j);
          w.push(overlap / scale);
        }
      }
      index.push(Int32Array.from(idx));
      weight.push(Float64Array.from(w));
    } else {
      // Half-pixel centres, as PyTorch's align_corners=False and tf.image.resize (v2).
      const src = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
      const j0 = Math.floor(src);
      const j1 = Math.min(j0 + 1, inSize - 1);
      const f = src - j0;
      if (j1 === j0 || f === 0) {
        index.push(Int32Array.of(j0));
        weight.push(Float64Array.of(1));
      } else {
        index.push(Int32Array.of(j0, j1));
        weight.push(Float64Array.of(1 - f, f));
      }
    }
  }
  return { index, weight };
}

/**
 * Resizes NHWC images to `height x width`, separably along rows and columns. `'area'` averages
 * each output pixel's footprint (exact for 28 -> 14, fractional weights for 28 -> 16); `'bilinear'`
 * interpolates with half-pixel centres (no anti-aliasing).
 *
 * @returns a new array `[n, height, width, channels]`.
 */
export function resizeImages(
  images: Float32Array,
  shape: ImageShape,
  height: number,
  width: number,
  method: ResizeMethod = 'area',
): Float32Array {
  checkShape(images, shape, 'resizeImages');
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw new InvalidArgumentError(`resizeImages needs a positive integer height and width, got ${height}x${width}.`);
  }
  if (method !== 'area' && method !== 'bilinear') {
    throw new InvalidArgumentError(`resizeImages: unknown method '${String(method)}'; use 'area' or 'bilinear'.`);
  }
  const { n, height: h, width: w, channels: c } = shape;
  const cols = axisWeights(w, width, method);
  const rows = axisWeights(h, height, method);
  const tmp = new Float64Array(h * width * c);
  const out = new Float32Array(n * height * width * c);
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    tmp.fill(0);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < width; x++) {
        const idx = cols.index[x] as Int32Array;
        const wt = cols.weight[x] as Float64Array;
        const to = (y * width + x) * c;
        for (let k = 0; k < idx.length; k++) {
          const from = base + (y * w + (idx[k] ?? 0)) * c;
          const wk = wt[k] ?? 0;
          for (let ch = 0; ch < c; ch++) tmp[to + ch] = (tmp[to + ch] ?? 0) + wk * (images[from + ch] ?? 0);
        }
      }
    }
    const outBase = img * height * width * c;
    for (let y = 0; y < height; y++) {
      const idx = rows.index[y] as Int32Array;
      const wt = rows.weight[y] as Float64Array;
      for (let x = 0; x < width; x++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let k = 0; k < idx.length; k++) s += (wt[k] ?? 0) * (tmp[((idx[k] ?? 0) * width + x) * c + ch] ?? 0);
          out[outBase + (y * width + x) * c + ch] = s;
        }
      }
    }
  }
  return out;
}

/** Returns a copy of `split` resized to `height x width` with {@link resizeImages}. */
export function resizeSplit(
  split: DatasetSplit,
  size: { readonly height: number; readonly width: number; readonly method?: ResizeMethod },
): DatasetSplit {
  const images = resizeImages(split.images, split, size.height, size.width, size.method ?? 'area');
  return { ...split, images, height: size.height, width: size.width };
}

/** Random-crop and flip augmentation, applied per image of a batch. */
export interface AugmentOptions {
  /**
   * Zero-padding on each side before a random crop back to the original size (4 for 32x32
   * CIFAR, 2 for 28x28); 0 turns cropping off.
   */
  readonly pad: number;
  /**
   * Random horizontal flip with probability 1/2. Standard for CIFAR-10; harmless for
   * Fashion-MNIST; wrong for MNIST digits, so off there.
   */
  readonly flip: boolean;
  /** Value of padded pixels (default 0, which is the channel mean once images are normalised). */
  readonly padValue?: number;
}

/** The usual augmentation for each data set: pad 4 + flip for CIFAR-10, pad 2 for 28x28 sets (no flip for MNIST). */
export function defaultAugmentation(name: DatasetName): AugmentOptions {
  switch (name) {
    case 'cifar10':
      return { pad: 4, flip: true };
    case 'fashion-mnist':
    case 'fashion-mnist-mini':
      return { pad: 2, flip: true };
    case 'mnist':
      return { pad: 2, flip: false };
  }
}

/**
 * Pads, randomly crops and (optionally) horizontally flips each image, drawing from `rng` in a
 * fixed order (crop row, crop column, then flip when enabled) so the result is reproducible from
 * the generator's seed.
 *
 * @returns a new array of the same shape; `images` is not modified.
 */
export function augmentImages(images: Float32Array, shape: ImageShape, options: AugmentOptions, rng: Rng): Float32Array {
  checkShape(images, shape, 'augmentImages');
  const { pad, flip } = options;
  const padValue = options.padValue ?? 0;
  if (!Number.isSafeInteger(pad) || pad < 0) {
    throw new InvalidArgumentError(`augmentImages: pad must be a non-negative integer, got ${String(pad)}.`);
  }
  const { n, height: h, width: w, channels: c } = shape;
  const out = new Float32Array(images.length);
  const size = h * w * c;
  for (let img = 0; img < n; img++) {
    const dy = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const dx = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const flipped = flip && rng.float() < 0.5;
    const base = img * size;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let x = 0; x < w; x++) {
        const sx = (flipped ? w - 1 - x : x) + dx;
        const to = base + (y * w + x) * c;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
          for (let ch = 0; ch < c; ch++) out[to + ch] = padValue;
        } else {
          const from = base + (sy * w + sx) * c;
          for (let ch = 0; ch < c; ch++) out[to + ch] = images[from + ch] ?? 0;
        }
      }
    }
  }
  return out;
}
