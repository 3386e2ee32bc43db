/** The name a mistyped one most likely meant, for refusals of unknown option names. */

/** Letters to change, add or drop to turn `a` into `b` (Levenshtein). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** " (did you mean X?)" for the candidate a typo of `name` most likely meant, or "" when none is near. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const [nearest] = candidates.map((c) => [c, editDistance(name.toLowerCase(), c.toLowerCase())] as const).sort((x, y) => x[1] - y[1]);
  return nearest && nearest[1] <= 3 ? ` (did you mean ${nearest[0]}?)` : '';
}
