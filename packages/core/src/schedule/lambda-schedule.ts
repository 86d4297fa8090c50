import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';

/**
 * The shape of a lambda schedule: a factor in `[0, 1]` of training progress `p` in `[0, 1]`
 * (`p = 0` at the end of warm-up, `p = 1` at the last epoch). {@link createLambdaSchedule}
 * multiplies it by `lambdaMax` and by the optional linear ramp.
 */
export interface LambdaScheduleShape {
  /** Registry name, e.g. `cosine-increasing`. */
  readonly name: string;
  /** One-line description for help texts. */
  readonly description: string;
  /**
   * Whether the schedule gets the linear ramp from 0 over the first `rampEpochs` (default 10)
   * epochs after warm-up by default. True for constant and decreasing schedules (Table 5).
   */
  readonly rampByDefault: boolean;
  /** Factor in `[0, 1]` at progress `p` in `[0, 1]`. Must be a pure function. */
  factor(progress: number): number;
}

const STEP_INCREASING = [0, 1e-2, 1e-1, 1] as const;
const STEP_DECREASING = [1, 1e-1, 1e-2, 1e-3] as const;

/** Quarter of progress `p` in `[0, 1]`: 0..3, with `p = 1` in the last quarter. */
function quarter(p: number): number {
  return Math.min(3, Math.floor(p * 4));
}

const BUILTIN_SHAPES: readonly LambdaScheduleShape[] = [
  {
    name: 'constant',
    description: 'lambda_max throughout (after warm-up and ramp)',
    rampByDefault: true,
    factor: () => 1,
  },
  {
    name: 'cosine-increasing',
    description: '(1 - cos(pi p)) / 2: 0 after warm-up, lambda_max at the last epoch (the paper default)',
    rampByDefault: false,
    factor: (p) => (1 - Math.cos(Math.PI * p)) / 2,
  },
  {
    name: 'cosine-decreasing',
    description: '(1 + cos(pi p)) / 2: lambda_max after warm-up, 0 at the last epoch (Eq. 7 as printed)',
    rampByDefault: true,
    factor: (p) => (1 + Math.cos(Math.PI * p)) / 2,
  },
  {
    name: 'step-increasing',
    description: '0, 1e-2, 1e-1, 1 times lambda_max over the four quarters after warm-up',
    rampByDefault: false,
    factor: (p) => STEP_INCREASING[quarter(p)] as number,
  },
  {
    name: 'step-decreasing',
    description: '1, 1e-1, 1e-2, 1e-3 times lambda_max over the four quarters after warm-up',
    rampByDefault: true,
    factor: (p) => STEP_DECREASING[quarter(p)] as number,
  },
];

const shapes = new Map<string, LambdaScheduleShape>(BUILTIN_SHAPES.map((s) => [s.name, s]));

/**
 * Registers a user-defined schedule shape under `shape.name`. Registering a taken name throws
 * unless `replace` is set.
 */
export function registerSchedule(shape: LambdaScheduleShape, options: { replace?: boolean } = {}): void {
  if (typeof shape !== 'object' || shape === null || typeof shape.name !== 'string' || shape.name === '') {
    throw new InvalidArgumentError('registerSchedule: shape needs a non-empty string name.');
  }
  if (typeof shape.factor !== 'function') {
    throw new InvalidArgumentError(`registerSchedule: shape '${shape.name}' needs a factor(progress) function.`);
  }
  if (shapes.has(shape.name) && options.replace !== true) {
    throw new InvalidArgumentError(`registerSchedule: a schedule named '${shape.name}' is already registered; pick another name or pass { replace: true }.`);
  }
  shapes.set(shape.name, shape);
}

/** Looks a schedule shape up by name. Throws `NotRegisteredError` listing the known names. */
export function getSchedule(name: string): LambdaScheduleShape {
  const found = shapes.get(name);
  if (found === undefined) throw new NotRegisteredError('lambda schedule', String(name), listSchedules());
  return found;
}

/** Names of all registered schedules, built-ins first. */
export function listSchedules(): string[] {
  return [...shapes.keys()];
}

/** Configuration of {@link createLambdaSchedule}. Epoch counts are in epochs, 0-based epochs. */
export interface LambdaScheduleConfig {
  /** Registered schedule name; default `'cosine-increasing'` (the paper's choice). */
  readonly schedule?: string;
  /** Largest regularization weight, finite and `>= 0`; default 10 (the paper's choice). */
  readonly lambdaMax?: number;
  /** Total number of training epochs (positive integer); epochs run `0 .. totalEpochs - 1`. */
  readonly totalEpochs: number;
  /** Super-net warm-up epochs `t_w` without the ranking term (integer, `0 <= t_w < totalEpochs`); default 0. */
  readonly warmupEpochs?: number;
  /** Optimizer steps per epoch (positive integer); default 1. Sets the granularity of `t`. */
  readonly stepsPerEpoch?: number;
  /**
   * Length in epochs (`>= 0`) of the linear ramp from 0 after warm-up; default 10 for schedules
   * with `rampByDefault` (constant, decreasing), else 0. Set 0 to disable.
   */
  readonly rampEpochs?: number;
}

/** A {@link LambdaScheduleConfig} with every default filled in. */
export type ResolvedLambdaScheduleConfig = Required<LambdaScheduleConfig>;

/**
 * The regularization weight lambda as a pure function of training time: the same `(epoch, step)`
 * always gives the same value, so a resumed run continues exactly where it stopped.
 *
 * Time is `t = epoch + step / stepsPerEpoch`, fractional, in epochs. With `t_w = warmupEpochs` and
 * `t_end = totalEpochs - 1` (the start of the last epoch), progress is
 * `p = clamp((t - t_w) / (t_end - t_w), 0, 1)` (1 when `t_end = t_w`), and
 *
 * `lambda(t) = 0` for `t < t_w`, else `lambdaMax * shape.factor(p) * min(1, (t - t_w) / rampEpochs)`
 * (the last factor is 1 without a ramp).
 *
 * So cosine-increasing is exactly `lambdaMax` from the first step of the last epoch on, and epochs
 * past `totalEpochs` keep the last value.
 */
