/** Child of bench/intros.ts: one full intro round for a guild of the seeded file; prints time and peak RSS. */
import { openDb } from '../src/db/connection.js';
import { sqliteDatabase } from '../src/db/database.js';
import { asGuildId } from '../src/events.js';
import { runRound } from '../src/features/intros/service.js';
import { BENCH_NOW } from './intros.js';

const [path, guild] = process.argv.slice(2);
const db = openDb(path!);
const t0 = performance.now();
const r = await runRound(sqliteDatabase(db), 'discord', asGuildId(guild!), 'bench-round', BENCH_NOW);
const ms = performance.now() - t0;
db.$client.close();
// maxRSS is in kilobytes: the peak of this process, round included.
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ ms, maxRssMb, pool: r.pool, groups: r.groups })}\n`);
