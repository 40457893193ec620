/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two words. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The candidate an editor most likely meant when typing `word`, or undefined when none is
 * close: a typo of one or two letters (fewer for short words), or a case difference.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** "did you mean 'x'?" or a short list of what is allowed. */
export function suggestionText(word: string, candidates: readonly string[], noun: string): string {
  const match = closestMatch(word, candidates);
  if (match !== undefined) {
    return `did you mean '${match}'?`;
  }
  if (candidates.length === 0) {
    return `there are no ${noun}s to choose from`;
  }
  const shown = candidates
    .slice(0, 12)
    .map((c) => `'${c}'`)
    .join(', ');
  return `${noun}s allowed here: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}
