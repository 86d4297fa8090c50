import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import type { ConvGeometry, PadAttr, RoundingAttr } from './conv-geometry.js';
import { depthwiseBackpropInputNhwc } from './depthwise-backprop.js';
import { isWasmBackend, makeFloat32, withRunner } from './kernel-runner.js';

interface PoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: PadAttr;
  dimRoundingMode?: RoundingAttr;
}

function poolInfo(xShape: readonly number[], a: PoolGradAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

/** float32 values of `info`: a heap view on wasm (valid until the next allocation), else the data. */
function view(backend: KernelBackend, info: TensorInfo): Float32Array {
  const values = isWasmBackend(backend) ? backend.typedArrayFromHeap(info) : backend.readSync(info.dataId);
  if (!(values instanceof Float32Array)) throw new Error('lmreg pool gradients: expected float32 data');
  return values;
}

/**
 * In-bounds window of output position `o` along one axis: [start, end) of input indices.
 */
function windowRange(o: number, stride: number, padBefore: number, kernel: number, inSize: number): [number, number] {
  const corner = o * stride - padBefore;
  return [Math.max(0, corner), Math.min(inSize, corner + kernel)];
}

/**
 * Gradient of average pooling as tfjs's forward computes it: every output averages the
 * in-bounds inputs of its window only (padding is not counted, like PyTorch's
 * `count_include_pad=False` and TensorFlow's AvgPool). tfjs 4.22's own cpu and wasm AvgPoolGrad
 * divide by the full window size instead, which is wrong at the borders with 'same' padding.
 *
 * @param dy [N, O_h, O_w, C] values. @returns dx [N, H, W, C] values.
 */
export function avgPoolGradValues(dy: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const dx = new Float32Array(batchSize * inHeight * inWidth * channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const [h0, h1] = windowRange(oh, info.strideHeight, info.padInfo.top, info.filterHeight, inHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const [w0, w1] = windowRange(ow, info.strideWidth, info.padInfo.left, info.filterWidth, inWidth);
        const count = (h1 - h0) * (w1 - w0);
        if (count <= 0) continue;
        const scale = 1 / count;
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const dxBase = ((b * inHeight + h) * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) dx[dxBase + c]! += dy[dyBase + c]! * scale;
          }
        }
      }
    }
  }
  return dx;
}

/**
 * Gradient of max pooling: each output's gradient goes to the first maximum of its window in
 * row-major order (NaN never wins), as tfjs's cpu backend and TensorFlow do.
 *
 * @param x [N, H, W, C] values. @param dy [N, O_h, O_w, C] values. @returns dx values.
 */
export function maxPoolGradValues(x: Float32Array, dy: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const dx = new Float32Array(batchSize * inHeight * inWidth * channels);
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const [h0, h1] = windowRange(oh, info.strideHeight, info.padInfo.top, info.filterHeight, inHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const [w0, w1] = windowRange(ow, info.strideWidth, info.padInfo.left, info.filterWidth, inWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const base = ((b * inHeight + h) * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[base + c]!;
              if (value > best[c]!) {
                best[c] = value;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          const target = where[c]!;
          if (target >= 0) dx[target]! += dy[dyBase + c]!;
        }
      }
    }
  }
  return dx;
}

/** 1 / (in-bounds inputs of each output's window), [1, O_h, O_w, 1]. */
function inverseCounts(info: tf.backend_util.Conv2DInfo): Float32Array {
  const out = new Float32Array(info.outHeight * info.outWidth);
  for (let oh = 0; oh < info.outHeight; oh++) {
    const [h0, h1] = windowRange(oh, info.strideHeight, info.padInfo.top, info.filterHeight, info.inHeight);
    for (let ow = 0; ow < info.outWidth; ow++) {
      const [w0, w1] = windowRange(ow, info.strideWidth, info.padInfo.left, info.filterWidth, info.inWidth);
      const count = (h1 - h0) * (w1 - w0);
      out[oh * info.outWidth + ow] = count > 0 ? 1 / count : 0;
    }
  }
  return out;
}

/**
 * wasm: dx is the transposed depthwise convolution of dy / count with a filter of ones, which
 * runs on XNNPACK (about 5x faster than a JavaScript loop at N=64, C=16, 32x32).
 */
function avgPoolGradWasm(backend: KernelBackend, dy: TensorInfo, input: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  return withRunner(backend, 'wasm', (runner) => {
    const scale = runner.fromValues([1, info.outHeight, info.outWidth, 1], inverseCounts(info));
    const scaled = runner.run('Multiply', { a: dy, b: scale });
    const ones = runner.fromFill([info.filterHeight, info.filterWidth, info.inChannels, 1], (values) => values.fill(1), false);
    const geometry: ConvGeometry = [
      { inSize: info.inHeight, outSize: info.outHeight, kernel: info.filterHeight, stride: info.strideHeight, dilation: 1, padBefore: info.padInfo.top },
      { inSize: info.inWidth, outSize: info.outWidth, kernel: info.filterWidth, stride: info.strideWidth, dilation: 1, padBefore: info.padInfo.left },
    ];
    const [n, h, w, c] = input.shape as [number, number, number, number];
    return depthwiseBackpropInputNhwc(runner, scaled, ones, [n, h, w, c], geometry);
  });
}

const avgPoolGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const info = poolInfo(input.shape, attrs as unknown as PoolGradAttrs);
  const kernelBackend = backend as KernelBackend;
  if (isWasmBackend(kernelBackend)) return avgPoolGradWasm(kernelBackend, dy, input, info);
  return makeFloat32(kernelBackend, [...input.shape], avgPoolGradValues(view(kernelBackend, dy), info));
};

const maxPoolGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const info = poolInfo(input.shape, attrs as unknown as PoolGradAttrs);
  const kernelBackend = backend as KernelBackend;
  const dx = maxPoolGradValues(view(kernelBackend, input), view(kernelBackend, dy), info);
  return makeFloat32(kernelBackend, [...input.shape], dx);
};

/** `AvgPoolGrad` consistent with the forward AvgPool (padding excluded from the count). */
export function avgPoolGradConfig(backendName: string): KernelConfig {
  return { kernelName: tf.AvgPoolGrad, backendName, kernelFunc: avgPoolGradKernel };
}

/** `MaxPoolGrad` (first maximum of each window), a fast JavaScript loop. */
export function maxPoolGradConfig(backendName: string): KernelConfig {
  return { kernelName: tf.MaxPoolGrad, backendName, kernelFunc: maxPoolGradKernel };
}
