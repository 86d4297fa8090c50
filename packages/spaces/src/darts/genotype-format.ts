import { InvalidArchitectureError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';
import {
  DARTS_CONCAT,
  DARTS_NODES,
  DARTS_OPS,
  DARTS_SPACE_NAME,
  assertDartsGenotype,
  copyDartsGenotype,
  describePair,
  isDartsOp,
  type DartsGenotype,
  type DartsLikeGenotype,
} from './genotype.js';
import { describePy, parsePythonLiteral, type PyValue } from './python-literal.js';

type Cell = 'normal' | 'reduce';
type LoosePair = readonly [op: string, input: number];

/** A {@link DartsLikeGenotype} with both concat lists present, as {@link parseDartsLikeGenotype} returns. */
export interface ParsedDartsLikeGenotype extends DartsLikeGenotype {
  /** States concatenated into the normal cell's output. */
  readonly normalConcat: readonly number[];
  /** States concatenated into the reduction cell's output. */
  readonly reduceConcat: readonly number[];
}

const FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
/** Extra namedtuple fields of D-X-Y/AutoDL-Projects' Genotype; accepted when `None`. */
const IGNORED_FIELDS = ['connectN', 'connects'] as const;

function fail(message: string): never {
  throw new InvalidArchitectureError(DARTS_SPACE_NAME, message);
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Collects the four namedtuple fields from any accepted top-level shape. */
function collectFields(text: string): Map<string, PyValue> {
  const top = parsePythonLiteral(text, DARTS_SPACE_NAME);
  const fields = new Map<string, PyValue>();
  const put = (name: string, v: PyValue): void => {
    if ((IGNORED_FIELDS as readonly string[]).includes(name)) {
      if (v.kind !== 'name' || v.name !== 'None') fail(`field '${name}' (AutoDL-Projects) must be None; other values are not supported.`);
      return;
    }
    if (!(FIELDS as readonly string[]).includes(name)) {
      fail(`unknown genotype field '${name}'; the fields are ${FIELDS.join(', ')}.`);
    }
    if (fields.has(name)) fail(`field '${name}' is given twice.`);
    fields.set(name, v);
  };
  const positional = (items: readonly PyValue[], what: string): void => {
    const names = [...FIELDS, ...IGNORED_FIELDS];
    if (items.length > names.length) fail(`${what} has ${items.length} positional values; a Genotype has at most ${names.length}.`);
    items.forEach((v, i) => put(names[i] as string, v));
  };

  if (top.kind === 'kwargs') {
    for (const [k, v] of top.kwargs) put(k, v);
  } else {
    const v = top.value;
    if (v.kind === 'call') {
      const base = lastSegment(v.name);
      if (base !== 'Genotype' && base !== 'dict') {
        fail(
          `expected Genotype(...) but found ${v.name}(...); write the genotype as Genotype(normal=[...], normal_concat=[...], reduce=[...], reduce_concat=[...]).`,
        );
      }
      positional(v.args, `${v.name}(...)`);
      for (const [k, val] of v.kwargs) put(k, val);
    } else if (v.kind === 'dict') {
      for (const [k, val] of v.entries) {
        if (k.kind !== 'str') fail(`dict keys must be field names in quotes, got ${describePy(k)}.`);
        put(k.value, val);
      }
    } else if (v.kind === 'list' && v.items.length >= 4) {
      positional(v.items, `the ${v.tuple ? 'tuple' : 'list'}`);
    } else {
      fail(`expected a genotype such as Genotype(normal=[...], normal_concat=[...], reduce=[...], reduce_concat=[...]), got ${describePy(v)}.`);
    }
  }
  for (const need of ['normal', 'reduce']) {
    if (!fields.has(need)) fail(`the genotype has no '${need}' cell; give ${need}=[(op, input), ...].`);
  }
  return fields;
}

function isPairValue(v: PyValue): v is PyValue & { kind: 'list' } {
  return v.kind === 'list' && v.items.length === 2 && v.items[0]?.kind === 'str';
}

function readPairs(cell: Cell, v: PyValue): LoosePair[] {
  if (v.kind !== 'list') fail(`${cell} must be a list of (op, input) pairs, got ${describePy(v)}.`);
  const pairs: LoosePair[] = [];
  const readPair = (p: PyValue): void => {
    const where = describePair(cell, pairs.length);
    if (p.kind === 'list' && p.items.length === 3 && p.items[0]?.kind === 'str') {
      fail(
        `${where} is a 3-element tuple (${p.items.map(describePy).join(', ')}): FairDARTS' sparse (op, to_node, from_node) format, which this parser does not read; convert it to two (op, input) pairs per node.`,
      );
    }
    if (!isPairValue(p)) fail(`${where} must be an (op, input) pair such as ('sep_conv_3x3', 0), got ${describePy(p)}.`);
    const [op, input] = p.items as [PyValue & { kind: 'str' }, PyValue];
    if (!/^[A-Za-z0-9_]+$/.test(op.value)) fail(`${where} has op ${describePy(op)}, which is not an op name.`);
    if (input.kind !== 'int') fail(`${where} must read an integer input, got ${describePy(input)}.`);
    const bound = Math.floor(pairs.length / 2) + 2;
    if (input.value < 0 || input.value >= bound) {
      fail(
        `${where} reads input ${input.value}; node ${Math.floor(pairs.length / 2)} can only read states 0..${bound - 1} (inputs of a node must come before it).`,
      );
    }
    pairs.push([op.value, input.value]);
  };
  for (const item of v.items) {
    // AutoDL-Projects writes one ((op, input), (op, input)) tuple per node; DARTS a flat list.
    if (item.kind === 'list' && item.items.length === 2 && item.items.every((x) => x.kind === 'list')) {
      for (const p of item.items) readPair(p);
    } else {
      readPair(item);
    }
  }
  if (pairs.length === 0 || pairs.length % 2 !== 0) {
    fail(`${cell} has ${pairs.length} (op, input) pairs; a cell needs two per node (an even, non-zero count).`);
  }
  return pairs;
}

function intArg(v: PyValue | undefined, what: string): number {
  if (v?.kind !== 'int') fail(`${what} must be an integer, got ${v === undefined ? 'nothing' : describePy(v)}.`);
  return v.value;
}

function readConcat(field: string, v: PyValue | undefined, states: number): number[] {
  const nodes = Array.from({ length: states - 2 }, (_, i) => i + 2);
  if (v === undefined || (v.kind === 'name' && v.name === 'None')) return nodes;
  let out: number[];
  let call = v;
  if (call.kind === 'call' && lastSegment(call.name) === 'list' && call.args.length === 1 && call.kwargs.length === 0) {
    call = call.args[0] as PyValue;
  }
  if (call.kind === 'call' && call.name === 'range' && call.args.length >= 1 && call.args.length <= 3 && call.kwargs.length === 0) {
    const a = call.args.map((x, i) => intArg(x, `argument ${i + 1} of ${field}=range(...)`));
    const [start, stop, step] = a.length === 1 ? [0, a[0] as number, 1] : [a[0] as number, a[1] as number, a[2] ?? 1];
    if (step <= 0) fail(`${field}=range(...) needs a positive step.`);
    if (stop - start > 1000) fail(`${field}=range(${start}, ${stop}) is far longer than a cell.`);
    out = [];
    for (let s = start; s < stop; s += step) out.push(s);
  } else if (call.kind === 'list') {
    out = call.items.map((x, i) => intArg(x, `${field}[${i}]`));
  } else {
    fail(`${field} must be a list of node indices or range(a, b), got ${describePy(v)}.`);
  }
  if (out.length === 0) fail(`${field} is empty; a cell must output at least one state.`);
  for (const s of out) {
    if (s < 0 || s >= states) fail(`${field} lists state ${s}, but the cell only has states 0..${states - 1}.`);
  }
  if (new Set(out).size !== out.length) fail(`${field} lists a state twice: [${out.join(', ')}].`);
  return out;
}

/**
 * Reads a DARTS-family genotype string without restricting it to the DARTS search space: any op
 * name, any number of nodes (two `(op, input)` pairs each), any concat list. Use it for NASNet,
 * AmoebaNet or ENAS cells, e.g. to pass to {@link dartsParamCount}.
 *
 * Accepted spellings (as copied between `genotypes.py` files and training logs): an optional
 * assignment (`DARTS_V2 = `), `Genotype(...)` with any module prefix (`genotypes.Genotype(`) and
 * keyword or positional fields, the bare keyword list without `Genotype(`, a dict with quoted field
 * names, or a 4-element list `[normal, normal_concat, reduce, reduce_concat]`; single, double or
 * triple quotes; any whitespace, line breaks, `#` comments and trailing commas; concat as a list,
 * `range(2, 6)`, `list(range(2, 6))` or `None` (= every intermediate node, also the default when
 * absent); AutoDL-Projects' one-tuple-per-node form `((op, i), (op, j))` and its `connectN=None,
 * connects=None` fields. FairDARTS' sparse `(op, to_node, from_node)` triples are refused.
 *
 * Throws `InvalidArchitectureError` naming the offending character, field, pair or state.
 */
export function parseDartsLikeGenotype(text: string): ParsedDartsLikeGenotype {
  const fields = collectFields(text);
  const normal = readPairs('normal', fields.get('normal') as PyValue);
  const reduce = readPairs('reduce', fields.get('reduce') as PyValue);
  return {
    normal,
    normalConcat: readConcat('normal_concat', fields.get('normal_concat'), normal.length / 2 + 2),
    reduce,
    reduceConcat: readConcat('reduce_concat', fields.get('reduce_concat'), reduce.length / 2 + 2),
  };
}

/**
 * Checks that a DARTS-family genotype lies in the DARTS search space (8 ops, 4 nodes, concat
 * `[2, 3, 4, 5]`) and returns it as a {@link DartsGenotype}. Checks ops first (naming the first op
 * outside {@link DARTS_OPS} and where it is), then the node count, then the concat lists.
 */
export function toDartsGenotype(g: DartsLikeGenotype): DartsGenotype {
  if (typeof g !== 'object' || g === null || !Array.isArray(g.normal) || !Array.isArray(g.reduce)) {
    return assertDartsGenotype(g);
  }
  for (const cell of ['normal', 'reduce'] as const) {
    g[cell].forEach((pair, i) => {
      const op: unknown = Array.isArray(pair) ? pair[0] : undefined;
      if (typeof op === 'string' && !isDartsOp(op)) {
        fail(`${describePair(cell, i)} uses op '${op}', which is outside the DARTS search space; its ops are ${DARTS_OPS.join(', ')}.`);
      }
    });
  }
  for (const cell of ['normal', 'reduce'] as const) {
    const pairs = g[cell];
    if (pairs.length !== 2 * DARTS_NODES) {
      fail(
        `${cell} cell has ${pairs.length / 2} nodes (${pairs.length} pairs); the DARTS search space has exactly ${DARTS_NODES} nodes (8 pairs)${pairs.length > 8 ? `, so node ${DARTS_NODES} and later are outside it` : ''}.`,
      );
    }
  }
  for (const [cell, concat] of [
    ['normal', g.normalConcat],
    ['reduce', g.reduceConcat],
  ] as const) {
    if (concat !== undefined && (!Array.isArray(concat) || concat.length !== 4 || concat.some((s, i) => s !== DARTS_CONCAT[i]))) {
      fail(
        `${cell}_concat is ${Array.isArray(concat) ? `[${concat.map(describeValue).join(', ')}]` : describeValue(concat)}; the DARTS search space always concatenates nodes [2, 3, 4, 5].`,
      );
    }
  }
  return copyDartsGenotype(assertDartsGenotype({ normal: g.normal, reduce: g.reduce }));
}

/**
 * Parses a DARTS genotype string (the accepted spellings are listed at
 * {@link parseDartsLikeGenotype}) and checks that it is in the DARTS search space. Throws
 * `InvalidArchitectureError` naming the offending op, node, pair, state or character.
 *
 * @example
 * parseDartsGenotype("Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), reduce=[...], reduce_concat=range(2, 6))")
 */
export function parseDartsGenotype(text: string): DartsGenotype {
  return toDartsGenotype(parseDartsLikeGenotype(text));
}

function formatCell(pairs: DartsLikeGenotype['normal']): string {
  return `[${pairs.map(([op, input]) => `('${op}', ${input})`).join(', ')}]`;
}

/**
 * Formats a genotype in DARTS' canonical spelling, the one of `cnn/genotypes.py`:
 * `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...],
 * reduce_concat=[2, 3, 4, 5])`. Pair order is kept (use `canonicalDartsGenotype` first for a
 * canonical string). Missing concat lists are written as every intermediate node.
 */
export function formatDartsGenotype(g: DartsLikeGenotype): string {
  const concat = (c: readonly number[] | undefined, pairs: number): string => `[${(c ?? Array.from({ length: pairs / 2 }, (_, i) => i + 2)).join(', ')}]`;
  return (
    `Genotype(normal=${formatCell(g.normal)}, normal_concat=${concat(g.normalConcat, g.normal.length)}, ` +
    `reduce=${formatCell(g.reduce)}, reduce_concat=${concat(g.reduceConcat, g.reduce.length)})`
  );
}
