/**
 * Ingest throughput through the real pipeline (Ingestor → prepared statements, with every feature's
 * onEvent), next to the ceiling of this machine: raw better-sqlite3 batched inserts of the same rows.
 * Then resident memory after loading 100k members and 1M messages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateDb, openDb } from '../src/db/connection.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type CommunityEvent,
  type MessageCreated,
} from '../src/events.js';
import { features } from '../src/features/index.js';
import { Ingestor } from '../src/ingest/ingestor.js';
import { createLogger } from '../src/log.js';
import { termsOf } from '../src/text/tokenize.js';
import type { BenchResult } from './result.js';

const WORDS =
  'shader vulkan compute buffer texture render physics collision script lua angelscript android build cmake linker editor scene node component animation skeleton material lighting shadow network replication server client ui font sound audio particle terrain navigation'.split(
    ' ',
  );

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function makeMessages(count: number, members: number, start: number, seed = 1): MessageCreated[] {
  const random = rng(seed);
  const guildId = asGuildId('bench-guild');
  const out: MessageCreated[] = [];
  for (let i = 0; i < count; i++) {
    const author = Math.floor(random() * members);
    const words = Array.from(
      { length: 6 + Math.floor(random() * 10) },
      () => WORDS[Math.floor(random() * WORDS.length)],
    );
    out.push({
      kind: 'message.created',
      platform: 'discord',
      guildId,
      at: start + i * 1000,
      messageId: asMessageId(`m${seed}-${i}`),
      channelId: asChannelId(`c${Math.floor(random() * 40)}`),
      authorId: asMemberId(`u${author}`),
      authorName: `member${author}`,
      authorIsBot: false,
      replyToId: i > 0 && random() < 0.3 ? asMessageId(`m${seed}-${Math.floor(random() * i)}`) : null,
      mentionIds: [],
      content: `how do I get the ${words.join(' ')} working?`,
    });
  }
  return out;
}

export function memberEvents(count: number, start: number, firstId = 0): CommunityEvent[] {
  return Array.from({ length: count }, (_, n) => n + firstId).map((i) => ({
    kind: 'member.joined' as const,
    platform: 'discord' as const,
    guildId: asGuildId('bench-guild'),
    at: start + i,
    memberId: asMemberId(`u${i}`),
    username: `member${i}`,
    displayName: `Member ${i}`,
    bot: false,
    roles: [],
  }));
}

/** Memory is measured in a fresh process, so the figure is the bot's, not this benchmark's fixtures. */
function measureMemoryInChild(): number {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', new URL('./_memoryChild.ts', import.meta.url).pathname],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { rssMb: number }).rssMb;
}

function freshDb(dir: string, name: string) {
  const db = openDb(join(dir, name));
  migrateDb(db);
  return db;
}

/** The ceiling: the same message rows inserted with one prepared statement in batched transactions. */
function rawInsert(dir: string, rows: MessageCreated[]): number {
  const db = freshDb(dir, 'raw.db');
  const sqlite = db.$client;
  const insert = sqlite.prepare(
    `INSERT INTO messages (guild_id, message_id, channel_id, parent_channel_id, author_id, reply_to_id, mention_ids, created_at, terms)
     VALUES (?, ?, ?, ?, ?, ?, '[]', ?, ?) ON CONFLICT DO NOTHING`,
  );
  const prepared = rows.map((m) => [
    m.guildId,
    m.messageId,
    m.channelId,
    m.channelId,
    m.authorId,
    m.replyToId,
    m.at,
    termsOf(m.content),
  ]);
  const batch = sqlite.transaction((chunk: unknown[][]) => {
    for (const r of chunk) insert.run(...r);
  });
  const started = performance.now();
  for (let i = 0; i < prepared.length; i += 2000) batch(prepared.slice(i, i + 2000));
  const seconds = (performance.now() - started) / 1000;
  sqlite.close();
  return rows.length / seconds;
}

async function pipelineInsert(dir: string, rows: MessageCreated[], withFeatures: boolean): Promise<number> {
  const db = freshDb(dir, withFeatures ? 'pipeline-features.db' : 'pipeline.db');
  const deps = makeDeps(loadConfig({}), db, createLogger('silent'), () => {});
  const ingestor = new Ingestor(deps, withFeatures ? features : []);
  await ingestor.pushMany(memberEvents(1000, 0));
  const started = performance.now();
  await ingestor.pushMany(rows);
  const seconds = (performance.now() - started) / 1000;
  db.$client.close();
  return rows.length / seconds;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-'));
  try {
    const rows = makeMessages(100_000, 1000, Date.parse('2026-01-01'));
    const raw = rawInsert(dir, rows);
    const core = await pipelineInsert(dir, rows, false);
    const full = await pipelineInsert(dir, rows, true);

    const rssMb = measureMemoryInChild();

    return [
      { name: 'raw better-sqlite3 batched inserts (ceiling)', value: raw, unit: 'rows/s' },
      {
        name: 'ingest through Ingestor (core tables)',
        value: core,
        unit: 'events/s',
        ratio: core / raw,
        target: '≥ 0.5× ceiling',
      },
      {
        name: 'ingest with every feature onEvent',
        value: full,
        unit: 'events/s',
        ratio: full / raw,
        note: 'journey/questions/intros hooks included',
      },
      {
        name: 'RSS after ingesting 100k members + 1M messages',
        value: rssMb,
        unit: 'MB',
        target: '≤ 300 MB',
        note: 'fresh process',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
