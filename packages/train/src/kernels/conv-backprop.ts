import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { convGeometry, cropThenPad, phaseRows, transposedPadding, valuesOf, zeroInsert } from './conv-geometry.js';
import type { ConvGeometry, PadAttr, RoundingAttr } from './conv-geometry.js';
import { dim, withRunner } from './kernel-runner.js';
import type { KernelRunner } from './kernel-runner.js';

/**
 * dx of an NHWC convolution y = conv2d(x, w) from dy, built from the backend's forward Conv2D
 * (XNNPACK on wasm) instead of a scalar loop.
 *
 * - stride 1: dx is a stride-1 correlation of dy with the filter flipped in space and with in/out
 *   channels swapped; the padding (negative = crop) makes the output exactly the input's size.
 * - equal strides s > 1 (polyphase): every output phase (u mod s) of dx is a stride-1 correlation
 *   of dy with the taps of that phase; the s * s phases are stacked on the channel axis of one
 *   convolution and interleaved back with DepthToSpace. This costs ceil(K / s)^2 / (K^2 / s^2) of
 *   the ideal work (1.8x for 3x3, s = 2), against s^2 = 4x for inserting zeros into dy.
 * - unequal strides: zeros are inserted into dy, then the stride-1 path runs.
 *
 * @param dy [N, O_h, O_w, C_out]. @param filter [K_h, K_w, C_in, C_out].
 * @returns dx [N, H, W, C_in], owned by the caller (a TensorInfo of `runner`'s backend).
 */
