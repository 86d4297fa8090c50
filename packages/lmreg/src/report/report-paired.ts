import { mean, pairedDifference } from '../stats/paired-stats.js';
import { tryTrainingPassRatio } from '../stats/run-cost.js';
import { skdtVariants } from '../stats/skdt-variants.js';
import type { SearchResult } from '../search/search-result.js';
import { baselineConfigKey, orNull, variationLabels } from './report-settings.js';
import type { PairedSummary, ReportPair, ReportPaired, ReportRun, SkdtPair } from './report-types.js';

// Paired comparisons of `lmreg report` (issue 17): for each method and setting, the S-KdT of the
// super-net with landmarks minus that of the same seed's baseline, over seeds. A run that trained
// both super-nets pairs with itself; a `--no-baseline` run pairs with the baseline of another run
// with the same sampler, seed, held-out architectures and config apart from the landmark term.

/** A run as the pairing sees it. */
export interface PairingRun {
  readonly run: ReportRun;
  /** Its unique name in the report. */
  readonly name: string;
  /** Its setting label (`settingLabels`). */
  readonly setting: string;
  readonly sampler: string;
  readonly seed: number | null;
}

function variantOf(result: SearchResult, name: 'baseline' | 'landmarks'): SearchResult['variants'][number] | undefined {
  return result.variants.find((v) => v.name === name);
}

/** S-KdT of a run's super-net in both variants, recomputed from its held-out accuracies; `null` when the run did not train it. */
export function variantSkdt(result: SearchResult, name: 'baseline' | 'landmarks'): SkdtPair | null {
  const v = variantOf(result, name);
  if (v === undefined) return null;
  const s = skdtVariants(
    v.supernetAccuracy,
    result.heldOut.map((h) => h.accuracy),
  );
  return { binned: orNull(s.binned), released: orNull(s.released) };
}

function summarize(pairs: readonly ReportPair[], pick: (p: SkdtPair) => number | null): PairedSummary | null {
  const usable = pairs.flatMap((p) => {
    const without = pick(p.without);
    const withTerm = pick(p.with);
    return without === null || withTerm === null ? [] : [{ without, withTerm }];
  });
  if (usable.length === 0) return null;
  const d = pairedDifference(
    usable.map((u) => u.without),
    usable.map((u) => u.withTerm),
  );
  return { n: usable.length, mean: d.mean, low: d.ci[0], high: d.ci[1], positive: d.sign.positive, nonZero: d.sign.n, p: d.sign.p };
}

