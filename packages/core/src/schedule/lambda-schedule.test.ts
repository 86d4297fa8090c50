import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { createLambdaSchedule, getSchedule, type LambdaScheduleConfig, listSchedules, registerSchedule } from './lambda-schedule.js';

const BUILTINS = ['constant', 'cosine-increasing', 'cosine-decreasing', 'step-increasing', 'step-decreasing'];

/** Random valid configurations of the built-in schedules. */
const configs: fc.Arbitrary<LambdaScheduleConfig> = fc
  .record({
    schedule: fc.constantFrom(...BUILTINS),
    lambdaMax: fc.double({ min: 0, max: 100, noNaN: true }),
    totalEpochs: fc.integer({ min: 1, max: 400 }),
    warmupFraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
    stepsPerEpoch: fc.integer({ min: 1, max: 50 }),
    rampEpochs: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  })
  .map(({ warmupFraction, rampEpochs, ...rest }) => ({
    ...rest,
    warmupEpochs: Math.floor(warmupFraction * rest.totalEpochs),
    ...(rampEpochs === undefined ? {} : { rampEpochs }),
  }));

/** Every (epoch, step) of a schedule's run, in order, plus a few epochs past the end. */
function* timeline(c: LambdaScheduleConfig): Generator<[number, number]> {
  const spe = c.stepsPerEpoch ?? 1;
  const stride = Math.max(1, Math.floor((c.totalEpochs * spe) / 300)); // keep runs short
  for (let i = 0; i < (c.totalEpochs + 2) * spe; i += stride) yield [Math.floor(i / spe), i % spe];
}

