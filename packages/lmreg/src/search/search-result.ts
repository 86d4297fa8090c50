import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, findDangerousKeys, InvalidArgumentError, writeFileAtomic } from '@lmreg/common';
import { z } from 'zod';

// `result.json` of `lmreg search`: ONE zod schema (searchResultSchema) describes the file; the
// TypeScript types below are inferred from it, and both the writer ({@link writeSearchResult},
// run-search) and the readers ({@link readSearchResult}, `lmreg report`) go through it.
// Key order follows what `runSearch` writes, so reading and writing a file again keeps its bytes.

/** Progress of a long phase, for progress bars. */
export interface SearchProgress {
  readonly phase: 'standalone' | 'supernet';
  /** What is running, e.g. `landmark 3/10` or `landmarks epoch 2/6`. */
  readonly label: string;
  readonly done: number;
  readonly total: number;
}

/** Makes every property and array of `T` read-only, all the way down. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * A number as JSON stores it. JSON has no NaN or ±Infinity (`JSON.stringify` writes them as
 * `null`): `null` is read back as NaN, so a metric that was undefined (a constant prediction, a
 * diverged super-net) stays NaN.
 */
const jsonNumber = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);
/** Wall-clock seconds: absent from the committed pre-refactor fixtures (their timings were removed), then NaN. */
const seconds = z
  .number()
  .nullable()
  .optional()
  .transform((v) => v ?? Number.NaN);
const count = z.number().int().nonnegative();

/** One architecture trained alone (or looked up in a ground-truth table): `StandaloneResult` of @lmreg/train. */
export const standaloneRecordSchema = z.object({
  /** `space.format(arch)`. */
  arch: z.string(),
  /** `space.key(arch)`. */
  key: z.string(),
  /** Accuracy (fraction) on the evaluation split. */
  accuracy: jsonNumber,
  /** Mean cross-entropy on the evaluation split; NaN when looked up in a table. */
  loss: jsonNumber,
  params: count,
  seconds,
  /** Seed of its weights and batches (-1 for a table row). */
  seed: z.number().int(),
  validAccuracy: jsonNumber.optional(),
});

/** One epoch of super-net training. */
export const epochRecordSchema = z.object({
  epoch: count,
  loss: jsonNumber,
  rankingLoss: jsonNumber,
  lambda: jsonNumber,
  lr: jsonNumber,
  /** S-KdT of the super-net on the held-out architectures after this epoch. */
  skdt: jsonNumber,
  kendallTau: jsonNumber,
  spearman: jsonNumber,
  seconds,
});

/** One architecture proposed by the sampler's search on the trained super-net. */
export const proposedArchitectureSchema = z.object({
  arch: z.string(),
  /** Accuracy (fraction) of its path on the super-net over the test subset. */
  supernetAccuracy: jsonNumber,
  /** Stand-alone accuracy, when known (trained alone in this run, or in the ground-truth table); otherwise absent. */
  groundTruth: jsonNumber.optional(),
  /** With a ground-truth table: 1-based rank of its ground truth among the table's rows (1 = best). */
  rank: z.number().int().positive().optional(),
});

/** The sampler's search on the trained super-net (`sampler.propose`). */
export const samplerSearchResultSchema = z.object({
  sampler: z.string(),
  /** Distinct architectures evaluated on the super-net. */
  evaluated: count,
  /** The best `search.top` proposals, best first. */
  top: z.array(proposedArchitectureSchema),
  /** GDAS only: the argmax architecture of the final logits. */
  argmax: z.string().optional(),
});

/** One round boundary of the multi-iteration pipeline (Algorithm 1, core's `runRounds`): the landmarks it added. */
export const roundRecordSchema = z.object({
  /** 0-based round that just ended. */
  round: count,
  /** Last epoch of that round (0-based, over all rounds). */
  epoch: count,
  added: z.array(z.object({ arch: z.string(), supernetAccuracy: jsonNumber, groundTruth: jsonNumber })),
});

