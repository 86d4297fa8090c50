import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FileFormatError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  decodeCheckpoint,
  encodeCheckpoint,
  hasCheckpoint,
  loadCheckpoint,
  loadCheckpointWithFallback,
  previousCheckpointFile,
  saveCheckpoint,
} from './checkpoint.js';

const arrays = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.float32Array({ maxLength: 40, noDefaultInfinity: true }), { maxKeys: 6 });
const meta = fc.jsonValue();

describe('checkpoint encoding', () => {
  test.prop([arrays, meta])('round-trips arrays and metadata bit-exactly', (a, m) => {
    const back = decodeCheckpoint(encodeCheckpoint({ meta: m, arrays: a }));
    expect(JSON.stringify(back.meta)).toBe(JSON.stringify(JSON.parse(JSON.stringify(m))));
    expect(Object.keys(back.arrays).sort()).toEqual(Object.keys(a).sort());
    for (const [k, v] of Object.entries(a)) {
      expect(new Uint8Array(back.arrays[k]!.buffer, back.arrays[k]!.byteOffset, back.arrays[k]!.byteLength)).toEqual(
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      );
    }
  });

  test.prop([arrays, fc.nat(), fc.integer({ min: 1, max: 255 })])('any flipped byte or truncation is detected', (a, pos, flip) => {
    const bytes = encodeCheckpoint({ meta: { epoch: 1 }, arrays: a });
    const corrupt = Uint8Array.from(bytes);
    const i = pos % corrupt.length;
    corrupt[i] = (corrupt[i]! ^ flip) & 0xff;
    expect(() => decodeCheckpoint(corrupt, 'ck.bin')).toThrow(FileFormatError);
    expect(() => decodeCheckpoint(bytes.subarray(0, Math.max(0, bytes.length - 1 - (pos % 8))), 'ck.bin')).toThrow(/ck\.bin/);
  });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('keeps the previous checkpoint and names the file in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-ck-'));
    const file = path.join(dir, 'checkpoint.bin');
    saveCheckpoint(file, { meta: { epoch: 1 }, arrays: { w: Float32Array.of(1, 2) } });
    saveCheckpoint(file, { meta: { epoch: 2 }, arrays: { w: Float32Array.of(3, 4) } });
    expect(loadCheckpoint(file).meta).toEqual({ epoch: 2 });
    expect(loadCheckpoint(path.join(dir, 'checkpoint.prev.bin')).meta).toEqual({ epoch: 1 });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => loadCheckpoint(path.join(dir, 'missing.bin'))).toThrow(/missing\.bin/);
    fs.rmSync(dir, { recursive: true });
  });
});

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-ck-'));
const ck = (epoch: number): { meta: { epoch: number }; arrays: { w: Float32Array } } => ({ meta: { epoch }, arrays: { w: Float32Array.of(epoch, -epoch) } });

describe('atomic previous checkpoint', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a kill while keeping the previous checkpoint leaves both files whole', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'supernet-landmarks.bin');
    saveCheckpoint(file, ck(1));
    saveCheckpoint(file, ck(2));
    // Simulate a process killed half-way through duplicating the newest checkpoint: every copy
    // writes half the bytes to its destination and dies; hard links are unavailable.
    vi.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw Object.assign(new Error('EXDEV'), { code: 'EXDEV' });
    });
    vi.spyOn(fs, 'copyFileSync').mockImplementation((from, to) => {
      const bytes = fs.readFileSync(from as string);
      fs.writeFileSync(to as string, bytes.subarray(0, bytes.length >> 1));
      throw new Error('killed');
    });
    expect(() => saveCheckpoint(file, ck(3))).toThrow('killed');
    vi.restoreAllMocks();
    expect(loadCheckpoint(file).meta).toEqual({ epoch: 2 });
    expect(loadCheckpoint(path.join(dir, 'supernet-landmarks.prev.bin')).meta).toEqual({ epoch: 1 });
    fs.rmSync(dir, { recursive: true });
  });

  it('falls back to the copy when hard links are not supported', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'a.bin');
    vi.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
    });
    saveCheckpoint(file, ck(1));
    saveCheckpoint(file, ck(2));
    expect(loadCheckpoint(path.join(dir, 'a.prev.bin')).meta).toEqual({ epoch: 1 });
    expect(fs.readdirSync(dir).sort()).toEqual(['a.bin', 'a.prev.bin']);
    fs.rmSync(dir, { recursive: true });
  });

  it('does not rotate a corrupt newest checkpoint over a good previous one', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'b.bin');
    saveCheckpoint(file, ck(1));
    saveCheckpoint(file, ck(2));
    fs.writeFileSync(file, 'garbage');
    saveCheckpoint(file, ck(3));
    expect(loadCheckpoint(previousCheckpointFile(file)).meta).toEqual({ epoch: 1 });
    expect(loadCheckpoint(file).meta).toEqual({ epoch: 3 });
    fs.rmSync(dir, { recursive: true });
  });
});