export interface LambdaSchedule {
  /** The configuration with defaults filled in (plain data: store it in a checkpoint). */
  readonly config: ResolvedLambdaScheduleConfig;
  /** Lambda at `step` (integer in `[0, stepsPerEpoch)`, default 0) of `epoch` (integer `>= 0`). */
  value(epoch: number, step?: number): number;
  /**
   * Whether the ranking term should run at all at `(epoch, step)`: true iff `value(epoch, step) > 0`.
   * False throughout warm-up, at its very first step (where ramp and cosine start from 0) and
   * wherever the schedule is 0 (e.g. the first quarter of step-increasing): skip the landmark passes.
   */
  isActive(epoch: number, step?: number): boolean;
  /** Lambda at fractional time `t` in epochs (`t >= 0`). */
  valueAt(t: number): number;
}

const CONFIG_KEYS = ['schedule', 'lambdaMax', 'totalEpochs', 'warmupEpochs', 'stepsPerEpoch', 'rampEpochs'] as const;

function fail(field: string, must: string, got: unknown): never {
  throw new InvalidArgumentError(`createLambdaSchedule: ${field} must be ${must}, got ${JSON.stringify(got) ?? String(got)}.`);
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Validates `config`, fills in defaults and returns the schedule. Throws `InvalidArgumentError`
 * naming the bad field (unknown fields included, to catch typos) and `NotRegisteredError` for an
 * unknown schedule name.
 */
export function createLambdaSchedule(config: LambdaScheduleConfig): LambdaSchedule {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidArgumentError('createLambdaSchedule: config must be an object such as { totalEpochs: 400 }.');
  }
  for (const key of Object.keys(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`createLambdaSchedule: unknown field '${key}'. Known fields: ${CONFIG_KEYS.join(', ')}.`);
    }
  }
  const name = config.schedule ?? 'cosine-increasing';
  if (typeof name !== 'string') fail('schedule', `one of ${listSchedules().join(', ')}`, name);
  const shape = getSchedule(name);
  const lambdaMax = config.lambdaMax ?? 10;
  if (typeof lambdaMax !== 'number' || !Number.isFinite(lambdaMax) || lambdaMax < 0) {
    fail('lambdaMax', 'a finite number >= 0', lambdaMax);
  }
  const totalEpochs = config.totalEpochs;
  if (!isNonNegativeInteger(totalEpochs) || totalEpochs < 1) fail('totalEpochs', 'a positive integer', totalEpochs);
  const warmupEpochs = config.warmupEpochs ?? 0;
  if (!isNonNegativeInteger(warmupEpochs)) fail('warmupEpochs', 'a non-negative integer', warmupEpochs);
  if (warmupEpochs >= totalEpochs) {
    fail('warmupEpochs', `less than totalEpochs (${totalEpochs}) so that some epochs are regularized`, warmupEpochs);
  }
  const stepsPerEpoch = config.stepsPerEpoch ?? 1;
  if (!isNonNegativeInteger(stepsPerEpoch) || stepsPerEpoch < 1) fail('stepsPerEpoch', 'a positive integer', stepsPerEpoch);
  const rampEpochs = config.rampEpochs ?? (shape.rampByDefault ? 10 : 0);
  if (typeof rampEpochs !== 'number' || !Number.isFinite(rampEpochs) || rampEpochs < 0) {
    fail('rampEpochs', 'a finite number >= 0', rampEpochs);
  }
  const resolved: ResolvedLambdaScheduleConfig = Object.freeze({
    schedule: name,
    lambdaMax,
    totalEpochs,
    warmupEpochs,
    stepsPerEpoch,
    rampEpochs,
  });
  const end = totalEpochs - 1;
  const span = end - warmupEpochs;

  const valueAt = (t: number): number => {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      throw new InvalidArgumentError(`LambdaSchedule.valueAt: t must be a finite number of epochs >= 0, got ${String(t)}.`);
    }
    if (t < warmupEpochs) return 0;
    const since = t - warmupEpochs;
    const progress = span > 0 ? Math.min(1, since / span) : 1;
    const ramp = rampEpochs > 0 ? Math.min(1, since / rampEpochs) : 1;
    const f = shape.factor(progress);
    if (typeof f !== 'number' || !(f >= 0 && f <= 1)) {
      throw new InvalidArgumentError(`lambda schedule '${name}': factor(${progress}) returned ${String(f)}; a schedule shape must return a number in [0, 1].`);
    }
    return lambdaMax * f * ramp;
  };
  const timeOf = (epoch: number, step: number): number => {
    if (!isNonNegativeInteger(epoch)) {
      throw new InvalidArgumentError(`LambdaSchedule: epoch must be a non-negative integer, got ${String(epoch)}.`);
    }
    if (!isNonNegativeInteger(step) || step >= stepsPerEpoch) {
      throw new InvalidArgumentError(
        `LambdaSchedule: step must be an integer in [0, ${stepsPerEpoch}) (stepsPerEpoch = ${stepsPerEpoch}), got ${String(step)}.`,
      );
    }
    return epoch + step / stepsPerEpoch;
  };
  return Object.freeze({
    config: resolved,
    value: (epoch: number, step = 0) => valueAt(timeOf(epoch, step)),
    isActive: (epoch: number, step = 0) => valueAt(timeOf(epoch, step)) > 0,
    valueAt,
  });
}
