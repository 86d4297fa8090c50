import { InvalidArchitectureError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';
import { assertDartsGenotype, DARTS_SPACE_NAME, type DartsGenotype, type DartsOp, type DartsPair } from './genotype.js';
import { describePy, parsePythonLiteral, type PyValue } from './python-literal.js';

/** NASLib's NAS-Bench-301 op list (`OP_NAMES`): DARTS' ops without `none`, in NASLib's order. */
export const NASLIB_NB301_OPS = [
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const satisfies readonly DartsOp[];

/**
 * NASLib's compact NAS-Bench-301 encoding: `[normal, reduce]`, each 8 `[input, op index]` pairs
 * (op index into {@link NASLIB_NB301_OPS}), in DARTS genotype order.
 */
export type NaslibCompact = readonly [normal: readonly (readonly [input: number, op: number])[], reduce: readonly (readonly [input: number, op: number])[]];

function fail(message: string): never {
  throw new InvalidArchitectureError(DARTS_SPACE_NAME, `NASLib compact: ${message}`);
}

function fromPy(v: PyValue): unknown {
  if (v.kind === 'int') return v.value;
  if (v.kind === 'list') return v.items.map(fromPy);
  return fail(`expected integers and nested lists/tuples, got ${describePy(v)}.`);
}

/**
 * Converts NASLib's compact encoding (as an array, or as the Python string NASLib prints, e.g.
 * `[[(1,0),(0,5),...],[...]]`) to a {@link DartsGenotype}. Throws `InvalidArchitectureError`
 * naming the bad cell or pair.
 */
export function dartsFromNaslibCompact(compact: NaslibCompact | string): DartsGenotype {
  let value: unknown = compact;
  if (typeof compact === 'string') {
    const top = parsePythonLiteral(compact, DARTS_SPACE_NAME);
    if (top.kind !== 'value') fail('expected [[(input, op), ...], [(input, op), ...]].');
    value = fromPy(top.value);
  }
  if (!Array.isArray(value) || value.length !== 2) fail('expected two cells [normal, reduce].');
  const cells = (value as unknown[]).map((cell, c) => {
    const name = c === 0 ? 'normal' : 'reduce';
    if (!Array.isArray(cell)) fail(`${name} must be a list of (input, op) pairs.`);
    return cell.map((pair: unknown, i): DartsPair => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(`${name} pair ${i} must be an (input, op) pair.`);
      const [input, opIndex] = pair as unknown[];
      const op = typeof opIndex === 'number' && Number.isInteger(opIndex) ? NASLIB_NB301_OPS[opIndex] : undefined;
      if (op === undefined) fail(`${name} pair ${i} has op index ${describeValue(opIndex)}; NASLib's are 0..6 (${NASLIB_NB301_OPS.join(', ')}).`);
      return [op, input as number];
    });
  });
  return assertDartsGenotype({ normal: cells[0], reduce: cells[1] });
}

/**
 * Converts a {@link DartsGenotype} to NASLib's compact NAS-Bench-301 encoding. Throws
 * `InvalidArchitectureError` for a genotype with `none`, which NASLib's encoding cannot express.
 */
export function dartsToNaslibCompact(genotype: DartsGenotype): NaslibCompact {
  const g = assertDartsGenotype(genotype);
  const cell = (pairs: readonly DartsPair[], name: string): [number, number][] =>
    pairs.map(([op, input], i) => {
      const index = (NASLIB_NB301_OPS as readonly string[]).indexOf(op);
      if (index < 0) fail(`${name} pair ${i} is '${op}', which NASLib's NAS-Bench-301 encoding has no index for.`);
      return [input, index];
    });
  return [cell(g.normal, 'normal'), cell(g.reduce, 'reduce')];
}