export function conv2dBackpropInputNhwc(
  runner: KernelRunner,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: readonly [number, number, number, number],
  geometry: ConvGeometry,
): TensorInfo {
  const [gh, gw] = geometry;
  if (gh.stride > 1 && gh.stride === gw.stride) return polyphaseBackpropInput(runner, dy, filter, inputShape, geometry);
  const spread = zeroInsert(runner, dy, gh.stride, gw.stride);
  const flipped = runner.run('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = runner.transpose(flipped, [0, 1, 3, 2]);
  const { input, pad } = cropThenPad(runner, spread, [transposedPadding(gh, dim(spread.shape, 1)), transposedPadding(gw, dim(spread.shape, 2))]);
  const dx = runner.run('Conv2D', { x: input, filter: swapped }, { strides: [1, 1], dilations: [gh.dilation, gw.dilation], pad, dataFormat: 'NHWC' });
  return expectShape(dx, inputShape, 'Conv2DBackpropInput');
}

function polyphaseBackpropInput(
  runner: KernelRunner,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: readonly [number, number, number, number],
  geometry: ConvGeometry,
): TensorInfo {
  const [gh, gw] = geometry;
  const stride = gh.stride;
  const [kh, kw, cin, cout] = [dim(filter.shape, 0), dim(filter.shape, 1), dim(filter.shape, 2), dim(filter.shape, 3)];
  const qh = Math.floor(((kh - 1) * gh.dilation) / stride) + 1;
  const qw = Math.floor(((kw - 1) * gw.dilation) / stride) + 1;
  const phases = stride * stride;
  // Sub-filters, flipped, in/out swapped, phases stacked on the output channels:
  // sub[jh, jw, co, (ah * s + aw) * C_in + ci] = w[kh, kw, ci, co] with kh * d = (qh - 1 - jh) * s + ah.
  const weights = runner.read(filter);
  const sub = new Float32Array(qh * qw * cout * phases * cin);
  for (let i = 0; i < kh; i++) {
    const offH = i * gh.dilation;
    const jh = qh - 1 - Math.floor(offH / stride);
    const ah = offH % stride;
    for (let j = 0; j < kw; j++) {
      const offW = j * gw.dilation;
      const jw = qw - 1 - Math.floor(offW / stride);
      const phase = ah * stride + (offW % stride);
      for (let ci = 0; ci < cin; ci++) {
        const source = ((i * kw + j) * cin + ci) * cout;
        for (let co = 0; co < cout; co++) {
          sub[((jh * qw + jw) * cout + co) * phases * cin + phase * cin + ci] = weights[source + co] ?? 0;
        }
      }
    }
  }
  const subFilter = runner.fromValues([qh, qw, cout, phases * cin], sub);
  // Output grid rows g in [g0, G) cover dx positions u = i + pad in [g0 * s, G * s).
  const axisPlan = (axis: ConvGeometry[number], q: number, dyLength: number) => {
    const grid = Math.ceil((axis.padBefore + axis.inSize) / stride);
    const first = Math.floor(axis.padBefore / stride);
    const before = q - 1 - first;
    const after = grid - first + q - 1 - dyLength - before;
    return { paddings: [before, after] as [number, number], offset: axis.padBefore - first * stride };
  };
  const planH = axisPlan(gh, qh, dim(dy.shape, 1));
  const planW = axisPlan(gw, qw, dim(dy.shape, 2));
  const { input, pad } = cropThenPad(runner, dy, [planH.paddings, planW.paddings]);
  const stacked = runner.run('Conv2D', { x: input, filter: subFilter }, { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' });
  // Interleave the phases back (what DepthToSpace does) and crop to the input, in one pass:
  // dx[i] = phase (u mod s) of grid row floor(u / s) - first, with u = i + offset.
  const [n, h, w] = inputShape;
  const gridH = dim(stacked.shape, 1);
  const gridW = dim(stacked.shape, 2);
  const dx = runner.fromFill(
    [n, h, w, cin],
    (out) => {
      const source = valuesOf(runner, stacked);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < h; i++) {
          const u = i + planH.offset;
          const rowBase = (b * gridH + Math.floor(u / stride)) * gridW;
          const phaseH = (u % stride) * stride;
          for (let j = 0; j < w; j++) {
            const v = j + planW.offset;
            const from = ((rowBase + Math.floor(v / stride)) * phases + phaseH + (v % stride)) * cin;
            const to = ((b * h + i) * w + j) * cin;
            for (let c = 0; c < cin; c++) out[to + c] = source[from + c]!;
          }
        }
      }
    },
    false,
  );
  return expectShape(dx, inputShape, 'Conv2DBackpropInput');
}

/**
 * dw of an NHWC convolution from x and dy: matrix products per filter tap (several taps stacked),
 * dw[kh, kw] (C_in x C_out) = (x shifted by the tap)ᵀ (C_in x rows) · dy (rows x C_out), where
 * "x shifted by the tap" is a contiguous range of rows of the phase-split padded input (see
 * `phaseRows`) and dy is laid out on the same row grid with zeros in between. dy is the same
 * right-hand matrix for every tap, so XNNPACK packs it once; only the left side is copied per tap.
 *
 * @param x [N, H, W, C_in]. @param dy [N, O_h, O_w, C_out].
 * @returns dw [K_h, K_w, C_in, C_out], owned by the caller.
 */
export function conv2dBackpropFilterNhwc(
  runner: KernelRunner,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: readonly [number, number, number, number],
  geometry: ConvGeometry,
): TensorInfo {
  const [gh, gw] = geometry;
  const [kh, kw, cin, cout] = filterShape;
  const n = dim(x.shape, 0);
  const phased = phaseRows(valuesOf(runner, x), x.shape, geometry);
  const used = phased.usedRows;
  const rhs = runner.fromFill([1, used, cout], (out) => {
    const source = valuesOf(runner, dy);
    const rowLength = gw.outSize * cout;
    for (let b = 0; b < n; b++) {
      for (let oh = 0; oh < gh.outSize; oh++) {
        const from = (b * gh.outSize + oh) * rowLength;
        out.set(source.subarray(from, from + rowLength), phased.outputRow(b, oh, 0) * cout);
      }
    }
  });
  // Several taps share one product (taller left side, better GEMM efficiency), within a memory cap.
  const taps = kh * kw;
  const tapsPerProduct = Math.max(1, Math.min(taps, Math.floor(LEFT_SIDE_FLOATS / (cin * used))));
  const result = new Float32Array(taps * cin * cout);
  for (let first = 0; first < taps; first += tapsPerProduct) {
    const count = Math.min(tapsPerProduct, taps - first);
    const lhs = runner.fromFill(
      [1, count * cin, used],
      (out) => {
        for (let t = 0; t < count; t++) {
          const tap = first + t;
          const offset = phased.tapOffset(Math.floor(tap / kw), tap % kw);
          for (let ci = 0; ci < cin; ci++) {
            const from = ci * phased.rows + offset;
            out.set(phased.values.subarray(from, from + used), (t * cin + ci) * used);
          }
        }
      },
      false,
    );
    const product = runner.run('BatchMatMul', { a: lhs, b: rhs }, { transposeA: false, transposeB: false });
    result.set(valuesOf(runner, product), first * cin * cout); // [taps, C_in, C_out]
    runner.free(product);
    runner.free(lhs);
  }
  return runner.fromValues([kh, kw, cin, cout], result);
}

/** Cap on the left-hand side of one filter-gradient product, in floats (64 MB). */
const LEFT_SIDE_FLOATS = 16 * 1024 * 1024;

export function expectShape(info: TensorInfo, shape: readonly number[], kernel: string): TensorInfo {
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`lmreg ${kernel}: internal shape mismatch, got [${info.shape.join(',')}], expected [${shape.join(',')}]`);
  }
  return info;
}

