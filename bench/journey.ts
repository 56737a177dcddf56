/**
 * Journey cost with 100k members: the incremental work per event (handleEvent after ingest stored
 * the event: read the member's row, count, evaluate, write), next to ingest's own cost for the same
 * events as the reference; the pure evaluation alone; and a full sweep of 100k members (target ≤ 2 s),
 * next to merely reading the same rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDb, openDb } from '../src/db/connection.js';
import { sqliteDatabase, transaction } from '../src/db/database.js';
import { journeyMembers, members } from '../src/db/schema.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent, type GuildId } from '../src/events.js';
import { addCount, type Counters, evaluate } from '../src/features/journey/evaluate.js';
import { handleEvent, sweep } from '../src/features/journey/service.js';
import { defaultTrack } from '../src/features/journey/track.js';
import { eventApplier } from '../src/ingest/store.js';
import type { BenchResult } from './result.js';

const MEMBERS = 100_000;
const HISTORY = 50_000;
const EVENTS = 20_000;
const CHANNELS = 40;
const THREADS = 500;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Monday 2026-03-02 09:00 UTC. */
const NOW = Date.UTC(2026, 2, 2, 9);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Plausible counters for the member at `rank` (0 = most active, 1 = least): a few say a lot, most
 * say little or nothing, spread over the last 16 weeks.
 */
function seedCounters(random: () => number, rank: number): Counters {
  let counters: Counters = {};
  const messages = Math.floor(120 * (1 - rank) ** 12 * (0.5 + random()));
  for (let i = 0; i < messages; i++) {
    const at = NOW - Math.floor(random() * 16 * WEEK);
    counters = addCount(counters, 'message', at);
    if (random() < 0.3) counters = addCount(counters, 'reply', at);
    if (random() < 0.05) counters = addCount(counters, 'solved', at);
    if (random() < 0.03) counters = addCount(counters, 'welcomedNewcomer', at);
    if (random() < 0.02) counters = addCount(counters, 'introduction', at);
  }
  return counters;
}

function seedMembers(db: ReturnType<typeof openDb>, guildId: GuildId) {
  const random = rng(7);
  const track = defaultTrack();
  const BATCH = 1_000;
  db.transaction(() => {
    for (let start = 0; start < MEMBERS; start += BATCH) {
      const core = [];
      const journey = [];
      for (let i = start; i < Math.min(MEMBERS, start + BATCH); i++) {
        const memberId = `u${i}`;
        const joinedAt = NOW - Math.floor(random() * 365 * DAY);
        const counters = seedCounters(random, i / MEMBERS);
        const stage = evaluate(track, { joinedAt, counters }, null, NOW).stage.id;
        core.push({ guildId, memberId, username: memberId, displayName: memberId, joinedAt, updatedAt: NOW });
        journey.push({
          guildId,
          memberId,
          stage,
          stageAt: NOW - DAY,
          joinedAt,
          messageCount: counters.message?.n ?? 0,
          counters,
          welcomedAt: joinedAt,
          lastContactAt: joinedAt,
          updatedAt: NOW,
        });
      }
      db.insert(members).values(core).run();
      db.insert(journeyMembers).values(journey).run();
    }
  });
}

function structure(guildId: GuildId): CommunityEvent[] {
  const base = { platform: 'discord' as const, guildId, at: NOW - 200 * DAY };
  const out: CommunityEvent[] = [{ ...base, kind: 'guild.upserted', name: 'Bench Guild' }];
  for (let c = 0; c < CHANNELS; c++) {
    out.push({
      ...base,
      kind: 'channel.upserted',
      channelId: asChannelId(`c${c}`),
      name: c === 0 ? 'introductions' : `topic-${c}`,
      channelKind: c % 5 === 4 ? 'forum' : 'text',
      parentId: null,
      topic: null,
    });
  }
  for (let t = 0; t < THREADS; t++) {
    out.push({
      ...base,
      kind: 'thread.upserted',
      threadId: asChannelId(`t${t}`),
      parentId: asChannelId(`c${4 + 5 * (t % 8)}`),
      name: `question ${t}`,
      ownerId: asMemberId(`u${t * 97}`),
      tags: [],
      archived: false,
      createdAt: NOW - 30 * DAY + t * 60_000,
    });
  }
  return out;
}