/** Outcome of one super-net variant (with or without the landmark term). */
export const variantResultSchema = z.object({
  name: z.enum(['baseline', 'landmarks']),
  /** What the sampler's search on this super-net returns. */
  search: samplerSearchResultSchema,
  /** Round boundaries of the multi-iteration pipeline (empty with `rounds: 1` or without landmarks). */
  rounds: z.array(roundRecordSchema),
  skdt: jsonNumber,
  kendallTau: jsonNumber,
  spearman: jsonNumber,
  /** Super-net accuracy of each held-out architecture (same order as `SearchResult.heldOut`). */
  supernetAccuracy: z.array(jsonNumber),
  epochs: z.array(epochRecordSchema),
  /** The held-out architecture the super-net ranks best, and its ground-truth accuracy. */
  best: z.object({ arch: z.string(), groundTruth: jsonNumber, supernetAccuracy: jsonNumber }),
  seconds,
});

/** The ground-truth table a run drew its architectures from (config `groundTruth`). */
export const groundTruthSummarySchema = z.object({
  name: z.string(),
  dir: z.string().optional(),
  size: count,
  /** S-KdT etc. between the table's two training seeds: the best a super-net can be expected to reach. */
  noiseCeiling: z.object({ skdt: jsonNumber, kendallTau: jsonNumber, spearman: jsonNumber, n: count }),
});

/**
 * `result.json` of a search run, as `lmreg search` writes it and `lmreg report` reads it. Unknown
 * fields (from a newer lmreg) are dropped on reading. Besides the field types it checks that the
 * variants are distinct and that each has one super-net accuracy per held-out architecture.
 */
export const searchResultSchema = z
  .object({
    space: z.string(),
    dataset: z.string(),
    sampler: z.string(),
    /** The ground-truth table the run drew its architectures from, if any. */
    groundTruth: groundTruthSummarySchema.optional(),
    landmarks: z.array(standaloneRecordSchema),
    heldOut: z.array(standaloneRecordSchema),
    variants: z.array(variantResultSchema).min(1),
    /** The backend the CLI selected (e.g. `native`, `wasm`). */
    backend: z.string(),
    /** The backend's thread count where it reports one (`native`); a seed reproduces a run only at the same count. */
    threads: z.number().int().positive().optional(),
    seconds,
  })
  .superRefine((result, ctx) => {
    const names = new Set<string>();
    result.variants.forEach((v, i) => {
      if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `a second '${v.name}' variant` });
      names.add(v.name);
      if (v.supernetAccuracy.length !== result.heldOut.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'supernetAccuracy'],
          message: `${v.supernetAccuracy.length} values for ${result.heldOut.length} held-out architectures`,
        });
      }
    });
  });

/** One architecture trained alone or looked up, as recorded in `result.json`. */
export type StandaloneRecord = DeepReadonly<z.infer<typeof standaloneRecordSchema>>;
/** One epoch of super-net training. */
export type EpochRecord = DeepReadonly<z.infer<typeof epochRecordSchema>>;
/** One architecture proposed by the sampler's search on the trained super-net. */
export type ProposedArchitecture = DeepReadonly<z.infer<typeof proposedArchitectureSchema>>;
/** The sampler's search on the trained super-net (`sampler.propose`). */
export type SamplerSearchResult = DeepReadonly<z.infer<typeof samplerSearchResultSchema>>;
/** One round boundary of the multi-iteration pipeline: the landmarks it added (core's `RoundRecord` and its last epoch). */
export type RoundRecord = DeepReadonly<z.infer<typeof roundRecordSchema>>;
/** Outcome of one super-net variant (with or without the landmark term). */
export type VariantResult = DeepReadonly<z.infer<typeof variantResultSchema>>;
/** `result.json` of a search run (inferred from {@link searchResultSchema}). */
export type SearchResult = DeepReadonly<z.infer<typeof searchResultSchema>>;

/** The name `lmreg search` gives the file in its run folder. */
export const SEARCH_RESULT_FILE = 'result.json';

/** `variants[0].search.top[1].arch`: a zod issue path as the user sees it in the file. */
function fieldPath(at: readonly PropertyKey[]): string {
  let out = '';
  for (const key of at) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(the top level)' : out;
}

function describeIssues(issues: z.ZodError['issues'], max = 4): string {
  const shown = issues.slice(0, max).map((issue) => {
    const message = issue.message.replace(/^Invalid input: expected (.+), received undefined$/, 'missing (expected $1)').replace(/^Invalid input: /, '');
    return `${fieldPath(issue.path)}: ${message}`;
  });
  return issues.length > max ? `${shown.join('; ')}; and ${issues.length - max} more` : shown.join('; ');
}

