// Plain O(n^2) reference implementations, written straight from the definitions. Used only by the
// tests (never exported, never bundled) to check the fast paths.

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** tau-b from pair counts: (C - D) / sqrt((C + D + T_x)(C + D + T_y)). */
export function bruteKendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let concordant = 0;
  let discordant = 0;
  let onlyX = 0;
  let onlyY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const sx = cmp(x[i] as number, x[j] as number);
      const sy = cmp(y[i] as number, y[j] as number);
      if (sx === 0 && sy === 0) continue;
      if (sx === 0) onlyX++;
      else if (sy === 0) onlyY++;
      else if (sx === sy) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + onlyX) * (concordant + discordant + onlyY));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}

/** Average ranks by counting: rank = 1 + #smaller + (#equal - 1) / 2. */
export function bruteAverageRanks(x: ArrayLike<number>): number[] {
  const ranks: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let smaller = 0;
    let equal = 0;
    for (let j = 0; j < x.length; j++) {
      if ((x[j] as number) < (x[i] as number)) smaller++;
      else if (x[j] === x[i]) equal++;
    }
    ranks.push(1 + smaller + (equal - 1) / 2);
  }
  return ranks;
}

/** Textbook Pearson r; NaN when a variance is zero. */
export function brutePearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((x[i] as number) - mx) * ((y[i] as number) - my);
    sxx += ((x[i] as number) - mx) ** 2;
    syy += ((y[i] as number) - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * A line-by-line transcription of the authors' `compute_sparse_rank_metric` +
 * `sparse_rank_by_simple_bin` (kcyu2014/nas-landmarkreg), minus the percent auto-rescale and with
 * stable sorts, returning the pair of lists they pass to `kendalltau`.
 */
export function releasedCodeRankLists(modelPerfs: readonly number[], gtPerfs: readonly number[], threshold: number): [number[], number[]] {
  const ids = modelPerfs.map((_, i) => i);
  const sModelIds = [...ids].sort((i, j) => (modelPerfs[i] as number) - (modelPerfs[j] as number));
  const gtModelIds = [...ids].sort((i, j) => (gtPerfs[i] as number) - (gtPerfs[j] as number));
  const sGtPerfs = gtModelIds.map((i) => gtPerfs[i] as number);
  const multiplier = 1 / threshold;
  const newRanks: number[] = [];
  const rankMap = new Map<number, number>();
  let cPerf = 0.0;
  let cRank = -1;
  for (let k = 0; k < gtModelIds.length; k++) {
    const p = sGtPerfs[k] as number;
    if (Math.floor(p * multiplier) > Math.floor(cPerf * multiplier)) cRank++;
    rankMap.set(gtModelIds[k] as number, cRank);
    newRanks.push(cRank);
    cPerf = p;
  }
  return [newRanks, sModelIds.map((i) => rankMap.get(i) as number)];
}
