import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';

import { BUILTIN_SAMPLERS } from './builtins.js';
import type { Sampler, SamplerDefinition } from './types.js';

const definitions = new Map<string, SamplerDefinition>();
let builtinsLoaded = false;

function ensureBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  for (const definition of BUILTIN_SAMPLERS) registerSampler(definition);
}

/**
 * Registers a sampler under `definition.name`. Registering a name twice throws
 * `InvalidArgumentError` unless `replace` is set. Registered samplers run the shared contract suite.
 */
export function registerSampler(definition: SamplerDefinition, options: { replace?: boolean } = {}): void {
  ensureBuiltins();
  if (
    definition === null ||
    typeof definition !== 'object' ||
    typeof definition.name !== 'string' ||
    definition.name === '' ||
    typeof definition.create !== 'function'
  ) {
    throw new InvalidArgumentError('registerSampler needs { name, description, spaces, create(options) }.');
  }
  if (!options.replace && definitions.has(definition.name)) {
    throw new InvalidArgumentError(`a sampler named '${definition.name}' is already registered; pick another name or pass { replace: true }.`);
  }
  definitions.set(definition.name, definition);
}

/**
 * A new, uninitialised sampler of the registered kind `name`, e.g.
 * `getSampler<Nb201Arch>('spos', { population: 10, tournament: 3 })`. Throws `NotRegisteredError`
 * listing the known names, or `InvalidArgumentError` on bad options.
 */
export function getSampler<A = unknown>(name: string, options?: Readonly<Record<string, unknown>>): Sampler<A> {
  return getSamplerDefinition(name).create(options) as Sampler<A>;
}

/** The registry entry of `name` (description, supported spaces, factory). Throws `NotRegisteredError`. */
export function getSamplerDefinition(name: string): SamplerDefinition {
  ensureBuiltins();
  const found = definitions.get(name);
  if (found === undefined) throw new NotRegisteredError('sampler', name, listSamplers());
  return found;
}

/** Names of all registered samplers, in registration order. */
export function listSamplers(): string[] {
  ensureBuiltins();
  return [...definitions.keys()];
}
