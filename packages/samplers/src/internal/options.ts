import { InvalidArgumentError } from '@lmreg/common';

/** Spec of one numeric option: default and allowed range. */
export interface NumberOptionSpec {
  readonly default: number;
  readonly integer: boolean;
  readonly min: number;
  readonly max?: number;
  /** Strictly greater than `min` (for real-valued options such as a ridge penalty). */
  readonly exclusiveMin?: boolean;
}

/**
 * Resolves sampler options against their specs: fills defaults, and throws
 * `InvalidArgumentError` naming the option on an unknown key or a bad value.
 */
export function resolveNumberOptions(sampler: string, specs: Readonly<Record<string, NumberOptionSpec>>, raw: unknown): Record<string, number> {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new InvalidArgumentError(`options of sampler '${sampler}' must be an object like { budget: 100 }, got ${String(raw)}.`);
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const known = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (!known.includes(key) && given[key] !== undefined) {
      throw new InvalidArgumentError(`unknown option '${key}' for sampler '${sampler}'; its options are: ${known.join(', ')}.`);
    }
  }
  const out: Record<string, number> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = given[key] ?? spec.default;
    const tooSmall = typeof value === 'number' && (spec.exclusiveMin === true ? value <= spec.min : value < spec.min);
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (spec.integer && !Number.isSafeInteger(value)) ||
      tooSmall ||
      (spec.max !== undefined && value > spec.max)
    ) {
      const range = `${spec.integer ? 'an integer' : 'a number'} ${spec.exclusiveMin === true ? '>' : '>='} ${spec.min}${spec.max === undefined ? '' : ` and <= ${spec.max}`}`;
      throw new InvalidArgumentError(`option '${key}' of sampler '${sampler}' must be ${range} (default ${spec.default}), got ${String(value)}.`);
    }
    out[key] = value;
  }
  return out;
}
