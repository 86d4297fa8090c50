import fs from 'node:fs';

import { createRng, InvalidArgumentError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';
import { InvalidArgumentError as CommanderArgumentError } from 'commander';

/** Commander parser of an integer flag value. */
export function parseIntFlag(value: string): number {
  const n = Number(value);
  // Number('') and Number(' ') are 0: an empty value is refused, not read as 0.
  if (value.trim() === '' || !Number.isSafeInteger(n)) throw new CommanderArgumentError(`expected an integer, got '${value}'.`);
  return n;
}

/** Commander parser of a finite number flag value. */
export function parseNumberFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CommanderArgumentError(`expected a number, got '${value}'.`);
  return n;
}

/** Commander collector of a repeatable string flag (`--arch a --arch b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Where the architectures of a command come from (any combination; at least one). */
export interface ArchSources {
  /** Architecture strings in the space's format (`--arch`, repeatable). */
  readonly arch?: readonly string[] | undefined;
  /** A file with one architecture per line; blank lines and lines starting with `#` are skipped (`--archs`). */
  readonly archs?: string | undefined;
  /** Number of architectures to sample uniformly (`--sample`), with `seed`. */
  readonly sample?: number | undefined;
  readonly seed?: number | undefined;
}

/**
 * The architectures named by `--arch`, `--archs FILE` and `--sample N --seed S`, in that order,
 * parsed by the space and without duplicates (by `space.key`).
 *
 * @throws InvalidArgumentError when no source is given, the file cannot be read, or `--sample` is not positive.
 * @throws InvalidArchitectureError (from the space) for a string that does not parse, naming the line.
 */
export function resolveArchitectures<A>(space: SearchSpace<A>, sources: ArchSources, command: string): A[] {
  const out: A[] = [];
  const seen = new Set<string>();
  const add = (arch: A): void => {
    const key = space.key(arch);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(arch);
  };
  for (const text of sources.arch ?? []) add(space.parse(text.trim()));
  if (sources.archs !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(sources.archs, 'utf8');
    } catch (cause) {
      throw new InvalidArgumentError(`lmreg ${command}: cannot read --archs file ${sources.archs}: ${(cause as Error).message}`, { cause });
    }
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      try {
        add(space.parse(line));
      } catch (cause) {
        throw new InvalidArgumentError(
          `lmreg ${command}: line ${i + 1} of ${sources.archs} is not a ${space.name} architecture (${(cause as Error).message}). Write one architecture per line in the space's string format.`,
          { cause },
        );
      }
    });
  }
  if (sources.sample !== undefined) {
    if (!(sources.sample > 0)) throw new InvalidArgumentError(`lmreg ${command}: --sample must be a positive integer, got ${sources.sample}.`);
    const rng = createRng(sources.seed ?? 0);
    const target = out.length + sources.sample;
    const limit = space.size < BigInt(target) ? Number(space.size) : target;
    for (let tries = 0; out.length < limit && tries < 1000 * target; tries++) add(space.sample(rng));
  }
  if (out.length === 0) {
    throw new InvalidArgumentError(
      `lmreg ${command}: no architectures given. Pass --arch STRING (repeatable), --archs FILE (one per line) or --sample N [--seed S].`,
    );
  }
  return out;
}
