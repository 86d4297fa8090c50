import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';

import { BUILTIN_SPACES } from './builtins.js';
import type { AnySearchSpace, SearchSpace } from './search-space.js';

const spaces = new Map<string, AnySearchSpace>();
const aliases = new Map<string, string>();
let builtinsLoaded = false;

function ensureBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  for (const [factory, names] of BUILTIN_SPACES) registerSpace(factory(), { aliases: names });
}

/**
 * Registers a search space under `space.name` (and optional aliases). Registering a name twice
 * throws unless `replace` is set; user spaces register next to the built-in ones.
 */
export function registerSpace<A>(space: SearchSpace<A>, options: { aliases?: readonly string[]; replace?: boolean } = {}): void {
  ensureBuiltins();
  const names = [space.name, ...(options.aliases ?? [])];
  for (const n of names) {
    if (!options.replace && (spaces.has(n) || aliases.has(n))) {
      throw new InvalidArgumentError(`a search space named '${n}' is already registered; pick another name or pass { replace: true }.`);
    }
  }
  spaces.set(space.name, space);
  for (const a of options.aliases ?? []) aliases.set(a, space.name);
}

/** Looks a space up by name or alias. Throws `NotRegisteredError` listing the known names. */
export function getSpace<A = unknown>(name: string): SearchSpace<A> {
  ensureBuiltins();
  const found = spaces.get(name) ?? spaces.get(aliases.get(name) ?? '');
  if (found === undefined) throw new NotRegisteredError('search space', name, listSpaces());
  return found as SearchSpace<A>;
}

/** Names of all registered spaces (primary names, not aliases), in registration order. */
export function listSpaces(): string[] {
  ensureBuiltins();
  return [...spaces.keys()];
}
