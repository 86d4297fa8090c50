import { InvalidArgumentError } from '@lmreg/common';
import { type Command, Option } from 'commander';
import type { z } from 'zod';

import { parseIntFlag, parseNumberFlag } from '../cli/arch-list.js';

/**
 * What a config field says about its command-line flag, in its zod `.meta({...})`. Every leaf
 * field of a command's schema gets a flag; without meta it is the kebab-case of its path
 * (`standalone.epochs` → `--standalone-epochs`).
 */
export interface FlagMeta {
  /** Flag name without dashes, when the path's kebab-case is not wanted (e.g. `pairs` for `ranking.pairs`). */
  readonly flag?: string;
  /** Help text. */
  readonly description?: string;
  /** Value placeholder in the help (default `<n>` for numbers, `<x>` for reals, `<value>` else). */
  readonly value?: string;
  /** Booleans that default to true are switched off with `--no-<negate>` (e.g. `baseline` for `compareBaseline`). */
  readonly negate?: string;
  /** Not settable from the command line (e.g. a field only a config file sets). */
  readonly noFlag?: boolean;
}

/** One flag derived from a schema field. */
export interface SchemaFlag {
  /** The config path, e.g. `['ranking', 'pairs']`. */
  readonly path: readonly string[];
  /** Commander's attribute name of the flag's value (camelCase of the flag). */
  readonly attribute: string;
  /** The commander options of the field (a boolean has `--x` and `--no-x`). */
  readonly options: readonly Option[];
  /** For `--no-x` flags: the value the config gets when the flag is given. */
  readonly negated: boolean;
}

type AnySchema = z.ZodType;

interface Def {
  readonly type: string;
  readonly innerType?: AnySchema;
  readonly shape?: Record<string, AnySchema>;
}

const defOf = (s: AnySchema): Def => (s as unknown as { def: Def }).def;
const metaOf = (s: AnySchema): FlagMeta | undefined => (s as unknown as { meta(): FlagMeta | undefined }).meta();

/** The schema without optional/default wrappers, and the first meta found on the way. */
function unwrap(schema: AnySchema): { inner: AnySchema; meta: FlagMeta } {
  let s = schema;
  let meta = metaOf(s);
  while (defOf(s).type === 'optional' || defOf(s).type === 'default' || defOf(s).type === 'nullable') {
    s = defOf(s).innerType as AnySchema;
    meta ??= metaOf(s);
  }
  return { inner: s, meta: meta ?? {} };
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string): string => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The flags of every leaf field of a zod object schema (nested objects included), typed from the
 * schema: integers and numbers are parsed, enums get their choices, booleans are switches.
 */
export function schemaFlags(schema: AnySchema, prefix: readonly string[] = []): SchemaFlag[] {
  const { inner } = unwrap(schema);
  const shape = defOf(inner).shape;
  if (defOf(inner).type !== 'object' || shape === undefined) throw new InvalidArgumentError('schemaFlags needs a zod object schema.');
  const out: SchemaFlag[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const path = [...prefix, key];
    const { inner: leaf, meta } = unwrap(field);
    const type = defOf(leaf).type;
    if (type === 'object') {
      out.push(...schemaFlags(leaf, path));
      continue;
    }
    if (meta.noFlag === true) continue;
    const name = meta.flag ?? path.map(kebab).join('-');
    const description = meta.description ?? '';
    if (type === 'boolean') {
      if (meta.negate !== undefined) {
        out.push({ path, attribute: camel(meta.negate), options: [new Option(`--no-${meta.negate}`, description)], negated: true });
      } else {
        const options = [new Option(`--${name}`, description || `set ${path.join('.')} to true`), new Option(`--no-${name}`, `set ${path.join('.')} to false`)];
        out.push({ path, attribute: camel(name), options, negated: false });
      }
      continue;
    }
    let option: Option;
    if (type === 'number') {
      const integer = (leaf as unknown as { format?: string | null }).format === 'safeint';
      option = new Option(`--${name} ${meta.value ?? (integer ? '<n>' : '<x>')}`, description).argParser(integer ? parseIntFlag : parseNumberFlag);
    } else if (type === 'enum') {
      option = new Option(`--${name} ${meta.value ?? '<name>'}`, description).choices((leaf as unknown as { options: string[] }).options);
    } else {
      option = new Option(`--${name} ${meta.value ?? '<value>'}`, description);
    }
    out.push({ path, attribute: camel(name), options: [option], negated: false });
  }
  return out;
}

/** Adds the schema's flags to a commander command. Returns them for {@link flagValues}. */
export function addSchemaFlags(command: Command, schema: AnySchema): SchemaFlag[] {
  const flags = schemaFlags(schema);
  for (const f of flags) for (const o of f.options) command.addOption(o);
  return flags;
}

/**
 * The config layer the given flags make: a nested object with a value at each flag's path, for the
 * flags that were given (commander's parsed options `opts`). Booleans without a default in
 * commander are absent unless given; `--no-x` flags set false only when given.
 */
export function flagValues(flags: readonly SchemaFlag[], opts: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of flags) {
    const value = opts[f.attribute];
    if (value === undefined || (f.negated && value !== false)) continue;
    let node = out;
    for (const key of f.path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[f.path[f.path.length - 1] as string] = value;
  }
  return out;
}
