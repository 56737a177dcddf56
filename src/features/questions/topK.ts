/** Top-k selection over numeric scores (pure, allocation-light: the router's hot loops). */

/** Positions of the `k` largest scores, largest first. */
export function topIndices(scores: readonly number[], k: number): number[] {
  const idx = scores.map((_, i) => i);
  if (k >= idx.length) return idx.sort((a, b) => scores[b]! - scores[a]!);
  // A partial selection would do; candidates are a few hundred, so a sort costs microseconds.
  return idx.sort((a, b) => scores[b]! - scores[a]!).slice(0, k);
}

export function swapPair(pos: number[], score: number[], a: number, b: number): void {
  const tp = pos[a]!;
  pos[a] = pos[b]!;
  pos[b] = tp;
  const ts = score[a]!;
  score[a] = score[b]!;
  score[b] = ts;
}

/** Keep the `k` best (position, score) pairs in a min-heap kept in two arrays. */
export function pushTop(pos: number[], score: number[], p: number, v: number, k: number): void {
  if (pos.length < k) {
    pos.push(p);
    score.push(v);
    for (let i = pos.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (score[i]! >= score[parent]!) break;
      swapPair(pos, score, i, parent);
      i = parent;
    }
    return;
  }
  if (k === 0 || v <= score[0]!) return;
  pos[0] = p;
  score[0] = v;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < pos.length && score[l]! < score[m]!) m = l;
    if (r < pos.length && score[r]! < score[m]!) m = r;
    if (m === i) break;
    swapPair(pos, score, i, m);
    i = m;
  }
}
