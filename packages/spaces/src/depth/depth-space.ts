import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import type { Rng } from '@lmreg/common';

import { describeValue, readArrayInput } from '../registry/describe-value.js';
import { hamming } from '../registry/search-space.js';
import type { SearchSpace } from '../registry/search-space.js';

/**
 * The four sub-spaces of the monocular depth estimation fusion-block space (paper Sec. 5.3,
 * Fig. 4 (d), Table 4): `v1` searches the edge ops only (upsampling fixed to bilinear), `v2` also
 * searches the upsampling op; `sync` shares one fusion-block architecture between the 4 decoder
 * blocks, `nonsync` lets each block choose independently.
 */
export const DEPTH_VARIANTS = ['v1-sync', 'v1-nonsync', 'v2-sync', 'v2-nonsync'] as const;

/** One of {@link DEPTH_VARIANTS}. */
export type DepthVariant = (typeof DEPTH_VARIANTS)[number];

/**
 * The five edge ops of a fusion block (paper Fig. 4 (c), "Edge Op"), in encoding order. They are
 * the NAS-Bench-201 ops, as in the authors' code (kcyu2014/nas-landmarkreg, `monodepth/constants.py`).
 */
export const DEPTH_EDGE_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** One fusion-block edge op. */
export type DepthEdgeOp = (typeof DEPTH_EDGE_OPS)[number];

/**
 * The four upsampling ops of the output edge (paper Fig. 4 (c), purple), in encoding order, as in
 * the authors' code (`monodepth/cell_operations.py`, `UPSAMPLE`): bilinear and bicubic
 * interpolation, a 4x4 stride-2 transposed convolution, and a ReLU-Conv1x1-BN followed by pixel
 * shuffle. `v1` spaces always use `bilinear`.
 */
export const DEPTH_UPSAMPLE_OPS = ['bilinear', 'bicubic', 'convtranspose', 'pixelshuffle'] as const;

/** One upsampling op. */
export type DepthUpsampleOp = (typeof DEPTH_UPSAMPLE_OPS)[number];

/**
 * The five searchable edges of a fusion block as `[to, from]`, in encoding order
 * (`2<-0, 2<-1, 3<-0, 3<-1, 3<-2`). Node 0 is the output of the preceding fusion block, node 1 the
 * backbone features at this scale (paper Fig. 4 (b); the first block has no predecessor: the paper
 * duplicates the encoder features, the authors' code feeds zeros). Nodes 2 and 3 are feature nodes
 * that sum their inputs; the block output is `upsample(node 3)` at twice the resolution.
 */