describe('createLambdaSchedule', () => {
  it('registers the five schedules of Table 5', () => {
    expect(listSchedules()).toEqual(expect.arrayContaining(BUILTINS));
    expect(getSchedule('cosine-increasing').rampByDefault).toBe(false);
    expect(getSchedule('constant').rampByDefault).toBe(true);
  });

  it('uses the paper defaults: cosine-increasing, lambda_max = 10', () => {
    const s = createLambdaSchedule({ totalEpochs: 400, warmupEpochs: 150 });
    expect(s.config).toEqual({
      schedule: 'cosine-increasing',
      lambdaMax: 10,
      totalEpochs: 400,
      warmupEpochs: 150,
      stepsPerEpoch: 1,
      rampEpochs: 0,
    });
  });

  it('cosine-increasing: zero in warm-up, half way at mid-point, lambda_max at the last epoch', () => {
    const s = createLambdaSchedule({ schedule: 'cosine-increasing', lambdaMax: 10, totalEpochs: 401, warmupEpochs: 150 });
    expect(s.value(0)).toBe(0);
    expect(s.value(149)).toBe(0);
    expect(s.isActive(149)).toBe(false);
    expect(s.value(150)).toBe(0); // t = t_w exactly
    expect(s.isActive(151)).toBe(true);
    expect(s.value(275)).toBeCloseTo(5, 12); // (1 - cos(pi / 2)) / 2 = 1/2
    expect(s.value(400)).toBe(10);
    expect(s.value(500)).toBe(10); // held past the end
    expect(s.valueAt(150 + 250 / 3)).toBeCloseTo((10 * (1 - Math.cos(Math.PI / 3))) / 2, 12);
  });

  it('uses fractional time epoch + step / stepsPerEpoch', () => {
    const s = createLambdaSchedule({ lambdaMax: 1, totalEpochs: 11, warmupEpochs: 0, stepsPerEpoch: 4 });
    expect(s.value(5, 0)).toBeCloseTo(0.5, 12);
    expect(s.value(2, 2)).toBe(s.valueAt(2.5));
    expect(s.value(2, 2)).toBeCloseTo((1 - Math.cos(Math.PI * 0.25)) / 2, 12);
    expect(() => s.value(2, 4)).toThrow(/step must be an integer in \[0, 4\)/);
    expect(() => s.value(-1)).toThrow(/epoch must be/);
    expect(() => s.value(1.5)).toThrow(InvalidArgumentError);
  });

  it('cosine-decreasing: ramps over 10 epochs, then falls to zero at the last epoch', () => {
    const s = createLambdaSchedule({ schedule: 'cosine-decreasing', lambdaMax: 10, totalEpochs: 101, warmupEpochs: 0 });
    expect(s.value(0)).toBe(0);
    expect(s.value(5)).toBeCloseTo((10 * 0.5 * (1 + Math.cos(Math.PI * 0.05))) / 2, 12);
    expect(s.value(50)).toBeCloseTo(5, 12);
    expect(s.value(100)).toBeCloseTo(0, 12);
  });

  it('constant: ramps linearly over 10 epochs after warm-up, then holds lambda_max', () => {
    const s = createLambdaSchedule({ schedule: 'constant', lambdaMax: 4, totalEpochs: 60, warmupEpochs: 20, stepsPerEpoch: 2 });
    expect(s.value(19, 1)).toBe(0);
    expect(s.value(20)).toBe(0);
    expect(s.value(25)).toBeCloseTo(2, 12);
    expect(s.value(25, 1)).toBeCloseTo(2.2, 12);
    expect(s.value(30)).toBe(4);
    expect(s.value(59, 1)).toBe(4);
    const noRamp = createLambdaSchedule({ schedule: 'constant', lambdaMax: 4, totalEpochs: 60, rampEpochs: 0 });
    expect(noRamp.value(0)).toBe(4);
  });

  it('step schedules change by quarters of the regularized epochs', () => {
    const inc = createLambdaSchedule({ schedule: 'step-increasing', lambdaMax: 10, totalEpochs: 41 });
    expect([0, 9, 10, 19, 20, 29, 30, 40].map((e) => inc.value(e))).toEqual([0, 0, 0.1, 0.1, 1, 1, 10, 10]);
    expect(inc.isActive(9)).toBe(false);
    const dec = createLambdaSchedule({ schedule: 'step-decreasing', lambdaMax: 10, totalEpochs: 41, rampEpochs: 0 });
    expect([0, 9, 10, 20, 30, 40].map((e) => dec.value(e))).toEqual([10, 10, 1, 0.1, 0.01, 0.01]);
    const ramped = createLambdaSchedule({ schedule: 'step-decreasing', lambdaMax: 10, totalEpochs: 41 });
    expect(ramped.value(5)).toBeCloseTo(5, 12);
  });

  test.prop([configs])('is zero and inactive before warm-up and never leaves [0, lambda_max]', (c) => {
    const s = createLambdaSchedule(c);
    for (const [e, k] of timeline(c)) {
      const v = s.value(e, k);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(s.config.lambdaMax);
      expect(s.isActive(e, k)).toBe(v > 0);
      if (e < s.config.warmupEpochs) expect(v).toBe(0);
    }
  });

  test.prop([configs])('increasing schedules never decrease; decreasing ones never increase after the ramp', (c) => {
    const s = createLambdaSchedule(c);
    const { schedule, warmupEpochs, rampEpochs } = s.config;
    const increasing = schedule === 'constant' || schedule.endsWith('-increasing');
    let previous: number | undefined;
    for (const [e, k] of timeline(c)) {
      const v = s.value(e, k);
      const afterRamp = e + k / s.config.stepsPerEpoch >= warmupEpochs + rampEpochs;
      if (previous !== undefined) {
        if (increasing) expect(v).toBeGreaterThanOrEqual(previous - 1e-9);
        else expect(v).toBeLessThanOrEqual(previous + 1e-9);
      }
      previous = increasing || afterRamp ? v : undefined;
    }
  });

  test.prop([configs.filter((c) => c.schedule !== 'cosine-decreasing' && c.schedule !== 'step-decreasing')])(
    'increasing and constant schedules reach lambda_max at the last epoch (when the ramp fits)',
    (c) => {
      const s = createLambdaSchedule(c);
      const { totalEpochs, warmupEpochs, rampEpochs, lambdaMax } = s.config;
      fc.pre(warmupEpochs + rampEpochs <= totalEpochs - 1);
      expect(s.value(totalEpochs - 1)).toBeCloseTo(lambdaMax, 12);
      expect(s.value(totalEpochs - 1, s.config.stepsPerEpoch - 1)).toBeCloseTo(lambdaMax, 12);
    },
  );

  test.prop([configs, fc.integer({ min: 0, max: 500 }), fc.nat()])(
    'is a pure function of (epoch, step): a schedule rebuilt from its stored config gives the same values',
    (c, epoch, rawStep) => {
      const s = createLambdaSchedule(c);
      const step = rawStep % s.config.stepsPerEpoch;
      const resumed = createLambdaSchedule(JSON.parse(JSON.stringify(s.config)) as LambdaScheduleConfig);
      expect(resumed.value(epoch, step)).toBe(s.value(epoch, step));
      expect(s.value(epoch, step)).toBe(s.value(epoch, step));
    },
  );

  it('rejects bad configs with errors that name the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ totalEpochs: 0 }, /totalEpochs must be a positive integer/],
      [{ totalEpochs: 10.5 }, /totalEpochs/],
      [{}, /totalEpochs/],
      [{ totalEpochs: 10, warmupEpochs: 10 }, /warmupEpochs must be less than totalEpochs/],
      [{ totalEpochs: 10, lambdaMax: -1 }, /lambdaMax/],
      [{ totalEpochs: 10, lambdaMax: '10' }, /lambdaMax must be a finite number/],
      [{ totalEpochs: 10, stepsPerEpoch: 0 }, /stepsPerEpoch/],
      [{ totalEpochs: 10, rampEpochs: Number.NaN }, /rampEpochs/],
      [{ totalEpochs: 10, lamdaMax: 3 }, /unknown field 'lamdaMax'/],
      [null, /config must be an object/],
    ];
    for (const [config, message] of bad) {
      expect(() => createLambdaSchedule(config as LambdaScheduleConfig)).toThrow(InvalidArgumentError);
      expect(() => createLambdaSchedule(config as LambdaScheduleConfig)).toThrow(message);
    }
    expect(() => createLambdaSchedule({ schedule: 'cosine', totalEpochs: 10 })).toThrow(NotRegisteredError);
    expect(() => createLambdaSchedule({ schedule: 'cosine', totalEpochs: 10 })).toThrow(/cosine-increasing/);
  });

  it('accepts user schedules from the registry and checks their factors', () => {
    registerSchedule({ name: 'test-linear', description: 'p', rampByDefault: false, factor: (p) => p });
    expect(() => registerSchedule(getSchedule('test-linear'))).toThrow(/already registered/);
    expect(createLambdaSchedule({ schedule: 'test-linear', lambdaMax: 2, totalEpochs: 5 }).value(2)).toBe(1);
    registerSchedule({ name: 'test-broken', description: '', rampByDefault: false, factor: () => 2 });
    expect(() => createLambdaSchedule({ schedule: 'test-broken', totalEpochs: 5 }).value(1)).toThrow(/\[0, 1\]/);
  });
});
