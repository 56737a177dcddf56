import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDb, openDb } from '../src/db/connection.js';
import { asGuildId } from '../src/events.js';
import { weekEndingAt } from '../src/features/digest/calendar.js';
import * as s from '../src/features/digest/store.js';
import { buildBigGuild } from './digest.js';
const dir = process.env.DIR ?? mkdtempSync(join(tmpdir(), 'dg-'));
const db = openDb(join(dir, 'bench.db'));
const w = weekEndingAt({ year: 2026, month: 11, day: 23 }, 'Europe/Berlin');
const g = asGuildId('big');
if (!process.env.DIR) {
  migrateDb(db);
  let t = performance.now();
  buildBigGuild(db, { guildId: 'big', members: 100_000, weekMessages: 1_000_000, earlierWeekMessages: 150_000, threadsPerWeek: 6000, end: w.end, seed: 1 });
  buildBigGuild(db, { guildId: 'neighbour', members: 20_000, weekMessages: 100_000, earlierWeekMessages: 20_000, threadsPerWeek: 1000, end: w.end, seed: 2 });
  console.log('build', performance.now() - t, dir);

}
const now = w.end + 9 * 3600_000;
function time(name: string, f: () => unknown) { const t = performance.now(); const r = f(); console.log(name, (performance.now() - t).toFixed(1), 'ms', JSON.stringify(r).slice(0, 200)); }
for (let k = 0; k < 2; k++) {
time('daily', () => s.dailyMessages(db, g, w.days));
time('active', () => s.activeMemberCount(db, g, w.start, w.end));
time('newMembers', () => s.newMembers(db, g, w.start, w.end, 30));
time('retention', () => s.cohortActivity(db, g, w.start - 28 * 86400000, w.start - 21 * 86400000, w.start, w.end));
time('activation', () => s.activationCohort(db, g, w.end - 21 * 86400000, w.end - 14 * 86400000, 14 * 86400000));
time('firstResponses', () => s.responseTimesOf(s.firstResponses(db, g, w.start, w.end, now)));
time('lively', () => s.liveliestThreads(db, g, w.start, w.end, 10));
time('waiting', () => s.waitingThreads(db, g, now - 28 * 86400000, now).length);
time('week', () => s.computeWeekStats(db, g, w, now).messages);
}
