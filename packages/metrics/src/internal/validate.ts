import { InvalidArgumentError } from '@lmreg/common';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${Object.prototype.toString.call(value)})` : typeof value;
}

/**
 * Copies `value` into a Float64Array after checking that it is an array (or numeric typed array)
 * of numbers with no NaN. Infinite values are refused unless `allowInfinite`.
 */
export function toNumbers(fn: string, name: string, value: unknown, allowInfinite: boolean): Float64Array {
  const isTyped = ArrayBuffer.isView(value) && !(value instanceof DataView);
  if (!Array.isArray(value) && !isTyped) {
    throw new InvalidArgumentError(`${fn}: '${name}' must be an array of numbers (or a Float64Array), got ${describe(value)}.`);
  }
  const items = value as ArrayLike<unknown>;
  const out = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (typeof v !== 'number') {
      throw new InvalidArgumentError(
        `${fn}: '${name}'[${i}] is ${v === undefined ? 'missing (a hole or undefined)' : `a ${typeof v}`}, not a number; pass plain numbers only.`,
      );
    }
    if (Number.isNaN(v)) {
      throw new InvalidArgumentError(`${fn}: '${name}'[${i}] is NaN; drop or impute missing values before computing the metric.`);
    }
    if (!allowInfinite && !Number.isFinite(v)) {
      throw new InvalidArgumentError(`${fn}: '${name}'[${i}] is ${v}; this metric needs finite values.`);
    }
    out[i] = v;
  }
  return out;
}

/** Validates a pair of equally long numeric arrays with at least `minItems` items each. */
export function toPair(
  fn: string,
  names: readonly [string, string],
  a: unknown,
  b: unknown,
  options: { minItems: number; allowInfinite: boolean },
): [Float64Array, Float64Array] {
  const x = toNumbers(fn, names[0], a, options.allowInfinite);
  const y = toNumbers(fn, names[1], b, options.allowInfinite);
  if (x.length !== y.length) {
    throw new InvalidArgumentError(
      `${fn}: '${names[0]}' has ${x.length} items but '${names[1]}' has ${y.length}; pass one value per architecture in both, in the same order.`,
    );
  }
  if (x.length < options.minItems) {
    throw new InvalidArgumentError(`${fn}: needs at least ${options.minItems} item${options.minItems === 1 ? '' : 's'} in each array, got ${x.length}.`);
  }
  return [x, y];
}

/** True when every value equals the first (so any correlation with it is undefined). */
export function isConstant(x: Float64Array): boolean {
  const first = x[0];
  for (let i = 1; i < x.length; i++) if (x[i] !== first) return false;
  return true;
}