describe('loadCheckpointWithFallback', () => {
  it('uses the newest checkpoint when it is good', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'supernet-baseline.bin');
    expect(hasCheckpoint(file)).toBe(false);
    saveCheckpoint(file, ck(1));
    saveCheckpoint(file, ck(2));
    expect(hasCheckpoint(file)).toBe(true);
    const r = loadCheckpointWithFallback(file);
    expect(r.from).toBe('newest');
    expect(r.file).toBe(file);
    expect(r.warning).toBeUndefined();
    expect(r.data.meta).toEqual({ epoch: 2 });
    fs.rmSync(dir, { recursive: true });
  });

  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean()])(
    'falls back to the previous checkpoint, with a warning naming both real files, when the newest is corrupt or missing',
    (pos, flip, deleteIt) => {
      const dir = tmpDir();
      const file = path.join(dir, 'supernet-landmarks.bin');
      saveCheckpoint(file, ck(1));
      saveCheckpoint(file, ck(2));
      if (deleteIt) fs.rmSync(file);
      else {
        const bytes = fs.readFileSync(file);
        const i = pos % bytes.length;
        bytes[i] = bytes[i]! ^ flip;
        fs.writeFileSync(file, bytes);
      }
      const r = loadCheckpointWithFallback(file);
      expect(r.from).toBe('previous');
      expect(r.file).toBe(path.join(dir, 'supernet-landmarks.prev.bin'));
      expect(r.data.meta).toEqual({ epoch: 1 });
      expect(r.warning).toContain(file);
      expect(r.warning).toContain(path.join(dir, 'supernet-landmarks.prev.bin'));
      expect(r.warning).toMatch(deleteIt ? /is missing/ : /is corrupt/);
      expect(hasCheckpoint(file)).toBe(true);
      fs.rmSync(dir, { recursive: true });
    },
  );

  it('names both real files and --restart when neither can be used', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'supernet-landmarks.bin');
    saveCheckpoint(file, ck(1));
    saveCheckpoint(file, ck(2));
    fs.writeFileSync(file, 'torn');
    fs.writeFileSync(path.join(dir, 'supernet-landmarks.prev.bin'), 'LMREGCK1 torn');
    let error: unknown;
    try {
      loadCheckpointWithFallback(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileFormatError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('supernet-landmarks.prev.bin');
    expect(message).toMatch(/--restart/);
    expect(message).not.toMatch(/checkpoint\.prev\.bin|without --resume/);
    fs.rmSync(file);
    fs.rmSync(path.join(dir, 'supernet-landmarks.prev.bin'));
    expect(() => loadCheckpointWithFallback(file)).toThrow(/is missing.*supernet-landmarks\.prev\.bin is missing.*--restart/);
    fs.rmSync(dir, { recursive: true });
  });

  it('the error of a corrupt checkpoint names its real previous file, not checkpoint.prev.bin', () => {
    expect(() => decodeCheckpoint(Uint8Array.of(1, 2, 3), '/runs/x/supernet-baseline.bin')).toThrow(/supernet-baseline\.prev\.bin.*--restart/);
    expect(() => decodeCheckpoint(Uint8Array.of(1, 2, 3), '/runs/x/supernet-baseline.prev.bin')).toThrow(/^(?!.*prev\.prev).*--restart/);
  });
});
