import { InvalidArchitectureError } from '@lmreg/common';

const MAX = 40;

function clip(s: string): string {
  return s.length > MAX ? `${s.slice(0, MAX)}...` : s;
}

/**
 * A short description of any value for an error message, e.g. `"abc"`, `3`, `12n`, `Symbol(x)`,
 * `null`, `an array of length 4`, `an object without prototype`. Never throws, not even for
 * values without a string form (null-prototype objects, symbols, revoked proxies, objects whose
 * `toString` throws): it never calls the value's own methods.
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(clip(value));
      case 'number':
        return Object.is(value, -0) ? '-0' : clip(String(value));
      case 'bigint':
        return `${clip(value.toString())}n`;
      case 'boolean':
      case 'undefined':
        return String(value);
      case 'symbol':
        return value.description === undefined ? 'Symbol()' : `Symbol(${clip(value.description)})`;
      case 'function':
        return 'a function';
      default:
        if (value === null) return 'null';
        if (Array.isArray(value)) return `an array of length ${Number(value.length)}`;
        return Object.getPrototypeOf(value) === null ? 'an object without prototype' : 'an object';
    }
  } catch {
    return 'a value that cannot be inspected';
  }
}

/**
 * Reads an array argument of a public function into a plain array, so that later checks never
 * run user code: refuses non-arrays, the wrong length, holes (sparse arrays) and arrays whose
 * elements cannot be read (proxies with throwing traps), naming `what` in an
 * `InvalidArchitectureError` of `space`.
 *
 * @param expectedLength refuse other lengths (`undefined`: any length up to 1,000,000).
 */
export function readArrayInput(space: string, value: unknown, what: string, expectedLength?: number): unknown[] {
  const fail = (message: string, cause?: unknown): never => {
    throw new InvalidArchitectureError(space, message, cause === undefined ? undefined : { cause });
  };
  let isArray: boolean;
  try {
    isArray = Array.isArray(value);
  } catch (cause) {
    return fail(`${what} must be an array, got ${describeValue(value)}.`, cause);
  }
  if (!isArray) return fail(`${what} must be an array, got ${describeValue(value)}.`);
  const array = value as readonly unknown[];
  let length: number;
  try {
    length = array.length;
  } catch (cause) {
    return fail(`${what}: its length cannot be read.`, cause);
  }
  if (expectedLength !== undefined && length !== expectedLength) {
    return fail(`${what} must have exactly ${expectedLength} entries, got ${length}.`);
  }
  if (length > 1_000_000) return fail(`${what} has ${length} entries, far too many for an architecture.`);
  const out: unknown[] = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    try {
      if (!(i in array)) return fail(`${what} has a hole at index ${i} (a sparse array); every entry must be set.`);
      out[i] = array[i];
    } catch (cause) {
      if (cause instanceof InvalidArchitectureError) throw cause;
      return fail(`${what}: entry ${i} cannot be read.`, cause);
    }
  }
  return out;
}
