/**
 * Composing a weekly digest for a big guild: 100k members and 1M messages in the week (plus seven
 * quieter weeks before it for the trend and the chart, and a second guild beside it), built straight
 * into SQLite. Measures the whole digest (aggregates + sources + compose + chart) cold (no stored
 * weeks: the first digest after install computes all eight) and warm (the steady state: the
 * previous weeks are stored, this week and last week are computed), and the memory it takes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, migrateDb, openDb } from '../src/db/connection.js';
import { type Database, sqliteDatabase, transaction } from '../src/db/database.js';
import { asGuildId, type GuildId } from '../src/events.js';
import { dateOf, weekEndingAt } from '../src/features/digest/calendar.js';
import { buildDigest } from '../src/features/digest/service.js';
import { storeWeek } from '../src/features/digest/store.js';
import { changeSettings } from '../src/guildSettings.js';
import type { BenchResult } from './result.js';

const DAY = 86_400_000;

/** A small deterministic PRNG (mulberry32): the same data every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BigGuildOptions {
  guildId: string;
  members: number;
  /** Messages in the digest's week. */
  weekMessages: number;
  /** Messages in each of the seven weeks before it. */
  earlierWeekMessages: number;
  /** Threads opened per week. */
  threadsPerWeek: number;
  /** The digest's window ends here (a local midnight). */
  end: number;
  seed: number;
}

