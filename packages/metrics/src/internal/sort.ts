/**
 * Stable bottom-up merge sort of the indices 0..n-1 by `before(i, j)` ("i must come strictly
 * before j"). Equal keys keep their index order.
 */
export function sortIndices(n: number, before: (i: number, j: number) => boolean): Uint32Array {
  let src = new Uint32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  let dst = new Uint32Array(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const right = src[j] as number;
        const left = src[i] as number;
        if (before(right, left)) {
          dst[k++] = right;
          j++;
        } else {
          dst[k++] = left;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++] as number;
      while (j < hi) dst[k++] = src[j++] as number;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/**
 * Sorts `values` ascending in place with a bottom-up merge sort and returns the number of
 * inversions (pairs i < j with values[i] > values[j]); equal values are not inversions.
 */
export function sortCountingInversions(values: Float64Array): number {
  const n = values.length;
  let src: Float64Array = values;
  let dst: Float64Array = new Float64Array(n);
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const left = src[i] as number;
        const right = src[j] as number;
        if (right < left) {
          dst[k++] = right;
          j++;
          swaps += mid - i;
        } else {
          dst[k++] = left;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++] as number;
      while (j < hi) dst[k++] = src[j++] as number;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== values) values.set(src);
  return swaps;
}

/** Number of tied pairs, sum of t(t-1)/2 over runs of equal values in a sorted array. */
export function tiedPairsInSorted(sorted: Float64Array): number {
  let pairs = 0;
  let run = 1;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      run++;
    } else {
      pairs += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return pairs + (run * (run - 1)) / 2;
}

/** Average (fractional) 1-based ranks: tied values share the mean of the positions they span. */
export function averageRanks(x: Float64Array): Float64Array {
  const n = x.length;
  const order = sortIndices(n, (i, j) => (x[i] as number) < (x[j] as number));
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    const v = x[order[start] as number];
    while (end < n && x[order[end] as number] === v) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    start = end;
  }
  return ranks;
}