const resumeHint = (file: string): string =>
  `Write it again with \`lmreg search --out ${JSON.stringify(path.dirname(file))} --resume\` (the finished super-nets are kept in variant-*.json), or leave the run out.`;

/** Fields every `result.json` of `lmreg search` has; a JSON object with none of them is some other file. */
const CHARACTERISTIC_FIELDS = ['variants', 'heldOut', 'landmarks'] as const;

/**
 * Validates the text of a `result.json` and returns the result (NaN where the file has `null`).
 * `source` names the file in errors. Never changes anything on disk.
 *
 * @throws FileFormatError naming `source`, the offending field paths and what to do when the text
 *   is not JSON (truncated or damaged), is not a result of `lmreg search`, or has a field of the
 *   wrong type or missing.
 */
export function parseSearchResult(text: string, source: string): SearchResult {
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown;
  } catch (cause) {
    const what = text.trim() === '' ? 'is empty' : `is not valid JSON (${(cause as Error).message})`;
    throw new FileFormatError(source, `${what}: the file is truncated or damaged, e.g. the run was killed while writing it. ${resumeHint(source)}`, { cause });
  }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (object === undefined || !CHARACTERISTIC_FIELDS.some((k) => Object.hasOwn(object, k))) {
    const fields = object === undefined ? '' : Object.keys(object).slice(0, 6).join(', ');
    const got =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'an array'
          : object !== undefined
            ? `an object with the fields ${fields || '(none)'}`
            : `a ${typeof value}`;
    throw new FileFormatError(
      source,
      `is not a result.json of lmreg search (expected an object with ${CHARACTERISTIC_FIELDS.join(', ')} and more; got ${got}). Pass a run folder written by \`lmreg search --out DIR\`.`,
    );
  }
  const dangerous = findDangerousKeys(value);
  if (dangerous.length > 0) {
    throw new FileFormatError(
      source,
      `is not a result.json of lmreg search: it has the key${dangerous.length > 1 ? 's' : ''} ${dangerous.map((p) => `'${p}'`).join(', ')}, which lmreg never writes. The file was edited or is damaged. ${resumeHint(source)}`,
    );
  }
  const parsed = searchResultSchema.safeParse(value);
  if (!parsed.success) {
    throw new FileFormatError(
      source,
      `is not a valid result.json of lmreg search: ${describeIssues(parsed.error.issues)}. The file is damaged or was edited. ${resumeHint(source)}`,
    );
  }
  return parsed.data;
}

/**
 * Reads and validates the `result.json` of a search run ({@link parseSearchResult}).
 *
 * @throws FileFormatError naming the file when it is missing, unreadable, damaged or not a result
 *   of `lmreg search`.
 */
export function readSearchResult(file: string): SearchResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new FileFormatError(
      file,
      code === 'ENOENT'
        ? `does not exist: the run has not finished. Finish it with \`lmreg search --out ${JSON.stringify(path.dirname(file))} --resume\`.`
        : `cannot be read (${code ?? (cause as Error).message}). Check that it is a file you may read.`,
      { cause },
    );
  }
  return parseSearchResult(text, file);
}

/**
 * Writes `result.json` into a run folder (`run.file('result.json')`, e.g. a `RunDir` of
 * @lmreg/train), atomically, after checking that the text read back matches
 * {@link searchResultSchema}: what `lmreg search` writes, `lmreg report` can read. Returns the path.
 *
 * @throws InvalidArgumentError, writing nothing, when `result` does not match the schema (a bug of
 *   the caller).
 */
export function writeSearchResult(run: { file(name: string): string }, result: SearchResult): string {
  const file = run.file(SEARCH_RESULT_FILE);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  const checked = searchResultSchema.safeParse(JSON.parse(text) as unknown);
  if (!checked.success) {
    throw new InvalidArgumentError(
      `writeSearchResult: the result does not match the schema of result.json (${describeIssues(checked.error.issues)}); nothing was written to ${file}. This is a bug in the code that made the result: please report it with the run's config.json.`,
    );
  }
  writeFileAtomic(file, text);
  return file;
}
