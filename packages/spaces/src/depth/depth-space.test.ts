import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { getSpace } from '../registry/registry.js';
import { arbitraryArchitecture } from '../testing/index.js';
import { createDepthSpace, DEPTH_VARIANTS, depthDecoderBlocks } from './depth-space.js';
import type { DepthArch, DepthVariant } from './depth-space.js';

const PAPER = fileURLToPath(new URL('../../../../../shared/paper/landmark-regularization-2104.05309.txt', import.meta.url));

describe('depth space sizes equal Table 4 of the paper', () => {
  it.each([
    ['v1-sync', 3125n],
    ['v1-nonsync', 3125n ** 4n],
    ['v2-sync', 12500n],
    ['v2-nonsync', 12500n ** 4n],
  ] as const)('%s has %s architectures', (variant, size) => {
    expect(createDepthSpace(variant).size).toBe(size);
  });

  it('matches the |Omega| values printed in Table 4 (3,125; 9.5e13; 12,500; 2.4e16)', () => {
    const text = readFileSync(PAPER, 'utf8');
    const table = text.slice(text.indexOf('Search space Method Sync Non-sync'), text.indexOf('Table 4:'));
    const printed = [...table.matchAll(/\|\u03a9\|=([0-9.,]+)(?:\u00d7\s*10(\d+))?/g)].map(
      ([, mantissa = '', exponent]) => Number(mantissa.replace(/,/g, '')) * 10 ** Number(exponent ?? 0),
    );
    expect(printed).toEqual([3125, 9.5e13, 12500, 2.4e16]);
    const ours = (['v1-sync', 'v1-nonsync', 'v2-sync', 'v2-nonsync'] as const).map((v) => Number(createDepthSpace(v).size));
    ours.forEach((size, i) => expect(Number(size.toPrecision(2))).toBe(Number((printed[i] ?? 0).toPrecision(2))));
  });

  it.each(['v1-sync', 'v2-sync'] as const)('%s enumerates every architecture once', (variant) => {
    const space = createDepthSpace(variant);
    const all = [...(space.enumerate?.() ?? [])].map((a) => space.format(a));
    expect(all).toHaveLength(Number(space.size));
    expect(new Set(all).size).toBe(all.length);
  });

  it('non-sync spaces do not enumerate (too large)', () => {
    expect(createDepthSpace('v1-nonsync').enumerate).toBeUndefined();
    expect(createDepthSpace('v2-nonsync').enumerate).toBeUndefined();
  });

  it('registers the four spaces under depth-<variant>', () => {
    for (const v of DEPTH_VARIANTS) expect(getSpace(`depth-${v}`).name).toBe(`depth-${v}`);
  });

  it('refuses an unknown variant', () => {
    expect(() => createDepthSpace('v3-sync' as DepthVariant)).toThrow(InvalidArgumentError);
  });
});

