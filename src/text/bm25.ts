/**
 * BM25 over small in-memory "documents" (a member's answered questions, a profile's terms).
 * Callers keep document frequencies per guild; this file only does the arithmetic.
 */

export interface CorpusStats {
  /** Number of documents. */
  docCount: number;
  /** Average document length in terms. */
  avgDocLength: number;
  /** How many documents contain each term. */
  docFreq: ReadonlyMap<string, number>;
}

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** Robertson–Spärck Jones idf, floored at 0 so very common terms never count against a match. */
export function idf(stats: CorpusStats, term: string): number {
  const n = stats.docFreq.get(term) ?? 0;
  return Math.max(0, Math.log(1 + (stats.docCount - n + 0.5) / (n + 0.5)));
}

/** BM25 score of one document (term → frequency) for the query terms. */
export function bm25(
  query: readonly string[],
  doc: ReadonlyMap<string, number>,
  docLength: number,
  stats: CorpusStats,
): number {
  let score = 0;
  const norm = BM25_K1 * (1 - BM25_B + (BM25_B * docLength) / Math.max(1, stats.avgDocLength));
  for (const term of new Set(query)) {
    const tf = doc.get(term);
    if (!tf) continue;
    score += (idf(stats, term) * (tf * (BM25_K1 + 1))) / (tf + norm);
  }
  return score;
}

/** Count terms into a frequency map. */
export function termFrequencies(terms: Iterable<string>): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}
