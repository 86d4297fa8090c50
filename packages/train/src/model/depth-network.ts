import { InvalidArgumentError } from '@lmreg/common';
import { DEPTH_DECODER_BLOCKS, DEPTH_EDGE_OPS, DEPTH_EDGES, DEPTH_UPSAMPLE_OPS, type DepthArch, type DepthBlock } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { blocksOf, interpolate2x, liveness, pixelShuffle2, STAGES, type Liveness } from './depth-parts.js';
import { networkOptionReader } from './network-options.js';
import { avgPool3x3ExcludePad, batchNormBatchStats, conv2dTorch, relu, reluConvBn } from './layers.js';
import type { BaseNetworkOptions, ForwardOptions, Network, NetworkBuilder, SetWeightsOptions } from './network.js';
import { type Initializer, VariableStore } from './variable-store.js';

/** Options of {@link createDepthSupernet} / {@link createDepthNetwork}. */
export interface DepthNetworkOptions extends BaseNetworkOptions {
  /** Channels of the first encoder stage (stages have c, 2c, 4c, 8c). Default 16. */
  readonly encoderChannels?: number;
  /** Channels of every decoder fusion block (MiDaS' `features`). Default 32. Must be even. */
  readonly features?: number;
  /** Input image channels. Default 3. */
  readonly inputChannels?: number;
  /** Registry name the network reports (one of the four depth spaces). Default `depth-v2-nonsync`. */
  readonly space?: string;
}

interface ResolvedOptions {
  readonly encoderChannels: number;
  readonly features: number;
  readonly inputChannels: number;
  readonly space: string;
  readonly seed: number;
}

const KAIMING: Initializer = { kind: 'kaiming-normal-fan-out' };

function resolveOptions(options: DepthNetworkOptions): ResolvedOptions {
  const positiveInt = networkOptionReader('depth', options);
  const features = positiveInt('features', options.features, 32);
  if (features % 2 !== 0) throw new InvalidArgumentError(`depth network option 'features' must be even, got ${features}.`);
  return {
    encoderChannels: positiveInt('encoderChannels', options.encoderChannels, 16),
    features,
    inputChannels: positiveInt('inputChannels', options.inputChannels, 3),
    space: options.space ?? 'depth-v2-nonsync',
    seed: options.seed,
  };
}

/**
 * The depth network of the paper's fusion-block space (Sec. 5.3, Fig. 4), NHWC, on a small fixed
 * conv encoder (the paper keeps MiDaS' pretrained ResNeXt backbone fixed; none is available here):
 *
 * - encoder: 4 stages of conv3x3/s2-BN-ReLU (c, 2c, 4c, 8c channels at 1/2 .. 1/16 scale), each
 *   followed by MiDaS' `layer*_rn` conv3x3 (no bias) to `features` channels;
 * - decoder: 4 fusion blocks, deepest first (MiDaS `refinenet4..1`). Block inputs: node 0 = the
 *   previous block's output (the first block duplicates its encoder features, as the paper says),
 *   node 1 = the encoder features at this scale; node 2 = sum of edges 2<-0, 2<-1; node 3 = sum of
 *   3<-0, 3<-1, 3<-2 (`none` edges skipped, an empty sum is zeros); output = x2 upsampling of node 3.
 *   Edge ops are NB201's (ReLU-conv-BN, 3x3 average pool excluding padding, identity, none).
 *   Upsampling ops: bilinear / bicubic (align_corners=True), 4x4/s2 transposed conv (no bias), or
 *   ReLU-conv1x1-BN to 4x channels + pixel shuffle;
 * - head (MiDaS `output_conv`, shortened): conv3x3 (bias) to features/2, ReLU, conv1x1 (bias) to 1.
 *   No final ReLU (the scale- and shift-invariant loss fits any affine map).
 *
 * {@link Network.forward} returns the depth map flattened to `[batch, h * w]` (row-major) so the
 * network fits the `Network` contract; {@link DepthNetwork.predictDepth} gives `[batch, h, w]`.
 * Train it with `ssiLoss` (depth-loss.ts), not with the classification `trainStep`.
 *
 * Weight keys: `encoder.stage{s}.{conv,bn.*}`, `encoder.scratch{s}.conv`,
 * `decoder.block{b}.edge{e}.{nor_conv_1x1|nor_conv_3x3}.{conv,bn.*}`,
 * `decoder.block{b}.upsample.convtranspose.filter`, `decoder.block{b}.upsample.pixelshuffle.{conv,bn.*}`,
 * `head.conv{1,2}.{weight,bias}`. The super-net has weights per (block, edge, op) and per (block,
 * upsampling op); the 4 blocks never share weights (a sync architecture only shares the choice).
 */