/** Fill `db` with one guild's members, channels, threads and messages (raw inserts, batched). */
export function buildBigGuild(db: Db, o: BigGuildOptions): void {
  const c = db.$client;
  const random = rng(o.seed);
  const g = o.guildId;
  const start = o.end - 8 * 7 * DAY;
  c.prepare(
    `INSERT INTO guilds (id, platform, name, settings, created_at, updated_at) VALUES (?, 'discord', ?, '{}', ?, ?)`,
  ).run(g, `Guild ${g}`, start - 400 * DAY, start);

  const insMember = c.prepare(
    `INSERT INTO members (guild_id, member_id, username, display_name, bot, moderator, joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insChannel = c.prepare(
    `INSERT INTO channels (guild_id, channel_id, name, kind, parent_id, owner_id, archived, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insMessage = c.prepare(
    `INSERT INTO messages (guild_id, message_id, channel_id, parent_channel_id, author_id, reply_to_id, created_at, terms) VALUES (?, ?, ?, ?, ?, ?, ?, '')`,
  );

  const bots = 5;
  // Bulk-load speed: no journal, indexes rebuilt once at the end (sorted builds beat random inserts).
  c.pragma('journal_mode = OFF');
  c.pragma('synchronous = OFF');
  c.pragma('cache_size = -262144');
  const messageIndexes = c
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL`)
    .all() as { name: string; sql: string }[];
  for (const index of messageIndexes) c.exec(`DROP INDEX ${index.name}`);
  c.transaction(() => {
    for (let i = 0; i < o.members; i++) {
      // Joins spread over two years, denser recently; every week of the last eight gets a few hundred.
      const joinedAt = i < 8 * 400 ? o.end - random() * 8 * 7 * DAY : o.end - 8 * 7 * DAY - random() * 700 * DAY;
      insMember.run(
        g,
        `u${i}`,
        `user${i}`,
        `Member ${i}`,
        i < bots ? 1 : 0,
        i % 2000 === 7 ? 1 : 0,
        Math.floor(joinedAt),
        start,
      );
    }
    for (let i = 0; i < 20; i++)
      insChannel.run(g, `text${i}`, `chat-${i}`, 'text', null, null, 0, start - 400 * DAY, start);
    for (let i = 0; i < 5; i++)
      insChannel.run(g, `forum${i}`, `help-${i}`, 'forum', null, null, 0, start - 400 * DAY, start);
    // Old, archived threads: they exist and must be skipped cheaply.
    for (let i = 0; i < 30_000; i++) {
      const at = start - random() * 300 * DAY;
      insChannel.run(
        g,
        `old${i}`,
        `old thread ${i}`,
        'thread',
        `forum${i % 5}`,
        `u${bots + i}`,
        1,
        Math.floor(at),
        Math.floor(at + 3 * DAY),
      );
    }
  })();

  // Authors: a long tail, as in real communities (a few write a lot, most write a little, most
  // members read only): about a quarter of the members write in a given week.
  const writers = Math.floor((o.members - bots) * 0.3);
  const author = () => bots + Math.floor(Math.min(0.999999, random() ** 2.5) * writers);
  let messageSeq = 0;
  const weekStart = (w: number) => start + w * 7 * DAY;
  for (let w = 0; w < 8; w++) {
    const total = w === 7 ? o.weekMessages : o.earlierWeekMessages;
    const from = weekStart(w);
    c.transaction(() => {
      let written = 0;
      // Threads: the opener's post, then replies from others after a long-tailed wait.
      for (let t = 0; t < o.threadsPerWeek; t++) {
        const id = `w${w}t${t}`;
        const parent = `forum${t % 5}`;
        const owner = author();
        const openedAt = Math.floor(from + random() * 7 * DAY);
        insChannel.run(
          g,
          id,
          `Question ${w}-${t} about something`,
          'thread',
          parent,
          `u${owner}`,
          0,
          openedAt,
          openedAt,
        );
        insMessage.run(g, `m${messageSeq++}`, id, parent, `u${owner}`, null, openedAt);
        written++;
        if (random() < 0.15) continue; // still waiting
        let at = openedAt + Math.floor(-Math.log(1 - random()) * (w === 7 ? 3 : 5) * 3_600_000);
        const replies = 1 + Math.floor(random() * 12);
        for (let r = 0; r < replies && written < total; r++) {
          const who = r % 2 === 1 ? owner : author();
          insMessage.run(g, `m${messageSeq++}`, id, parent, `u${who === owner && r === 0 ? owner + 1 : who}`, null, at);
          at += Math.floor(random() * 4 * 3_600_000);
          written++;
        }
      }
      // Chat in text channels, a third of it replies to a recent message; bots post now and then.
      let previous: string | null = null;
      for (; written < total; written++) {
        const at = Math.floor(from + random() * 7 * DAY);
        const id = `m${messageSeq++}`;
        const who = random() < 0.01 ? Math.floor(random() * bots) : author();
        const ch = `text${Math.floor(random() * 20)}`;
        insMessage.run(g, id, ch, ch, `u${who}`, previous && random() < 0.33 ? previous : null, at);
        previous = id;
      }
    })();
  }
  for (const index of messageIndexes) c.exec(index.sql);
  c.pragma('journal_mode = WAL');
  c.pragma('synchronous = NORMAL');
}

const GOALS = [
  { metric: 'peer-answered' as const, target: 0.7 },
  { metric: 'first-response' as const, target: 2 * 3_600_000 },
  { metric: 'newcomer-activation' as const, target: 0.4 },
  { metric: 'connections' as const, target: 50 },
  { metric: 'retention' as const, target: 0.3 },
];

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-digest-'));
  try {
    const db = openDb(join(dir, 'bench.db'));
    migrateDb(db);
    const timezone = 'Europe/Berlin';
    // The window: the seven days before Monday 2026-11-23 in Berlin.
    const window = weekEndingAt({ year: 2026, month: 11, day: 23 }, timezone);
    const guildId = asGuildId('big');
    const built = performance.now();
    buildBigGuild(db, {
      guildId,
      members: 100_000,
      weekMessages: 1_000_000,
      earlierWeekMessages: 150_000,
      threadsPerWeek: 6_000,
      end: window.end,
      seed: 1,
    });
    buildBigGuild(db, {
      guildId: 'neighbour',
      members: 20_000,
      weekMessages: 100_000,
      earlierWeekMessages: 20_000,
      threadsPerWeek: 1_000,
      end: window.end,
      seed: 2,
    });
    const buildSeconds = (performance.now() - built) / 1000;
    await configure(sqliteDatabase(db), guildId, timezone, window.end);

    const now = window.end + 9 * 3_600_000;
    const deps = benchDeps(db);
    const gc = (globalThis as { gc?: () => void }).gc;
    const rssBefore = process.memoryUsage().rss;
    const cold = await timed(() =>
      buildDigest(deps, guildId, { endDate: dateOf(window.end, timezone), period: '2026-W48' }, now, []),
    );
    // Steady state: last week's digest stored its week (and the ones before); this week is computed.
    await transaction(sqliteDatabase(db), async (tx) => {
      for (const w of cold.value.toStore) if (w.end < window.end) await storeWeek(tx, guildId, w, now);
    });
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const warm = await timed(() =>
      buildDigest(deps, guildId, { endDate: dateOf(window.end, timezone), period: '2026-W48' }, now, []),
    );
    const afterWarm = process.memoryUsage();
    gc?.();
    const retained = process.memoryUsage().heapUsed - heapBefore;
    const mb = (b: number) => b / 1_048_576;
    const body = warm.value.body;
    return [
      {
        name: 'digest for 100k members, 1M messages in the week (warm: the 7 earlier weeks stored)',
        value: warm.ms,
        unit: 'ms',
        target: '≤ 1000 ms',
        ratio: warm.ms / 1000,
        note: `CPU ${Math.round(warm.cpuMs)} ms; chart ${Math.round(((body.attachments?.[0]?.dataBase64.length ?? 0) * 0.75) / 1024)} KB`,
      },
      {
        name: 'same, cold (first digest: all 8 weeks computed)',
        value: cold.ms,
        unit: 'ms',
        note: `CPU ${Math.round(cold.cpuMs)} ms; 8 weeks = 2.05M messages of this guild`,
      },
      {
        name: 'JS heap allocated by the warm digest',
        value: mb(Math.max(0, afterWarm.heapUsed - heapBefore)),
        unit: 'MB',
        note: gc
          ? `measured from a collected heap, no collection forced during the digest; ${mb(Math.max(0, retained)).toFixed(1)} MB retained after`
          : 'run with node --expose-gc for a steadier figure',
      },
      {
        name: 'RSS growth over both digests',
        value: mb(Math.max(0, afterWarm.rss - rssBefore)),
        unit: 'MB',
        note: `RSS ${mb(afterWarm.rss).toFixed(0)} MB after, SQLite page cache of the 2.6M-message database included`,
      },
      { name: 'building the data set (2 guilds, 2.6M messages)', value: buildSeconds, unit: 's' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function configure(db: Database, guildId: GuildId, timezone: string, at: number): Promise<void> {
  await changeSettings(
    db,
    guildId,
    'system',
    'bench',
    (settings) => ({
      ...settings,
      core: { ...settings.core, timezone, why: 'We help each other ship games with a small, friendly engine.' },
      digest: { ...settings.digest, channelId: 'text0', goals: GOALS },
    }),
    at,
  );
}

/** Wall time and this process's CPU time (the machine may be shared: CPU time is the steadier figure). */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, value };
}

import type { Deps } from '../src/commands.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';

function benchDeps(db: Db): Deps {
  return {
    db,
    config: loadConfig({}),
    log: createLogger('silent'),
    status: { startedAt: 0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
}
