import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { RunDir } from './run-dir.js';

describe('RunDir', () => {
  it('creates, refuses to clobber, resumes with the same config only', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-run-')), 'run');
    const run = RunDir.open(dir, { a: 1, backend: 'cpu' }, { resume: false });
    run.log({ event: 'epoch', epoch: 0 });
    fs.appendFileSync(run.file('log.jsonl'), '{"event":"ep'); // torn line from a kill
    expect(run.readLog().map((r) => r.event)).toEqual(['epoch']);
    expect(() => RunDir.open(dir, { a: 1 }, { resume: false })).toThrow(/--resume/);
    expect(() => RunDir.open(dir, { a: 2, backend: 'cpu' }, { resume: true })).toThrow(/differs/);
    expect(RunDir.open(dir, { a: 1, backend: 'wasm' }, { resume: true }).dir).toBe(dir);
    expect(() => RunDir.open(path.join(dir, 'nope'), {}, { resume: true })).toThrow(/holds no run/);
    run.writeJson('x.json', { v: 1 });
    expect(run.readJson('x.json')).toEqual({ v: 1 });
    expect(run.readJson('y.json')).toBeUndefined();
    fs.writeFileSync(run.file('bad.json'), '{');
    expect(() => run.readJson('bad.json')).toThrow(/bad\.json/);
  });
});