export class DepthNetwork implements Network<DepthArch> {
  /** Registry name of the search space this network reports. */
  readonly space: string;
  /** The architecture of a stand-alone network; `undefined` for the super-net. */
  readonly fixedArch: DepthArch | undefined;
  /** Encoder base channels. */
  readonly encoderChannels: number;
  /** Decoder channels. */
  readonly features: number;
  /** Input image channels. */
  readonly inputChannels: number;

  readonly #store: VariableStore;
  readonly #fixedBlocks: readonly DepthBlock[] | undefined;

  /** Creates every variable from `options.seed`. Prefer the `create*` factories. */
  constructor(options: DepthNetworkOptions, fixedArch?: DepthArch) {
    const o = resolveOptions(options);
    this.space = o.space;
    this.encoderChannels = o.encoderChannels;
    this.features = o.features;
    this.inputChannels = o.inputChannels;
    this.#fixedBlocks = fixedArch === undefined ? undefined : blocksOf(fixedArch);
    this.fixedArch = fixedArch === undefined ? undefined : Object.freeze([...fixedArch]);
    this.#store = new VariableStore('depth', o.seed);
    try {
      this.#build();
    } catch (error) {
      this.#store.dispose();
      throw error;
    }
  }

  #convBn(prefix: string, k: number, cin: number, cout: number): void {
    this.#store.create(`${prefix}.conv`, [k, k, cin, cout], KAIMING);
    this.#store.create(`${prefix}.bn.gamma`, [cout], { kind: 'constant', value: 1 });
    this.#store.create(`${prefix}.bn.beta`, [cout], { kind: 'constant', value: 0 });
  }

  #build(): void {
    const F = this.features;
    let cin = this.inputChannels;
    for (let s = 1; s <= STAGES; s++) {
      const c = this.encoderChannels * 2 ** (s - 1);
      this.#convBn(`encoder.stage${s}`, 3, cin, c);
      this.#store.create(`encoder.scratch${s}.conv`, [3, 3, c, F], KAIMING);
      cin = c;
    }
    for (let b = 0; b < DEPTH_DECODER_BLOCKS; b++) {
      const fixed = this.#fixedBlocks?.[b];
      DEPTH_EDGES.forEach((_, e) => {
        const ops: readonly string[] = fixed === undefined ? DEPTH_EDGE_OPS : [fixed.ops[e] as string];
        for (const op of ops) {
          if (op === 'nor_conv_1x1' || op === 'nor_conv_3x3') this.#convBn(`decoder.block${b}.edge${e}.${op}`, op === 'nor_conv_3x3' ? 3 : 1, F, F);
        }
      });
      const ups: readonly string[] = fixed === undefined ? DEPTH_UPSAMPLE_OPS : [fixed.upsample];
      if (ups.includes('convtranspose')) this.#store.create(`decoder.block${b}.upsample.convtranspose.filter`, [4, 4, F, F], KAIMING);
      if (ups.includes('pixelshuffle')) this.#convBn(`decoder.block${b}.upsample.pixelshuffle`, 1, F, 4 * F);
    }
    const half = F / 2;
    const b1 = 1 / Math.sqrt(9 * F);
    const b2 = 1 / Math.sqrt(half);
    this.#store.create('head.conv1.weight', [3, 3, F, half], KAIMING);
    this.#store.create('head.conv1.bias', [half], { kind: 'uniform', bound: b1 });
    this.#store.create('head.conv2.weight', [1, 1, half, 1], { kind: 'uniform', bound: b2 });
    this.#store.create('head.conv2.bias', [1], { kind: 'uniform', bound: b2 });
  }

  #blocks(arch: DepthArch): readonly DepthBlock[] {
    const blocks = blocksOf(arch);
    const fixed = this.#fixedBlocks;
    if (fixed !== undefined && JSON.stringify(blocks) !== JSON.stringify(fixed)) {
      throw new InvalidArgumentError(`this stand-alone depth network is ${JSON.stringify(this.fixedArch)}; it cannot run ${JSON.stringify(arch)}.`);
    }
    return blocks;
  }

  /** Keys of the weights block `b` of `arch` reads. */
  #blockKeys(b: number, block: DepthBlock, live: Liveness): string[] {
    const keys: string[] = [];
    if (live.blocks[b] !== true) return keys;
    block.ops.forEach((op, e) => {
      if (live.edges[b]?.[e] !== true || (op !== 'nor_conv_1x1' && op !== 'nor_conv_3x3')) return;
      const p = `decoder.block${b}.edge${e}.${op}`;
      keys.push(`${p}.conv`, `${p}.bn.gamma`, `${p}.bn.beta`);
    });
    if (block.upsample === 'convtranspose') keys.push(`decoder.block${b}.upsample.convtranspose.filter`);
    if (block.upsample === 'pixelshuffle') {
      const p = `decoder.block${b}.upsample.pixelshuffle`;
      keys.push(`${p}.conv`, `${p}.bn.gamma`, `${p}.bn.beta`);
    }
    return keys;
  }

  #v(key: string): tf.Variable {
    return this.#store.get(key);
  }

  #edge(x: tf.Tensor4D, op: string, prefix: string): tf.Tensor4D | undefined {
    switch (op) {
      case 'none':
        return undefined;
      case 'skip_connect':
        return x;
      case 'avg_pool_3x3':
        return avgPool3x3ExcludePad(x);
      default:
        return reluConvBn(x, this.#v(`${prefix}.${op}.conv`), this.#v(`${prefix}.${op}.bn.gamma`), this.#v(`${prefix}.${op}.bn.beta`), 1);
    }
  }

  #block(
    previous: tf.Tensor4D | undefined,
    features: tf.Tensor4D | undefined,
    shape: readonly number[],
    b: number,
    block: DepthBlock,
    live: readonly boolean[],
  ): tf.Tensor4D {
    const nodes: (tf.Tensor4D | undefined)[] = [previous, features];
    for (const target of [2, 3]) {
      const terms: tf.Tensor4D[] = [];
      DEPTH_EDGES.forEach(([to, from], e) => {
        if (to !== target || live[e] !== true) return;
        const out = this.#edge(nodes[from] as tf.Tensor4D, block.ops[e] as string, `decoder.block${b}.edge${e}`);
        if (out !== undefined) terms.push(out);
      });
      nodes.push(
        terms.length === 0
          ? (tf.zeros(shape as [number, number, number, number]) as tf.Tensor4D)
          : terms.length === 1
            ? (terms[0] as tf.Tensor4D)
            : (tf.addN(terms) as tf.Tensor4D),
      );
    }
    const node3 = nodes[3] as tf.Tensor4D;
    const p = `decoder.block${b}.upsample`;
    switch (block.upsample) {
      case 'bilinear':
      case 'bicubic':
        return interpolate2x(node3, block.upsample);
      case 'convtranspose': {
        const [n, h, w, c] = node3.shape;
        return tf.conv2dTranspose(node3, this.#v(`${p}.convtranspose.filter`) as tf.Tensor4D, [n, 2 * h, 2 * w, c], 2, 'same');
      }
      case 'pixelshuffle':
        return pixelShuffle2(
          reluConvBn(node3, this.#v(`${p}.pixelshuffle.conv`), this.#v(`${p}.pixelshuffle.bn.gamma`), this.#v(`${p}.pixelshuffle.bn.beta`), 1),
        );
    }
  }

  /**
   * Dense depth prediction of `arch` for images `x` (NHWC `[batch, h, w, inputChannels]`, h and w
   * divisible by 16; not disposed). Returns `[batch, h, w]` (relative inverse depth up to scale and
   * shift), owned by the caller.
   */
  predictDepth(arch: DepthArch, x: tf.Tensor4D): tf.Tensor3D {
    const blocks = this.#blocks(arch);
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== this.inputChannels || x.shape[1] % 16 !== 0 || x.shape[2] % 16 !== 0) {
      throw new InvalidArgumentError(
        `depth forward needs NHWC images [batch, h, w, ${this.inputChannels}] with h and w divisible by 16, got [${(x as tf.Tensor | undefined)?.shape?.join(', ') ?? '?'}].`,
      );
    }
    const live = liveness(blocks);
    const [n, height, width] = x.shape;
    return tf.tidy(() => {
      const scratch: (tf.Tensor4D | undefined)[] = [];
      let h = x;
      for (let s = 1; s <= live.stages; s++) {
        const e = `encoder.stage${s}`;
        h = relu(batchNormBatchStats(conv2dTorch(h, this.#v(`${e}.conv`), 2, 1), this.#v(`${e}.bn.gamma`), this.#v(`${e}.bn.beta`)));
        scratch.push(live.scratch[s - 1] === true ? conv2dTorch(h, this.#v(`encoder.scratch${s}.conv`), 1, 1) : undefined);
      }
      let path: tf.Tensor4D | undefined;
      for (let b = 0; b < DEPTH_DECODER_BLOCKS; b++) {
        if (live.blocks[b] !== true) continue;
        const features = scratch[STAGES - 1 - b];
        const scale = 2 ** (STAGES - b);
        const shape = [n, height / scale, width / scale, this.features];
        path = this.#block(b === 0 ? features : path, features, shape, b, blocks[b] as DepthBlock, live.edges[b] ?? []);
      }
      path = path as tf.Tensor4D;
      const head = relu(tf.add(conv2dTorch(path, this.#v('head.conv1.weight'), 1, 1), this.#v('head.conv1.bias')));
      const depth = tf.add(conv2dTorch(head as tf.Tensor4D, this.#v('head.conv2.weight'), 1, 0), this.#v('head.conv2.bias'));
      return tf.squeeze(depth, [3]) as tf.Tensor3D;
    });
  }

  /**
   * The depth map of {@link predictDepth} flattened to `[batch, h * w]` (row-major), so that the
   * network meets the `Network` contract. Owned by the caller.
   */
  forward(arch: DepthArch, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    void options;
    return tf.tidy(() => {
      const d = this.predictDepth(arch, x);
      return tf.reshape(d, [d.shape[0], -1]) as tf.Tensor2D;
    });
  }

  /**
   * The variables the path of `arch` reads: the head, the encoder stages and scratch convs whose
   * features reach the output, and the weighted ops of the live edges and upsampling of each live
   * block (an edge into node 2 is dead when edge 3<-2 is `none`; a block is dead when the next one
   * does not read its output). Dead parts are not computed by `forward` either.
   */
  variablesFor(arch: DepthArch): ReadonlyMap<string, tf.Variable> {
    const blocks = this.#blocks(arch);
    const live = liveness(blocks);
    const keys: string[] = ['head.conv1.weight', 'head.conv1.bias', 'head.conv2.weight', 'head.conv2.bias'];
    for (let s = 1; s <= live.stages; s++) {
      keys.push(`encoder.stage${s}.conv`, `encoder.stage${s}.bn.gamma`, `encoder.stage${s}.bn.beta`);
      if (live.scratch[s - 1] === true) keys.push(`encoder.scratch${s}.conv`);
    }
    blocks.forEach((block, b) => keys.push(...this.#blockKeys(b, block, live)));
    return new Map(keys.map((key) => [key, this.#v(key)] as const));
  }

  /** Every variable, by key. */
  allVariables(): ReadonlyMap<string, tf.Variable> {
    return this.#store.all();
  }

  /** Stable key of one of this network's variables, or `undefined`. */
  keyOf(variable: tf.Variable): string | undefined {
    return this.#store.keyOf(variable);
  }

  /**
   * Parameters of the stand-alone network of `arch` (this small encoder + decoder + head; the
   * paper's MiDaS-based networks have no published per-architecture counts to match).
   */
  paramCount(arch: DepthArch): number {
    const blocks = this.#blocks(arch);
    let total = 0;
    for (const [key, v] of this.#store.all()) if (key.startsWith('encoder.') || key.startsWith('head.')) total += v.size;
    const F = this.features;
    blocks.forEach((block) => {
      for (const op of block.ops) {
        if (op === 'nor_conv_1x1') total += F * F + 2 * F;
        if (op === 'nor_conv_3x3') total += 9 * F * F + 2 * F;
      }
      if (block.upsample === 'convtranspose') total += 16 * F * F;
      if (block.upsample === 'pixelshuffle') total += 4 * F * F + 8 * F;
    });
    return total;
  }

  /** Copies of all weights by key. */
  getWeights(): Record<string, Float32Array> {
    return this.#store.getWeights();
  }

  /** Overwrites weights by key; see {@link Network.setWeights}. */
  setWeights(weights: Readonly<Record<string, Float32Array>>, options?: SetWeightsOptions): void {
    this.#store.setWeights(weights, options);
  }

  /** Frees every variable; idempotent. */
  dispose(): void {
    this.#store.dispose();
  }
}

/** Creates the depth super-net (weights for every edge op and upsampling op of every block). The caller owns it. */
export function createDepthSupernet(options: DepthNetworkOptions): DepthNetwork {
  return new DepthNetwork(options);
}

/** Creates the stand-alone depth network of `arch` (weights only for its ops). The caller owns it. */
export function createDepthNetwork(arch: DepthArch, options: DepthNetworkOptions): DepthNetwork {
  return new DepthNetwork(options, arch);
}

/** Network builders of the four depth spaces (`depth-v1-sync`, ...); registered by default. */
export const depthNetworkBuilders: readonly NetworkBuilder<DepthArch, DepthNetworkOptions>[] = (
  ['depth-v1-sync', 'depth-v1-nonsync', 'depth-v2-sync', 'depth-v2-nonsync'] as const
).map((space) => ({
  space,
  createSupernet: (options: DepthNetworkOptions) => createDepthSupernet({ ...options, space }),
  createNetwork: (arch: DepthArch, options: DepthNetworkOptions) => createDepthNetwork(arch, { ...options, space }),
}));