const list = (names: readonly string[]): string => (names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`);

/**
 * The paired comparisons of the runs: one per (sampler, setting) that trained a super-net with
 * landmarks, in the order the runs were given. Pairs are ordered by seed; of several runs with the
 * same seed and setting the first is paired (the others only count for CPU time).
 */
export function pairedComparisons(runs: readonly PairingRun[]): { paired: ReportPaired[]; common: string } {
  const keyOf = new Map(runs.map((r) => [r, baselineConfigKey(r.run.config)]));
  const sameHeldOut = (a: SearchResult, b: SearchResult): boolean =>
    a.heldOut.length === b.heldOut.length && a.heldOut.every((h, i) => h.arch === b.heldOut[i]?.arch);
  /** `candidate` trained the baseline that `member`'s super-net with landmarks is compared with. */
  const sameBaseline = (candidate: PairingRun, member: PairingRun): boolean =>
    candidate.sampler === member.sampler &&
    candidate.seed === member.seed &&
    candidate.run.result.space === member.run.result.space &&
    candidate.run.result.dataset === member.run.result.dataset &&
    keyOf.get(candidate) === keyOf.get(member) &&
    sameHeldOut(candidate.run.result, member.run.result);
  const baselineOnly = (r: PairingRun): boolean => r.run.result.variants.length === 1 && variantOf(r.run.result, 'baseline') !== undefined;

  const groups = new Map<string, PairingRun[]>();
  for (const r of runs) {
    if (variantOf(r.run.result, 'landmarks') === undefined) continue;
    const key = `${r.sampler} | ${r.setting}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }

  const { common, labels: changes } = variationLabels([...groups.values()].map((members) => members[0]!.run.config));
  const paired = [...groups.entries()].map(([key, members], index): ReportPaired => {
    const first = members[0]!;
    const change = changes[index]!;
    const notes: string[] = [];
    const bySeed = new Map<number, PairingRun[]>();
    for (const m of members) if (m.seed !== null) bySeed.set(m.seed, [...(bySeed.get(m.seed) ?? []), m]);
    const noSeed = members.filter((m) => m.seed === null).map((m) => m.name);
    if (noSeed.length > 0) notes.push(`not paired, no seed in config.json: ${list(noSeed)}`);
    const repeated = [...bySeed.values()].filter((l) => l.length > 1);
    if (repeated.length > 0) {
      notes.push(
        `${repeated.length} seed${repeated.length === 1 ? ' has' : 's have'} more than one run: the first of each is paired (${list(repeated.map((l) => l[0]!.name))}), the others count only for CPU time (${list(repeated.flatMap((l) => l.slice(1).map((m) => m.name)))})`,
      );
    }
    const pairs: ReportPair[] = [];
    const paired: PairingRun[] = [];
    const unpaired: string[] = [];
    for (const seed of [...bySeed.keys()].sort((a, b) => a - b)) {
      const m = bySeed.get(seed)![0]!;
      const base =
        variantOf(m.run.result, 'baseline') !== undefined
          ? m
          : runs.find((c) => c !== m && variantOf(c.run.result, 'baseline') !== undefined && sameBaseline(c, m));
      if (base === undefined) {
        unpaired.push(m.name);
        continue;
      }
      paired.push(m);
      pairs.push({
        seed,
        run: m.name,
        baselineRun: base.name,
        without: variantSkdt(base.run.result, 'baseline')!,
        with: variantSkdt(m.run.result, 'landmarks')!,
      });
    }
    if (unpaired.length > 0) {
      notes.push(
        `no baseline with the same seed, held-out architectures and config apart from the landmark term for ${list(unpaired)}: add such a run (one without --no-baseline) to pair ${unpaired.length === 1 ? 'it' : 'them'}`,
      );
    }
    const undefinedSkdt = pairs.filter((p) => p.with.binned === null || p.without.binned === null).map((p) => p.run);
    if (undefinedSkdt.length > 0) notes.push(`S-KdT undefined (constant or NaN super-net accuracies), left out: ${list(undefinedSkdt)}`);

    // CPU time: runs that trained this super-net alone, against baseline-only runs of the paired seeds.
    const withCpu = members.filter((m) => m.run.result.variants.length === 1).flatMap((m) => (m.run.cpuSeconds === undefined ? [] : [m.run.cpuSeconds]));
    const baselineCpu = paired.flatMap((m) => {
      const b = runs.find((c) => baselineOnly(c) && c.run.cpuSeconds !== undefined && sameBaseline(c, m));
      return b?.run.cpuSeconds === undefined ? [] : [b.run.cpuSeconds];
    });
    const withTerm = withCpu.length === 0 ? null : mean(withCpu);
    const withoutTerm = baselineCpu.length === 0 ? null : mean(baselineCpu);
    return {
      key,
      label: `${first.sampler}${change === '' ? '' : `, ${change}`}`,
      sampler: first.sampler,
      space: first.run.result.space,
      setting: first.setting,
      change,
      pairs,
      binned: summarize(pairs, (p) => p.binned),
      released: summarize(pairs, (p) => p.released),
      passes: tryTrainingPassRatio(first.run.config),
      cpu:
        withTerm === null
          ? null
          : { withTerm, runs: withCpu.length, withoutTerm, baselineRuns: baselineCpu.length, ratio: withoutTerm === null ? null : withTerm / withoutTerm },
      notes,
    };
  });
  return { paired, common };
}