/** Messages (in channels and threads, some replies) and the asker's ✅ on some replies. */
function traffic(guildId: GuildId, count: number, start: number, prefix: string, seed: number): CommunityEvent[] {
  const random = rng(seed);
  const out: CommunityEvent[] = [];
  const base = { platform: 'discord' as const, guildId };
  const recent: { id: string; channel: string }[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + i * 1_000;
    // Like a real community: most messages come from the most active members (low ids).
    const author = `u${Math.floor(random() ** 3 * MEMBERS)}`;
    const r = random();
    if (r < 0.1 && recent.length > 0) {
      const target = recent[Math.floor(random() * recent.length)]!;
      if (target.channel.startsWith('t')) {
        const owner = `u${Number(target.channel.slice(1)) * 97}`;
        out.push({
          ...base,
          kind: 'reaction.added',
          at,
          messageId: asMessageId(target.id),
          channelId: asChannelId(target.channel),
          memberId: asMemberId(owner),
          emoji: '✅',
        });
        continue;
      }
    }
    const channel = r < 0.35 ? `t${Math.floor(random() * THREADS)}` : `c${Math.floor(random() * CHANNELS)}`;
    const id = `${prefix}${i}`;
    const replyTo = recent.length > 0 && random() < 0.25 ? recent[Math.floor(random() * recent.length)]!.id : null;
    out.push({
      ...base,
      kind: 'message.created',
      at,
      messageId: asMessageId(id),
      channelId: asChannelId(channel),
      authorId: asMemberId(author),
      authorName: author,
      authorIsBot: false,
      replyToId: replyTo ? asMessageId(replyTo) : null,
      mentionIds: [],
      content: 'how do I get the shader working on android?',
    });
    recent.push({ id, channel });
    if (recent.length > 500) recent.shift();
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-journey-'));
  try {
    const db = openDb(join(dir, 'bench.db'));
    migrateDb(db);
    const guildId = asGuildId('bench-guild');
    const apply = eventApplier();
    const database = sqliteDatabase(db);
    const policy = { storeMessageText: false };
    await transaction(database, async (tx) => {
      for (const e of structure(guildId)) await apply(tx, e, policy);
    });
    seedMembers(db, guildId);
    const history = traffic(guildId, HISTORY, NOW - 20 * DAY, 'h', 11);
    await transaction(database, async (tx) => {
      for (const e of history) await apply(tx, e, policy);
    });

    // Per event, as in production: ingest stores it in its transaction (the reference), then the
    // journey reacts in its own (the figure, commit included).
    const events = traffic(guildId, EVENTS, NOW, 'e', 13);
    const half = EVENTS / 2;
    let ingestMs = 0;
    const perEvent: number[] = [];
    for (const event of events.slice(0, half)) {
      let t = performance.now();
      const fresh = await transaction(database, (tx) => apply(tx, event, policy));
      ingestMs += performance.now() - t;
      if (!fresh) continue;
      t = performance.now();
      await handleEvent(database, event, event.at);
      perEvent.push(performance.now() - t);
    }
    const eventUs = (perEvent.reduce((a, b) => a + b, 0) * 1000) / perEvent.length;
    perEvent.sort((a, b) => a - b);
    const p99 = perEvent[Math.floor(perEvent.length * 0.99)]! * 1000;
    const ingestUs = (ingestMs * 1000) / half;
    // The same work without the commits (all inside one outer transaction): what the journey itself costs.
    const work: number[] = [];
    await transaction(database, async (tx) => {
      for (const event of events.slice(half)) {
        if (!(await apply(tx, event, policy))) continue;
        const t = performance.now();
        await handleEvent(tx, event, event.at);
        work.push(performance.now() - t);
      }
    });
    const workUs = (work.reduce((a, b) => a + b, 0) * 1000) / work.length;

    // The pure rule alone, on realistic counters.
    const track = defaultTrack();
    const random = rng(3);
    const samples = Array.from({ length: 1_000 }, (_, i) => ({
      joinedAt: NOW - 30 * DAY,
      counters: seedCounters(random, i / 10_000),
    }));
    const stages = ['arrived', 'participating', 'helping', 'regular'];
    const N = 200_000;
    let t = performance.now();
    let sink = 0;
    for (let i = 0; i < N; i++) sink += evaluate(track, samples[i % 1000]!, stages[i % 4]!, NOW).index;
    const evaluateUs = ((performance.now() - t) * 1000) / N;

    // Full sweep over every member, against reading the same rows.
    t = performance.now();
    const rows = db
      .select({ memberId: journeyMembers.memberId, stage: journeyMembers.stage, counters: journeyMembers.counters })
      .from(journeyMembers)
      .all();
    const readMs = performance.now() - t;
    t = performance.now();
    const result = await sweep(database, guildId, NOW + EVENTS * 1_000 + DAY, { full: true });
    const sweepMs = performance.now() - t;
    t = performance.now();
    await sweep(database, guildId, NOW + EVENTS * 1_000 + DAY + 300_000);
    const steadyMs = performance.now() - t;
    db.$client.close();

    return [
      {
        name: 'journey per event, own transaction (100k members)',
        value: eventUs,
        unit: 'µs',
        ratio: eventUs / ingestUs,
        note: `p99 ${p99.toFixed(0)} µs; ratio vs ingest storing the same event (${ingestUs.toFixed(0)} µs); ${perEvent.length} messages/reactions`,
      },
      {
        name: 'journey per event, commit excluded',
        value: workUs,
        unit: 'µs',
        note: `read row, count, evaluate, write row (+ milestone/outbox when a stage is reached); ${work.length} events`,
      },
      {
        name: 'stage evaluation alone (pure)',
        value: evaluateUs,
        unit: 'µs',
        // The stage sum is printed so the loop's results are used.
        note: `evaluate(track, counters, stage, now); ${N} calls, stage sum ${sink}`,
      },
      {
        name: 'full sweep of 100k members',
        value: sweepMs,
        unit: 'ms',
        target: '≤ 2000 ms',
        ratio: sweepMs / readMs,
        note: `${result.evaluated} evaluated, ${result.advanced} moved; ratio vs reading the same ${rows.length} rows (${readMs.toFixed(0)} ms)`,
      },
      {
        name: 'steady-state sweep (track unchanged)',
        value: steadyMs,
        unit: 'ms',
        note: 'welcome catch-up, due congratulations and silent-newcomer queries only',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
