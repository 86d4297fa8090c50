import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRng, FileFormatError, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { type AnySearchSpace, getSpace, listSpaces } from '@lmreg/spaces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerToySpaces, type ToyArch, toyGrid, toySymmetric } from '../internal/toy-spaces.js';
import { loadLandmarkSet, saveLandmarkSet } from './landmark-file.js';
import { type DuplicatePolicy, type Landmark, LandmarkSet, type LandmarkSetJson } from './landmark-set.js';

registerToySpaces();

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lmreg-landmarks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Model-based test: a LandmarkSet against a plain array of landmarks.

const space = toySymmetric; // key ignores order: distinct vectors can share a key
type Model = Landmark<ToyArch>[];
interface Real {
  set: LandmarkSet<ToyArch>;
}

/** The model's view: unique by key, metric descending, ties by key ascending. */
function expected(model: Model): Array<{ key: string; metric: number; text: string }> {
  return model
    .map((l) => ({ key: space.key(l.architecture), metric: l.metric, text: space.format(l.architecture) }))
    .sort((a, b) => b.metric - a.metric || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function check(model: Model, real: Real): void {
  const view = expected(model);
  expect(real.set.keys).toEqual(view.map((v) => v.key));
  expect(real.set.groundTruth).toEqual(view.map((v) => v.metric));
  expect(real.set.architectures.map((a) => space.format(a))).toEqual(view.map((v) => v.text));
  expect(real.set.size).toBe(model.length);
}

function addToModel(model: Model, landmark: Landmark<ToyArch>, policy: DuplicatePolicy): boolean {
  const i = model.findIndex((l) => space.key(l.architecture) === space.key(landmark.architecture));
  if (i < 0) {
    model.push(landmark);
    return true;
  }
  if (policy === 'keep') return false;
  model[i] = landmark;
  return true;
}

const landmarkArb: fc.Arbitrary<Landmark<ToyArch>> = fc
  .record({
    seed: fc.integer(),
    metric: fc.integer({ min: 0, max: 12 }).map((m) => 80 + m / 2), // many ties
    params: fc.option(fc.nat({ max: 2_000_000 }), { nil: undefined }),
    round: fc.option(fc.nat({ max: 3 }), { nil: undefined }),
  })
  .map(({ seed, metric, params, round }) => ({
    architecture: space.sample(createRng(seed)),
    metric,
    ...(params === undefined ? {} : { params }),
    ...(round === undefined ? {} : { round }),
  }));
const policyArb = fc.constantFrom<DuplicatePolicy>('keep', 'replace');

class AddCommand implements fc.Command<Model, Real> {
  constructor(
    readonly landmark: Landmark<ToyArch>,
    readonly policy: DuplicatePolicy,
  ) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    expect(real.set.add(this.landmark, { onDuplicate: this.policy })).toBe(addToModel(model, this.landmark, this.policy));
    check(model, real);
  }
  toString = (): string => `add(${space.format(this.landmark.architecture)}, ${this.landmark.metric}, ${this.policy})`;
}

class MergeCommand implements fc.Command<Model, Real> {
  constructor(
    readonly landmarks: Landmark<ToyArch>[],
    readonly policy: DuplicatePolicy,
    readonly asSet: boolean,
  ) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    let changed = 0;
    const incoming: Model = [];
    for (const l of this.landmarks) addToModel(incoming, l, 'keep'); // a set dedups its input first
    for (const l of this.asSet ? incoming : this.landmarks) if (addToModel(model, l, this.policy)) changed++;
    const other = this.asSet ? new LandmarkSet(space, this.landmarks) : this.landmarks;
    expect(real.set.merge(other, { onDuplicate: this.policy })).toBe(changed);
    check(model, real);
  }
  toString = (): string => `merge(${this.landmarks.length} landmarks, ${this.policy}, asSet=${String(this.asSet)})`;
}

class RemoveCommand implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly stranger: ToyArch,
  ) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    // remove an existing landmark (by an architecture with the same key) or a random one
    const target = model.length > 0 && this.pick % 3 !== 0 ? model[this.pick % model.length]!.architecture : this.stranger;
    const reordered = [...target].reverse(); // same key in this space, different vector
    const i = model.findIndex((l) => space.key(l.architecture) === space.key(target));
    if (i >= 0) model.splice(i, 1);
    expect(real.set.remove(reordered)).toBe(i >= 0);
    expect(real.set.has(target)).toBe(false);
    check(model, real);
  }
  toString = (): string => `remove(${this.pick}, ${space.format(this.stranger)})`;
}

