import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';

import { BUILTIN_NETWORK_BUILDERS } from './builtins.js';
import type { AnyNetworkBuilder, BaseNetworkOptions, NetworkBuilder } from './network.js';

const builders = new Map<string, AnyNetworkBuilder>();
let builtinsLoaded = false;

function ensureBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  for (const builder of BUILTIN_NETWORK_BUILDERS) builders.set(builder.space, builder);
}

/**
 * Registers the network builder of a search space (its super-net and stand-alone networks) under
 * `spaceName`, the name the space has in `@lmreg/spaces`' registry. Registering a name twice
 * throws unless `replace` is set. `nb201`, `nb101`, `darts` and the four `depth-*` spaces are registered by default.
 */
export function registerNetworkBuilder<A, O extends BaseNetworkOptions>(
  spaceName: string,
  builder: NetworkBuilder<A, O>,
  options: { readonly replace?: boolean } = {},
): void {
  ensureBuiltins();
  if (typeof spaceName !== 'string' || spaceName.length === 0) {
    throw new InvalidArgumentError('registerNetworkBuilder needs a non-empty space name.');
  }
  if (options.replace !== true && builders.has(spaceName)) {
    throw new InvalidArgumentError(`a network builder for space '${spaceName}' is already registered; pass { replace: true } to replace it.`);
  }
  builders.set(spaceName, builder);
}

/**
 * The network builder of a search space, e.g. `getNetworkBuilder('nb201')`. Throws
 * `NotRegisteredError` listing the registered names. The type parameters are the caller's claim
 * about the builder's architecture and option types (they are not checked at run time).
 */
export function getNetworkBuilder<A = unknown, O extends BaseNetworkOptions = BaseNetworkOptions>(spaceName: string): NetworkBuilder<A, O> {
  ensureBuiltins();
  const found = builders.get(spaceName);
  if (found === undefined) throw new NotRegisteredError('network builder', spaceName, listNetworkBuilders());
  return found as NetworkBuilder<A, O>;
}

/** Space names that have a network builder, in registration order. */
export function listNetworkBuilders(): string[] {
  ensureBuiltins();
  return [...builders.keys()];
}
