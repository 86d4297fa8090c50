import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

import { dim, isWasmBackend } from './kernel-runner.js';
import type { KernelRunner } from './kernel-runner.js';

/** Geometry of one spatial axis of a 2-D convolution or pooling window. */
export interface AxisGeometry {
  /** Input length. */
  readonly inSize: number;
  /** Output length. */
  readonly outSize: number;
  /** Kernel taps. */
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  /** Zero padding before the first input element (the 'top' or 'left' pad). */
  readonly padBefore: number;
}

/** Height and width geometry, in that order. */
export type ConvGeometry = readonly [AxisGeometry, AxisGeometry];

export type PadAttr = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
export type RoundingAttr = 'floor' | 'round' | 'ceil' | undefined;

/** Geometry of an NHWC convolution, from the same attributes the forward kernel gets. */
export function convGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: PadAttr,
  dimRoundingMode: RoundingAttr,
  depthwise: boolean,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return [
    {
      inSize: info.inHeight,
      outSize: info.outHeight,
      kernel: info.filterHeight,
      stride: info.strideHeight,
      dilation: info.dilationHeight,
      padBefore: info.padInfo.top,
    },
    {
      inSize: info.inWidth,
      outSize: info.outWidth,
      kernel: info.filterWidth,
      stride: info.strideWidth,
      dilation: info.dilationWidth,
      padBefore: info.padInfo.left,
    },
  ];
}

/**
 * Inserts `stride - 1` zeros after every element of the two spatial axes of an NHWC tensor
 * ([N, O_h, O_w, C] -> [N, O_h * s_h, O_w * s_w, C]), turning a strided convolution's output
 * gradient into the input of a stride-1 transposed convolution.
 */
export function zeroInsert(runner: KernelRunner, dy: TensorInfo, strideH: number, strideW: number): TensorInfo {
  if (strideH === 1 && strideW === 1) return dy;
  const [n, oh, ow, c] = [dim(dy.shape, 0), dim(dy.shape, 1), dim(dy.shape, 2), dim(dy.shape, 3)];
  const spread = runner.reshape(dy, [n * oh, 1, ow, 1, c]);
  const padded = runner.run(
    'PadV2',
    { x: spread },
    {
      paddings: [
        [0, 0],
        [0, strideH - 1],
        [0, 0],
        [0, strideW - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return runner.reshape(padded, [n, oh * strideH, ow * strideW, c]);
}

/** Stride-1 "full" correlation padding that turns dy (length `dyLength`) back into dx, per axis. */
export function transposedPadding(axis: AxisGeometry, dyLength: number): [number, number] {
  const before = (axis.kernel - 1) * axis.dilation - axis.padBefore;
  const after = axis.padBefore + axis.inSize - dyLength;
  return [before, after];
}

/**
 * Splits a padding that may be negative into a crop (applied with Slice) and the non-negative
 * padding the convolution kernel applies itself.
 */
export function cropThenPad(
  runner: KernelRunner,
  x: TensorInfo,
  paddings: readonly [[number, number], [number, number]],
): { input: TensorInfo; pad: tf.backend_util.ExplicitPadding } {
  const [[top, bottom], [left, right]] = paddings;
  const input = runner.padOrCrop(x, [
    [0, 0],
    [Math.min(0, top), Math.min(0, bottom)],
    [Math.min(0, left), Math.min(0, right)],
    [0, 0],
  ]);
  return {
    input,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * The input of a filter-gradient computation rearranged so that every filter tap reads one
 * contiguous range of "rows" (host memory, channel-major: `values[c * rows + row]`).
 *
 * Each spatial axis of x is zero-padded (or cropped) to `grid * stride` and split into `stride`
 * phases (x[g * s + a] goes to phase a, grid row g). The tap at kernel offset k * d = q * s + a
 * then reads, for output position o, grid row o + q of phase a. Rows are numbered
 * [phase_h, phase_w, N, grid_h, grid_w], so "row of output position (n, o_h, o_w) + the tap's
 * shift" is a contiguous range over the whole grid; grid rows that are not output positions only
 * ever meet zeros of dy laid out on the same grid.
 */
export interface PhasedRows {
  /** [C, rows], channel-major. */
  readonly values: Float32Array;
  readonly rows: number;
  readonly channels: number;
  readonly gridH: number;
  readonly gridW: number;
  /** Rows up to and including the last output position of phase (0, 0): the length of every tap's range. */
  readonly usedRows: number;
  /** Row offset of tap (kh, kw) relative to the row of output position (n, oh, ow). */
  tapOffset(kh: number, kw: number): number;
  /** Row of output position (n, oh, ow) in phase (0, 0). */
  outputRow(n: number, oh: number, ow: number): number;
}

/** Builds `PhasedRows` from NHWC values `x` of shape `xShape` (plain JavaScript, one pass). */
export function phaseRows(x: Float32Array, xShape: readonly number[], geometry: ConvGeometry): PhasedRows {
  const [gh, gw] = geometry;
  const [n, height, width, channels] = [dim(xShape, 0), dim(xShape, 1), dim(xShape, 2), dim(xShape, 3)];
  const gridOf = (axis: AxisGeometry): number => axis.outSize + Math.floor(((axis.kernel - 1) * axis.dilation) / axis.stride);
  const gridH = gridOf(gh);
  const gridW = gridOf(gw);
  const sh = gh.stride;
  const sw = gw.stride;
  const phaseRowCount = n * gridH * gridW;
  const rows = sh * sw * phaseRowCount;
  const values = new Float32Array(channels * rows);
  for (let ah = 0; ah < sh; ah++) {
    for (let aw = 0; aw < sw; aw++) {
      const phaseBase = (ah * sw + aw) * phaseRowCount;
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < gridH; i++) {
          const h = i * sh + ah - gh.padBefore;
          if (h < 0 || h >= height) continue;
          const rowBase = phaseBase + (b * gridH + i) * gridW;
          const xRowBase = (b * height + h) * width;
          for (let j = 0; j < gridW; j++) {
            const w = j * sw + aw - gw.padBefore;
            if (w < 0 || w >= width) continue;
            const source = (xRowBase + w) * channels;
            const row = rowBase + j;
            for (let c = 0; c < channels; c++) values[c * rows + row] = x[source + c]!;
          }
        }
      }
    }
  }
  return {
    values,
    rows,
    channels,
    gridH,
    gridW,
    usedRows: ((n - 1) * gridH + gh.outSize - 1) * gridW + gw.outSize,
    tapOffset(kh: number, kw: number): number {
      const offH = kh * gh.dilation;
      const offW = kw * gw.dilation;
      const phase = (offH % sh) * sw + (offW % sw);
      return phase * phaseRowCount + Math.floor(offH / sh) * gridW + Math.floor(offW / sw);
    },
    outputRow(batch: number, oh: number, ow: number): number {
      return (batch * gridH + oh) * gridW + ow;
    },
  };
}

/** Float32 view (wasm heap) or values (other backends) of `info`; valid until the next allocation. */
export function valuesOf(runner: KernelRunner, info: TensorInfo): Float32Array {
  const backend = runner.backend;
  if (isWasmBackend(backend)) {
    const view = backend.typedArrayFromHeap(info);
    if (!(view instanceof Float32Array)) throw new Error('lmreg kernels: expected float32 data');
    return view;
  }
  return runner.read(info);
}
