/** Ids in batches of 500 per query: SQLite's bound-parameter limit (999 in older builds) and Postgres's stay far off. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