function toNhwc(shape: readonly number[]): [number, number, number, number] {
  return [dim(shape, 0), dim(shape, 2), dim(shape, 3), dim(shape, 1)];
}

function isChannelsFirst(dataFormat: unknown): boolean {
  return dataFormat === 'NCHW';
}

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingAttr;
  inputShape: [number, number, number, number];
}

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingAttr;
  filterShape: [number, number, number, number];
}

const conv2dBackpropInputKernel =
  (backendName: string): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropInputAttrs;
    return withRunner(backend as KernelBackend, backendName, (runner) => {
      const nchw = isChannelsFirst(a.dataFormat);
      const inputShape = nchw ? toNhwc(a.inputShape) : a.inputShape;
      const dyNhwc = nchw ? runner.transpose(dy, [0, 2, 3, 1]) : dy;
      const geometry = convGeometry(inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, false);
      checkOutput(dyNhwc, inputShape, geometry, dim(filter.shape, 3), 'Conv2DBackpropInput');
      const dx = conv2dBackpropInputNhwc(runner, dyNhwc, filter, inputShape, geometry);
      return nchw ? runner.transpose(dx, [0, 3, 1, 2]) : dx;
    });
  };

const conv2dBackpropFilterKernel =
  (backendName: string): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    return withRunner(backend as KernelBackend, backendName, (runner) => {
      const nchw = isChannelsFirst(a.dataFormat);
      const xNhwc = nchw ? runner.transpose(x, [0, 2, 3, 1]) : x;
      const dyNhwc = nchw ? runner.transpose(dy, [0, 2, 3, 1]) : dy;
      const geometry = convGeometry(xNhwc.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false);
      checkOutput(dyNhwc, xNhwc.shape, geometry, a.filterShape[3], 'Conv2DBackpropFilter');
      return conv2dBackpropFilterNhwc(runner, xNhwc, dyNhwc, a.filterShape, geometry);
    });
  };

export function checkOutput(dy: TensorInfo, inShape: readonly number[], geometry: ConvGeometry, outChannels: number, kernel: string): void {
  const expected = [dim(inShape, 0), geometry[0].outSize, geometry[1].outSize, outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`lmreg ${kernel}: dy has shape [${dy.shape.join(',')}], expected [${expected.join(',')}]`);
  }
}

/** `Conv2DBackpropInput` for `backendName`, built from that backend's Conv2D. */
export function conv2dBackpropInputConfig(backendName: string): KernelConfig {
  return { kernelName: tf.Conv2DBackpropInput, backendName, kernelFunc: conv2dBackpropInputKernel(backendName) };
}

/** `Conv2DBackpropFilter` for `backendName`, built from that backend's BatchMatMul. */
export function conv2dBackpropFilterConfig(backendName: string): KernelConfig {
  return { kernelName: tf.Conv2DBackpropFilter, backendName, kernelFunc: conv2dBackpropFilterKernel(backendName) };
}