export const DEPTH_EDGES: readonly (readonly [to: number, from: number])[] = [
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

/**
 * One fusion block: an op on each of the 5 edges of {@link DEPTH_EDGES} and the upsampling op of the
 * output edge. 5^5 = 3,125 blocks in `v1` (upsampling fixed to `bilinear`), 5^5 x 4 = 12,500 in `v2`.
 */
export interface DepthBlock {
  /** Ops of the edges `2<-0, 2<-1, 3<-0, 3<-1, 3<-2`. */
  readonly ops: readonly [DepthEdgeOp, DepthEdgeOp, DepthEdgeOp, DepthEdgeOp, DepthEdgeOp];
  /** Upsampling op of the output edge; always `bilinear` in `v1` spaces. */
  readonly upsample: DepthUpsampleOp;
}

/**
 * A decoder architecture of the depth space: its fusion blocks. Sync spaces have one block, shared
 * by all 4 decoder blocks; non-sync spaces have 4, in decoder order (deepest scale first, i.e.
 * MiDaS `refinenet4`, `refinenet3`, `refinenet2`, `refinenet1`). Use {@link depthDecoderBlocks} to
 * get the 4 per-block architectures in both cases.
 */
export type DepthArch = readonly DepthBlock[];

/** A depth fusion-block search space; `enumerate` exists for the sync variants only. */
export interface DepthSpace extends SearchSpace<DepthArch> {
  /** Which of the four sub-spaces this is. */
  readonly variant: DepthVariant;
}

/** Number of fusion blocks in the decoder. */
export const DEPTH_DECODER_BLOCKS = 4;

/** The architecture of each of the 4 decoder blocks, in decoder order (the shared block repeated for sync spaces). */
export function depthDecoderBlocks(a: DepthArch): readonly DepthBlock[] {
  if (!Array.isArray(a) || (a.length !== 1 && a.length !== DEPTH_DECODER_BLOCKS)) {
    throw new InvalidArgumentError(`depthDecoderBlocks needs a depth architecture of 1 (sync) or ${DEPTH_DECODER_BLOCKS} (non-sync) blocks.`);
  }
  return a.length === 1 ? Array.from({ length: DEPTH_DECODER_BLOCKS }, () => a[0] as DepthBlock) : a;
}

const EDGE_INDEX: ReadonlyMap<string, number> = new Map(DEPTH_EDGE_OPS.map((op, i) => [op, i]));
const UPSAMPLE_INDEX: ReadonlyMap<string, number> = new Map(DEPTH_UPSAMPLE_OPS.map((op, i) => [op, i]));

const show = describeValue;

function edgeName(k: number): string {
  const e = DEPTH_EDGES[k];
  return e === undefined ? `#${k}` : `${e[0]}<-${e[1]}`;
}

function makeBlock(ops: readonly DepthEdgeOp[], upsample: DepthUpsampleOp): DepthBlock {
  return Object.freeze({ ops: Object.freeze(ops.slice()) as unknown as DepthBlock['ops'], upsample });
}

/**
 * Creates one of the four depth fusion-block spaces (registered as `depth-v1-sync`,
 * `depth-v1-nonsync`, `depth-v2-sync`, `depth-v2-nonsync`).
 *
 * A fusion block (paper Sec. 5.3 and Fig. 4 (b, c)) has two input nodes (preceding fusion block,
 * backbone features), two feature nodes that sum all previous nodes, and an output node. The
 * searchable choices per block are the ops of its 5 edges (`2<-0, 2<-1, 3<-0, 3<-1, 3<-2`), each
 * one of the 5 {@link DEPTH_EDGE_OPS}, giving 5^5 = 3,125 blocks; `v2` also searches the output
 * edge's upsampling among the 4 {@link DEPTH_UPSAMPLE_OPS} (hence 4x more: 12,500), `v1` fixes it
 * to bilinear. Sizes equal Table 4: v1-sync 3,125; v1-nonsync 3,125^4 (9.5e13); v2-sync 12,500;
 * v2-nonsync 12,500^4 (2.4e16).
 *
 * `encode` is the blocks' choices in order (5 edge-op indices, then the upsampling index in `v2`).
 * `format` gives e.g. `v2-sync:[nor_conv_3x3,skip_connect,none,nor_conv_1x1,avg_pool_3x3|bicubic]`
 * (non-sync: 4 bracketed blocks joined by `;`, in decoder order). `key` is `format`: the paper names
 * no isomorphisms (the two inputs of a block are different tensors). `mutate` changes one choice of
 * one block.
 */
export function createDepthSpace(variant: DepthVariant): DepthSpace {
  if (!(DEPTH_VARIANTS as readonly string[]).includes(variant)) {
    throw new InvalidArgumentError(`unknown depth space variant ${show(variant)}; use one of ${DEPTH_VARIANTS.join(', ')}.`);
  }
  const name = `depth-${variant}`;
  const searchUpsample = variant.startsWith('v2');
  const blocks = variant.endsWith('nonsync') ? DEPTH_DECODER_BLOCKS : 1;
  const perBlock = DEPTH_EDGES.length + (searchUpsample ? 1 : 0);
  const blockBounds = [...DEPTH_EDGES.map(() => DEPTH_EDGE_OPS.length), ...(searchUpsample ? [DEPTH_UPSAMPLE_OPS.length] : [])];
  const encodingBounds = Object.freeze(Array.from({ length: blocks }, () => blockBounds).flat());
  const blockSize = BigInt(blockBounds.reduce((p, b) => p * b, 1));
  const size = blockSize ** BigInt(blocks);
  const variantName = variant.replace('-', ' ');

  const fail = (message: string): never => {
    throw new InvalidArchitectureError(name, message);
  };

  const encode = (a: DepthArch): number[] => {
    if (!Array.isArray(a)) fail(`an architecture is an array of ${blocks} fusion block(s), got ${show(a)}.`);
    if (a.length !== blocks) {
      fail(`${variantName} architectures have ${blocks} fusion block(s), got ${a.length}.`);
    }
    const out: number[] = [];
    a.forEach((block: unknown, b) => {
      const where = blocks > 1 ? `block ${b + 1}` : 'the block';
      if (typeof block !== 'object' || block === null) fail(`${where} must be an object { ops, upsample }, got ${show(block)}.`);
      const { ops, upsample } = block as { ops?: unknown; upsample?: unknown };
      if (!Array.isArray(ops) || ops.length !== DEPTH_EDGES.length) {
        fail(`${where} needs ops for the 5 edges 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, got ${show(ops)}.`);
      }
      (ops as unknown[]).forEach((op, k) => {
        const i = typeof op === 'string' ? EDGE_INDEX.get(op) : undefined;
        if (i === undefined) fail(`edge ${edgeName(k)} of ${where} has unknown op ${show(op)}; use one of ${DEPTH_EDGE_OPS.join(', ')}.`);
        out.push(i as number);
      });
      const u = typeof upsample === 'string' ? UPSAMPLE_INDEX.get(upsample) : undefined;
      if (u === undefined) fail(`${where} has unknown upsampling ${show(upsample)}; use one of ${DEPTH_UPSAMPLE_OPS.join(', ')}.`);
      if (searchUpsample) out.push(u as number);
      else if (u !== 0) fail(`${where} uses upsampling ${show(upsample)}, but V1 spaces fix it to 'bilinear' (use a v2 space to search it).`);
    });
    return out;
  };

  const decode = (input: readonly number[]): DepthArch => {
    const values = readArrayInput(name, input, `decode's input (an array of ${encodingBounds.length} integers)`);
    if (values.length !== encodingBounds.length) {
      fail(`decode needs ${encodingBounds.length} integers (${perBlock} per block x ${blocks}), got ${values.length}.`);
    }
    const vector = values as number[];
    values.forEach((x: unknown, i) => {
      const bound = encodingBounds[i] as number;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= bound) {
        const k = i % perBlock;
        const what = k < DEPTH_EDGES.length ? `edge ${edgeName(k)}` : 'upsampling';
        fail(`position ${i} (block ${Math.floor(i / perBlock) + 1}, ${what}) is ${show(x)}; it must be an integer in [0, ${bound}).`);
      }
    });
    const out: DepthBlock[] = [];
    for (let b = 0; b < blocks; b++) {
      const chunk = vector.slice(b * perBlock, (b + 1) * perBlock);
      const ops = chunk.slice(0, DEPTH_EDGES.length).map((x) => DEPTH_EDGE_OPS[x] as DepthEdgeOp);
      const upsample = searchUpsample ? (DEPTH_UPSAMPLE_OPS[chunk[DEPTH_EDGES.length] as number] as DepthUpsampleOp) : 'bilinear';
      out.push(makeBlock(ops, upsample));
    }
    return Object.freeze(out);
  };

  const format = (a: DepthArch): string => {
    const v = encode(a);
    const parts: string[] = [];
    for (let b = 0; b < blocks; b++) {
      const chunk = v.slice(b * perBlock, (b + 1) * perBlock);
      const ops = chunk.slice(0, DEPTH_EDGES.length).map((x) => DEPTH_EDGE_OPS[x]);
      const up = searchUpsample ? `|${DEPTH_UPSAMPLE_OPS[chunk[DEPTH_EDGES.length] as number]}` : '';
      parts.push(`[${ops.join(',')}${up}]`);
    }
    return `${variant}:${parts.join(';')}`;
  };

  const example = format(decode(encodingBounds.map(() => 0)));

  const parse = (text: string): DepthArch => {
    if (typeof text !== 'string') fail(`parse needs a string like '${example}', got ${show(text)}.`);
    const s = text.trim();
    const colon = s.indexOf(':');
    const prefix = colon < 0 ? '' : s.slice(0, colon);
    if (prefix !== variant) {
      const other = (DEPTH_VARIANTS as readonly string[]).includes(prefix) ? ` (that is the depth-${prefix} space)` : '';
      fail(`a ${name} string starts with '${variant}:', got ${show(s.slice(0, Math.max(colon, 0)) || s)}${other}; e.g. '${example}'.`);
    }
    const body = s.slice(colon + 1).split(';');
    if (body.length !== blocks) fail(`${variantName} strings have ${blocks} bracketed block(s) separated by ';', got ${body.length}.`);
    const v: number[] = [];
    body.forEach((part, b) => {
      const where = blocks > 1 ? `block ${b + 1}` : 'the block';
      if (!part.startsWith('[') || !part.endsWith(']') || part.length < 2) {
        fail(`${where} must be written in brackets like '[none,skip_connect,...]', got ${show(part)}.`);
      }
      const inner = part.slice(1, -1);
      const bar = inner.indexOf('|');
      if (searchUpsample && bar < 0) fail(`${where} must end in '|<upsampling>' (one of ${DEPTH_UPSAMPLE_OPS.join(', ')}), got ${show(part)}.`);
      if (!searchUpsample && bar >= 0) fail(`${where} has an upsampling part ${show(inner.slice(bar))}, but V1 spaces fix upsampling to bilinear; remove it.`);
      const ops = (searchUpsample ? inner.slice(0, bar) : inner).split(',');
      if (ops.length !== DEPTH_EDGES.length) {
        fail(`${where} lists ${ops.length} edge ops; it needs 5 (edges 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), got ${show(part)}.`);
      }
      ops.forEach((op, k) => {
        const i = EDGE_INDEX.get(op.trim());
        if (i === undefined) fail(`unknown op ${show(op)} on edge ${edgeName(k)} of ${where}; use one of ${DEPTH_EDGE_OPS.join(', ')}.`);
        v.push(i as number);
      });
      if (searchUpsample) {
        const up = inner.slice(bar + 1).trim();
        const u = UPSAMPLE_INDEX.get(up);
        if (u === undefined) fail(`unknown upsampling ${show(up)} in ${where}; use one of ${DEPTH_UPSAMPLE_OPS.join(', ')}.`);
        v.push(u as number);
      }
    });
    return decode(v);
  };

  const space: DepthSpace = {
    name,
    variant,
    size,
    mutationDistance: 1,
    encodingLength: encodingBounds.length,
    encodingBounds,
    sample(rng: Rng): DepthArch {
      return decode(encodingBounds.map((b) => rng.int(b)));
    },
    mutate(a: DepthArch, rng: Rng): DepthArch {
      const v = encode(a);
      const i = rng.int(v.length);
      const bound = encodingBounds[i] as number;
      v[i] = ((v[i] as number) + 1 + rng.int(bound - 1)) % bound;
      return decode(v);
    },
    distance(a: DepthArch, b: DepthArch): number {
      return hamming(encode(a), encode(b));
    },
    encode,
    decode,
    format,
    parse,
    key: format,
  };
  if (blocks === 1) {
    space.enumerate = function* enumerate(): Iterable<DepthArch> {
      const total = Number(size);
      for (let r = 0; r < total; r++) {
        const v = new Array<number>(encodingBounds.length);
        let rest = r;
        for (let i = encodingBounds.length - 1; i >= 0; i--) {
          const bound = encodingBounds[i] as number;
          v[i] = rest % bound;
          rest = Math.floor(rest / bound);
        }
        yield decode(v);
      }
    };
  }
  return space;
}