describe('depth space encoding', () => {
  it('has 5 edge choices per block in v1 and 5 + upsampling in v2', () => {
    expect(createDepthSpace('v1-sync').encodingBounds).toEqual([5, 5, 5, 5, 5]);
    expect(createDepthSpace('v2-sync').encodingBounds).toEqual([5, 5, 5, 5, 5, 4]);
    expect(createDepthSpace('v1-nonsync').encodingLength).toBe(20);
    expect(createDepthSpace('v2-nonsync').encodingLength).toBe(24);
  });

  it('formats readably and parses back', () => {
    const v2 = createDepthSpace('v2-sync');
    const a = v2.decode([3, 1, 0, 2, 4, 1]);
    expect(v2.format(a)).toBe('v2-sync:[nor_conv_3x3,skip_connect,none,nor_conv_1x1,avg_pool_3x3|bicubic]');
    expect(v2.parse(v2.format(a))).toEqual(a);
    const v1 = createDepthSpace('v1-nonsync');
    const b = v1.decode([...[0, 0, 0, 0, 0], ...[1, 1, 1, 1, 1], ...[2, 2, 2, 2, 2], ...[3, 3, 3, 3, 4]]);
    expect(v1.format(b)).toBe(
      'v1-nonsync:[none,none,none,none,none];[skip_connect,skip_connect,skip_connect,skip_connect,skip_connect];' +
        '[nor_conv_1x1,nor_conv_1x1,nor_conv_1x1,nor_conv_1x1,nor_conv_1x1];' +
        '[nor_conv_3x3,nor_conv_3x3,nor_conv_3x3,nor_conv_3x3,avg_pool_3x3]',
    );
    expect(b.every((block) => block.upsample === 'bilinear')).toBe(true);
  });

  it.each([
    ['v1-sync', 'v2-sync:[none,none,none,none,none|bicubic]', /starts with 'v1-sync:'.*that is the depth-v2-sync space/],
    ['v1-sync', 'v1-sync:[none,none,none,none,none|bicubic]', /fix upsampling to bilinear; remove it/],
    ['v2-sync', 'v2-sync:[none,none,none,none,none]', /must end in '\|<upsampling>'/],
    ['v2-sync', 'v2-sync:[none,none,none,none,none|nearest]', /unknown upsampling "nearest"/],
    ['v1-sync', 'v1-sync:[none,none,conv5x5,none,none]', /unknown op "conv5x5" on edge 3<-0/],
    ['v1-sync', 'v1-sync:[none,none,none,none]', /lists 4 edge ops; it needs 5/],
    ['v1-nonsync', 'v1-nonsync:[none,none,none,none,none]', /4 bracketed block\(s\).*got 1/],
    [
      'v2-nonsync',
      'v2-nonsync:[none,none,none,none,none|bilinear];x;[none,none,none,none,none|bilinear];[none,none,none,none,none|bilinear]',
      /block 2 must be written in brackets/,
    ],
    ['v2-sync', '', /starts with 'v2-sync:'/],
  ] as const)('%s parse(%j) names the bad part', (variant, text, message) => {
    const space = createDepthSpace(variant);
    expect(() => space.parse(text)).toThrow(InvalidArchitectureError);
    expect(() => space.parse(text)).toThrow(message);
  });

  it('v1 encode refuses a block whose upsampling is not bilinear', () => {
    const bad: DepthArch = [{ ops: ['none', 'none', 'none', 'none', 'none'], upsample: 'pixelshuffle' }];
    expect(() => createDepthSpace('v1-sync').encode(bad)).toThrow(/V1 spaces fix it to 'bilinear'/);
    expect(createDepthSpace('v2-sync').encode(bad)).toEqual([0, 0, 0, 0, 0, 3]);
  });

  it('decode names the bad position, block and edge', () => {
    const space = createDepthSpace('v2-nonsync');
    const v = new Array<number>(24).fill(0);
    v[12] = 5;
    expect(() => space.decode(v)).toThrow(/position 12 \(block 3, edge 2<-0\) is 5/);
    v[12] = 0;
    v[23] = 4;
    expect(() => space.decode(v)).toThrow(/position 23 \(block 4, upsampling\) is 4/);
  });

  it('depthDecoderBlocks repeats the shared block of a sync architecture 4 times', () => {
    const sync = createDepthSpace('v2-sync');
    const a = sync.sample(createRng(3));
    expect(depthDecoderBlocks(a)).toEqual([a[0], a[0], a[0], a[0]]);
    const nonsync = createDepthSpace('v2-nonsync').sample(createRng(3));
    expect(depthDecoderBlocks(nonsync)).toBe(nonsync);
  });
});

describe.each(DEPTH_VARIANTS)('depth-%s properties', (variant) => {
  const space = createDepthSpace(variant);
  const arch = arbitraryArchitecture(space);

  test.prop([arch, fc.integer()])('mutate changes exactly one choice of one block', (a, seed) => {
    const b = space.mutate(a, createRng(seed));
    const va = space.encode(a);
    const vb = space.encode(b);
    expect(va.filter((x, i) => x !== vb[i])).toHaveLength(1);
    expect(space.key(b)).not.toBe(space.key(a));
  });

  test.prop([arch])('key is format, and parse(key(a)) = a', (a) => {
    expect(space.key(a)).toBe(space.format(a));
    expect(space.parse(space.key(a))).toEqual(a);
  });
});

it('non-sync blocks are chosen independently', () => {
  const space = createDepthSpace('v1-nonsync');
  const rng = createRng(11);
  let differing = 0;
  for (let i = 0; i < 50; i++) {
    const a = space.sample(rng);
    if (new Set(a.map((b) => b.ops.join())).size > 1) differing++;
  }
  // P(all 4 blocks equal) = 3125^-3, so practically every sample has differing blocks.
  expect(differing).toBe(50);
});