class RoundTripCommand implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const json = JSON.parse(JSON.stringify(real.set)) as LandmarkSetJson;
    const loaded = LandmarkSet.fromJSON(space, json);
    expect(loaded.landmarks).toEqual(real.set.landmarks);
    real.set = loaded;
    check(model, real);
  }
  toString = (): string => 'roundTrip()';
}

describe('LandmarkSet (model-based)', () => {
  const commands = [
    fc.tuple(landmarkArb, policyArb).map(([l, p]) => new AddCommand(l, p)),
    fc.tuple(fc.array(landmarkArb, { maxLength: 6 }), policyArb, fc.boolean()).map(([ls, p, s]) => new MergeCommand(ls, p, s)),
    fc.tuple(fc.nat(), fc.integer()).map(([i, seed]) => new RemoveCommand(i, space.sample(createRng(seed)))),
    fc.constant(new RoundTripCommand()),
  ];

  test.prop([fc.commands(commands, { maxCommands: 40 })], { numRuns: 80 })('behaves like a sorted array unique by key', (cmds) => {
    fc.modelRun(() => ({ model: [], real: { set: new LandmarkSet(space) } }), cmds);
  });
});

// ---------------------------------------------------------------------------------------------

describe('LandmarkSet', () => {
  const a = toyGrid.decode([0, 1, 2, 3, 0, 1]);
  const b = toyGrid.decode([3, 3, 3, 3, 3, 3]);
  const c = toyGrid.decode([1, 1, 1, 1, 1, 1]);

  it('keeps landmarks sorted best first with aligned ground truth', () => {
    const set = new LandmarkSet(toyGrid, [
      { architecture: a, metric: 90 },
      { architecture: b, metric: 93.5, params: 1200, seed: 7, round: 0, source: 'diverse' },
      { architecture: c, metric: 88 },
    ]);
    expect(set.groundTruth).toEqual([93.5, 90, 88]);
    expect(set.architectures).toEqual([b, a, c]);
    expect(set.get(b)).toEqual({ architecture: b, metric: 93.5, params: 1200, seed: 7, round: 0, source: 'diverse' });
    expect([...set].map((l) => l.metric)).toEqual([93.5, 90, 88]);
  });

  it('keeps the first metric of a duplicate unless told to replace it', () => {
    const set = new LandmarkSet(toyGrid, [{ architecture: a, metric: 90 }]);
    expect(set.add({ architecture: a, metric: 10 })).toBe(false);
    expect(set.get(a)?.metric).toBe(90);
    expect(set.add({ architecture: a, metric: 10 }, { onDuplicate: 'replace' })).toBe(true);
    expect(set.groundTruth).toEqual([10]);
  });

  it('rejects bad landmarks with typed errors', () => {
    const set = new LandmarkSet(toyGrid);
    expect(() => set.add({ architecture: a, metric: Number.NaN })).toThrow(/metric must be a finite number/);
    expect(() => set.add({ architecture: a, metric: 1, round: -1 })).toThrow(/round must be a non-negative integer/);
    expect(() => set.add({ architecture: a, metric: 1, seed: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => set.add({ architecture: a, metric: 1 }, { onDuplicate: 'merge' as DuplicatePolicy })).toThrow(/onDuplicate/);
    expect(() => set.add(null as unknown as Landmark<ToyArch>)).toThrow(InvalidArgumentError);
    const other = new LandmarkSet(toySymmetric, [{ architecture: toySymmetric.decode([0, 0, 0, 0, 0, 0]), metric: 1 }]);
    expect(() => set.merge(other as unknown as LandmarkSet<ToyArch>)).toThrow(/space 'core-toy-symmetric'/);
    expect(set.size).toBe(0);
  });
});

describe('landmark set files', () => {
  const good = (): LandmarkSet<ToyArch> =>
    new LandmarkSet(toyGrid, [
      { architecture: toyGrid.decode([0, 1, 2, 3, 0, 1]), metric: 91.25, params: 5, source: 'uniform' },
      { architecture: toyGrid.decode([3, 2, 1, 0, 3, 2]), metric: 87 },
    ]);

  it('round-trips through a file and leaves no temporary file behind', async () => {
    const path = join(dir, 'round-trip.json');
    await saveLandmarkSet(path, good());
    await saveLandmarkSet(path, good()); // overwrite in place
    const loaded = await loadLandmarkSet(path, toyGrid);
    expect(loaded.landmarks).toEqual(good().landmarks);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ format: 'lmreg-landmark-set', version: 1, space: 'core-toy-grid' });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('creates a missing folder (the shared atomic writer of @lmreg/common), and reports an impossible one with the Node.js error', async () => {
    const file = join(dir, 'no-such-dir', 'x.json');
    await saveLandmarkSet(file, good());
    expect((await loadLandmarkSet(file, toyGrid)).size).toBe(good().size);
    await writeFile(join(dir, 'a-file'), 'x');
    await expect(saveLandmarkSet(join(dir, 'a-file', 'x.json'), good())).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  const corrupt: Array<[string, string, RegExp]> = [
    ['missing', '', /does not exist/],
    ['truncated', '{"format": "lmreg-landmark-set", "vers', /not valid JSON.*truncated/],
    ['array', '[]', /expected a JSON object, got an array/],
    ['foreign', '{"hello": 1}', /not an lmreg landmark set/],
    ['version', '{"format":"lmreg-landmark-set","version":2,"space":"core-toy-grid","landmarks":[]}', /unsupported version 2/],
    ['space', '{"format":"lmreg-landmark-set","version":1,"space":"nb201","landmarks":[]}', /space "nb201", but space 'core-toy-grid'/],
    [
      'architecture',
      '{"format":"lmreg-landmark-set","version":1,"space":"core-toy-grid","landmarks":[{"architecture":"0-1-9-0-0-0","metric":90}]}',
      /landmarks\[0\]\.architecture "0-1-9-0-0-0" is not a valid core-toy-grid architecture/,
    ],
    [
      'metric',
      '{"format":"lmreg-landmark-set","version":1,"space":"core-toy-grid","landmarks":[{"architecture":"0-0-0-0-0-0","metric":null}]}',
      /landmarks\[0\]\.metric must be a finite number, got null/,
    ],
    [
      'duplicate',
      '{"format":"lmreg-landmark-set","version":1,"space":"core-toy-grid","landmarks":[{"architecture":"0-0-0-0-0-0","metric":1},{"architecture":"0-0-0-0-0-0","metric":2}]}',
      /landmarks\[1\].*same core-toy-grid key/,
    ],
    [
      'field',
      '{"format":"lmreg-landmark-set","version":1,"space":"core-toy-grid","landmarks":[{"architecture":"0-0-0-0-0-0","metric":1,"acc":2}]}',
      /unknown field 'acc'/,
    ],
  ];

  it.each(corrupt)('rejects a %s file with FileFormatError naming the file and the problem', async (name, text, message) => {
    const path = join(dir, `${name}.json`);
    if (name !== 'missing') await writeFile(path, text);
    const error = await loadLandmarkSet(path, toyGrid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(message);
  });

  test.prop([fc.string({ maxLength: 80 })], { numRuns: 100 })('fromJSON never fails with anything but FileFormatError', (junk) => {
    for (const json of [
      junk,
      (() => {
        try {
          return JSON.parse(junk) as unknown;
        } catch {
          return junk;
        }
      })(),
      { ...good().toJSON(), landmarks: [junk] },
    ]) {
      try {
        LandmarkSet.fromJSON(toyGrid, json);
      } catch (error) {
        expect(error).toBeInstanceOf(FileFormatError);
      }
    }
  });
});

describe.each(listSpaces())('landmark sets on space %s', (name) => {
  const s: AnySearchSpace = getSpace(name);

  test.prop([fc.array(fc.tuple(fc.integer(), fc.double({ min: 0, max: 100, noNaN: true })), { maxLength: 12 })], { numRuns: 10 })(
    'round-trip through JSON text',
    (items) => {
      const set = new LandmarkSet(
        s,
        items.map(([seed, metric]) => ({ architecture: s.sample(createRng(seed)), metric })),
      );
      const loaded = LandmarkSet.fromJSON(s, JSON.parse(JSON.stringify(set)));
      expect(loaded.keys).toEqual(set.keys);
      expect(loaded.groundTruth).toEqual(set.groundTruth);
      expect(loaded.architectures).toEqual(set.architectures);
    },
  );
});
