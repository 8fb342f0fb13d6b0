/** "Did you mean ...?" suggestions for misspelled field and enum names. */

/** Levenshtein distance (insertions, deletions, substitutions, each costing 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** Edit distance between the parts of `a` and `b` that remain after removing their common prefix and suffix, and the longer remainder's length. */
function coreDifference(a: string, b: string): { distance: number; length: number } {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const coreA = a.slice(prefix, a.length - suffix);
  const coreB = b.slice(prefix, b.length - suffix);
  return { distance: editDistance(coreA, coreB), length: Math.max(coreA.length, coreB.length) };
}

/**
 * The candidate closest to `name`, only when it is close enough to be a
 * plausible typo: a case-only difference, or at most a third of the name's
 * letters changed (one to three), and at most a third of the part that
 * differs once the common prefix and suffix are set aside (at least one), so
 * that a fork's `bn_param` is not "corrected" to `lrn_param`. Ties go to the
 * first candidate.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    if (other === lower) return candidate;
    // The length difference is a lower bound of the distance: skip hopeless candidates cheaply.
    if (Math.abs(candidate.length - name.length) > Math.min(limit, bestDistance)) continue;
    const d = editDistance(lower, other);
    if (d >= bestDistance || d > limit) continue;
    const core = coreDifference(lower, other);
    if (core.distance > Math.max(1, Math.floor(core.length / 3))) continue;
    best = candidate;
    bestDistance = d;
  }
  return best;
}
