/**
 * npm run bench [-- name ...]: runs every benchmark module (or the named ones) and prints one table.
 * Targets are printed next to the figures; nothing here asserts time (machines are noisy).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './result.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['index.ts', 'result.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name));

const fmt = (n: number) =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(3)).toString();

const rows: (BenchResult & { bench: string })[] = [];
for (const name of modules) {
  const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { run?: () => Promise<BenchResult[]> };
  if (!mod.run) continue;
  process.stdout.write(`running ${name}…\n`);
  const started = performance.now();
  try {
    for (const r of await mod.run()) rows.push({ ...r, bench: name });
  } catch (error) {
    rows.push({ bench: name, name: 'FAILED', value: Number.NaN, unit: '', note: String(error) });
  }
  process.stdout.write(`  ${name} took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const table = rows.map((r) => ({
  bench: r.bench,
  figure: r.name,
  value: `${fmt(r.value)} ${r.unit}`.trim(),
  ratio: r.ratio === undefined ? '' : `${fmt(r.ratio)}×`,
  target: r.target ?? '',
  note: r.note ?? '',
}));
console.table(table);
