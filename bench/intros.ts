/**
 * Intros at scale, on a real SQLite file in the state a profile build leaves it in:
 * - `/meet` latency (p50/p99) with 100k profiled members in intros (target p99 ≤ 50 ms), next to
 *   the naive way (score the asker against every member) measured in the same run;
 * - a full round (load profiles, candidates, scores, maximum-weight matching, write the round and
 *   its outbox rows) over 10k members (target ≤ 5 s) and over 100k members (reported), each in a
 *   child process so that its peak memory (max RSS) is its own.
 *
 * Profiles are synthetic (no messages: a build from 10M messages would be the ingest bench's job):
 * clusters of ~100 members share a vocabulary, talk within their cluster and a little outside.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDb, openDb } from '../src/db/connection.js';
import { type Database, sqliteDatabase, transaction } from '../src/db/database.js';
import { asGuildId, asMemberId, type GuildId } from '../src/events.js';
import type { Profile } from '../src/features/intros/profile.js';
import { emptyHistory, scorePair } from '../src/features/intros/score.js';
import { suggestFor } from '../src/features/intros/service.js';
import { consentingProfiles, rowToProfile, saveProfiles } from '../src/features/intros/store.js';
import type { BenchResult } from './result.js';

const DAY = 86_400_000;
export const BENCH_NOW = Date.UTC(2026, 2, 2, 12);

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** Seed `n` profiled members of guild `guildId` who all joined intros (on either engine). */
export async function seedCommunity(db: Database, guildId: GuildId, n: number, seed = 1): Promise<void> {
  const r = rng(seed);
  const now = BENCH_NOW;
  const clusterSize = 100;
  const clusters = Math.max(1, Math.ceil(n / clusterSize));
  const vocab = (i: number) => `t${i.toString(36)}`;
  const clusterTerms = Array.from({ length: clusters }, () =>
    Array.from({ length: 30 }, () => vocab(Math.floor(r() * 20_000))),
  );
  const id = (i: number) => `${guildId}-m${i}`;
  const profiles = new Map<string, Profile>();
  const degree = new Map<string, number>();
  const community = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / clusterSize);
    const own = clusterTerms[c]!;
    const terms = new Map<string, number>();
    for (let k = 0; k < 16; k++) terms.set(own[Math.floor(r() * own.length)]!, 0.2 + r());
    for (let k = 0; k < 4; k++) terms.set(vocab(Math.floor(r() * 20_000)), 0.1 + 0.3 * r());
    let norm = 0;
    for (const w of terms.values()) norm += w * w;
    for (const [t, w] of terms) terms.set(t, w / Math.sqrt(norm));
    const neighbours = new Map<string, number>();
    const deg = 3 + Math.floor(r() * 15);
    for (let k = 0; k < deg; k++) {
      const other = r() < 0.9 ? c * clusterSize + Math.floor(r() * clusterSize) : Math.floor(r() * n);
      if (other !== i && other < n) neighbours.set(id(other), r());
    }
    const tz = Math.floor(r() * 24);
    const hours = Array.from({ length: 24 }, (_, h) => ((h - tz + 24) % 24 < 14 ? Math.floor(r() * 6) : 0));
    const asked = new Map([[own[0]!, 1 + Math.floor(r() * 3)]]);
    const answered = new Map<string, [number, number, number, number]>([
      [own[1]!, [Math.floor(r() * 6), Math.floor(r() * 2), 0, now - DAY]],
    ]);
    profiles.set(id(i), {
      memberId: id(i),
      declared: null,
      interestTerms: [],
      stage: null,
      joinedAt: now - Math.floor(r() * 700) * DAY,
      terms,
      asked,
      answered,
      forms: new Map(),
      channels: new Map([[`c${c % 50}`, 1]]),
      neighbours,
      neighbourDegree: new Map([...neighbours.keys()].map((z) => [z, 3 + Math.floor(r() * 15)])),
      helpfulness: r() < 0.1 ? r() * 5 : 0,
      acceptedThisMonth: 0,
      answersThisMonth: Math.floor(r() * 3),
      messageCount: 1 + Math.floor(r() * 500),
      firstSeenAt: now - 700 * DAY,
      lastActiveAt: now - Math.floor(r() * 60) * DAY,
      activity: r() * 20,
      hours,
    });
    degree.set(id(i), neighbours.size);
    community.set(id(i), c);
  }
  const { guilds, introsMembers } = db.tables;
  await db
    .insert(guilds)
    .values({ id: guildId, platform: 'discord', name: guildId, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  await transaction(db, async (tx) => {
    const ids = [...profiles.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      await tx
        .insert(introsMembers)
        .values(
          ids.slice(i, i + 500).map((memberId) => ({ guildId, memberId, joinedAt: now - DAY, updatedAt: now - DAY })),
        );
    }
  });
  await saveProfiles(db, guildId, profiles, { degree, community, hubDegree: 17 }, now);
}

/** /meet asked 300 times by members spread over the community, after 20 asks to warm up: sorted times (ms). */
export async function timeMeet(
  store: Database,
  guild: GuildId,
  members: number,
): Promise<{ times: number[]; found: number }> {
  const r = rng(7);
  const ask = () => asMemberId(`${guild}-m${Math.floor(r() * members)}`);
  for (let i = 0; i < 20; i++) await suggestFor(store, guild, ask(), BENCH_NOW);
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < 300; i++) {
    const who = ask();
    const t0 = performance.now();
    found += (await suggestFor(store, guild, who, BENCH_NOW)).length;
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return { times, found };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function child(path: string, guild: string): { ms: number; maxRssMb: number; pool: number; groups: number } {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', new URL('./_introsRound.ts', import.meta.url).pathname, path, guild],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-intros-bench-'));
  const path = join(dir, 'intros.db');
  try {
    const db = openDb(path);
    migrateDb(db);
    const big = asGuildId('g100k');
    const small = asGuildId('g10k');
    const seedStart = performance.now();
    const store = sqliteDatabase(db);
    await seedCommunity(store, big, 100_000, 1);
    await seedCommunity(store, small, 10_000, 2);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const { times, found } = await timeMeet(store, big, 100_000);
    const r = rng(8);
    const ask = () => asMemberId(`${big}-m${Math.floor(r() * 100_000)}`);

    // The naive reference: load every consenting profile and score the asker against all of them.
    const t0 = performance.now();
    const asker = ask();
    const rows = await consentingProfiles(store, big);
    const profiles = new Map([...rows.values()].map((row) => [row.memberId, rowToProfile(row, BENCH_NOW)]));
    const ctx = {
      profiles,
      stats: {
        memberCount: profiles.size,
        termFreq: new Map(),
        degree: new Map(),
        hubDegree: 17,
        community: new Map(),
      },
      consented: new Set(profiles.keys()),
      history: emptyHistory(),
      now: BENCH_NOW,
    };
    for (const other of profiles.keys()) scorePair(asker, other, ctx);
    const naiveMs = performance.now() - t0;
    db.$client.close();

    const round10k = child(path, small);
    const round100k = child(path, big);
    const p99 = percentile(times, 99);
    return [
      { name: 'seed 110k profiled members (setup)', value: seedSeconds, unit: 's' },
      {
        name: '/meet p50, 100k profiled members',
        value: percentile(times, 50),
        unit: 'ms',
        note: `${(found / 300).toFixed(1)} suggestions per ask`,
      },
      {
        name: '/meet p99, 100k profiled members',
        value: p99,
        unit: 'ms',
        target: '≤ 50 ms',
        ratio: naiveMs / p99,
        note: `ratio: scoring everyone for one ask took ${Math.round(naiveMs)} ms`,
      },
      {
        name: 'round, 10k members',
        value: round10k.ms / 1000,
        unit: 's',
        target: '≤ 5 s',
        note: `${round10k.groups} groups; peak RSS ${Math.round(round10k.maxRssMb)} MB`,
      },
      {
        name: 'round, 100k members',
        value: round100k.ms / 1000,
        unit: 's',
        target: 'report',
        note: `${round100k.groups} groups; peak RSS ${Math.round(round100k.maxRssMb)} MB`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
