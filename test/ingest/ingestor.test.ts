/**
 * A full disk or a failing write loses nothing silently: the Ingestor on a real SQLite file whose
 * growth is capped with `PRAGMA max_page_count` (what a full disk looks like to SQLite: SQLITE_FULL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type CommunityEvent,
  type MessageCreated,
} from '../../src/events.js';
import { defineFeature } from '../../src/features/feature.js';
import { type IngestGap, Ingestor } from '../../src/ingest/ingestor.js';
import { createLogger } from '../../src/log.js';
import { waitFor } from '../e2e/harness.js';
import { makeTestDb } from '../helpers/db.js';

const guildId = asGuildId('g-full');
const base = Date.parse('2026-03-02T10:00:00Z');

function message(i: number): MessageCreated {
  return {
    kind: 'message.created',
    platform: 'discord',
    guildId,
    at: base + i * 1000,
    messageId: asMessageId(`m${i}`),
    channelId: asChannelId('c-general'),
    authorId: asMemberId(`u${i % 7}`),
    authorName: `member ${i % 7}`,
    authorIsBot: false,
    replyToId: null,
    mentionIds: [],
    content: `message number ${i} about vulkan descriptor sets and shader pipelines ${'detail '.repeat(20)}`,
  };
}

function world() {
  const db = makeTestDb();
  const deps: Deps = {
    db,
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    log: createLogger('silent'),
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  /** A feature that writes a row of its own for every fresh message, inside ingest's transaction. */
  const recorder = defineFeature({
    name: 'recorder',
    commands: [],
    buttons: [],
    jobs: [],
    onEvent(d, event, fresh) {
      if (!fresh || event.kind !== 'message.created') return;
      d.db.$client
        .prepare('INSERT INTO audit_log (guild_id, actor_id, action, at) VALUES (?, ?, ?, ?)')
        .run(event.guildId, event.authorId, `heard ${event.messageId}`, event.at);
    },
  });
  /** The same on the async store: onEventStored writes with the batch's transaction handle. */
  const storedRecorder = defineFeature({
    name: 'storedRecorder',
    commands: [],
    buttons: [],
    jobs: [],
    async onEventStored(_d, event, fresh, tx) {
      if (!fresh || event.kind !== 'message.created') return;
      const { auditLog } = tx.tables;
      await tx
        .insert(auditLog)
        .values({ guildId: event.guildId, actorId: event.authorId, action: `stored ${event.messageId}`, at: event.at });
    },
  });
  /** Writes, then fails for every third message: only its own work for that event may be taken back. */
  const flaky = defineFeature({
    name: 'flaky',
    commands: [],
    buttons: [],
    jobs: [],
    async onEventStored(_d, event, fresh, tx) {
      if (!fresh || event.kind !== 'message.created') return;
      const { auditLog } = tx.tables;
      await tx
        .insert(auditLog)
        .values({ guildId: event.guildId, actorId: event.authorId, action: `flaky ${event.messageId}`, at: event.at });
      if (Number(event.messageId.slice(1)) % 3 === 0) throw new Error('flaky feature failed');
    },
  });
  const count = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n;
  return {
    db,
    deps,
    recorder,
    storedRecorder,
    flaky,
    stored: () => count("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'stored %'"),
    flakyRows: () => count("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'flaky %'"),
    messages: () => count('SELECT count(*) AS n FROM messages'),
    heard: () => count("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'heard %'"),
    /** The disk is full: the file may not grow by one more page. */
    fillDisk: () => {
      const pages = db.$client.pragma('page_count', { simple: true }) as number;
      db.$client.pragma(`max_page_count = ${pages}`);
    },
    freeDisk: () => db.$client.pragma('max_page_count = 1073741823'),
  };
}

const ingestors: Ingestor[] = [];
afterEach(() => {
  for (const i of ingestors.splice(0)) i.close();
});

describe('Ingestor on a full disk', () => {
  it('GIVEN the database refuses writes THEN every event is kept, the problem is named, and all are stored once when space returns', async () => {
    const w = world();
    const ingestor = new Ingestor(w.deps, [w.recorder], { retryMinMs: 10, retryMaxMs: 40 });
    ingestors.push(ingestor);
    await ingestor.push(message(0));
    w.fillDisk();
    const events = Array.from({ length: 400 }, (_, i) => message(i + 1));
    const results = await Promise.allSettled(events.map((e) => ingestor.push(e)));
    expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    expect(w.deps.status.problems?.database).toMatch(/refuses writes \(database or disk is full\)/);
    expect(w.deps.status.problems?.database).toMatch(/nothing is lost/);

    w.freeDisk();
    await waitFor(() => w.deps.status.problems?.database === undefined, 10_000, 'recovery');
    expect(w.messages()).toBe(401);
    // The feature's own write was kept with its event: it heard every message exactly once.
    expect(w.heard()).toBe(401);
  });

  it('GIVEN more failing events than the retry bound THEN the oldest become a recorded gap that recovery reports', async () => {
    const w = world();
    const ingestor = new Ingestor(w.deps, [w.recorder], { retryLimit: 50, retryMinMs: 10, retryMaxMs: 40 });
    ingestors.push(ingestor);
    const gaps: IngestGap[][] = [];
    ingestor.onRecovered((g) => gaps.push(g));
    await ingestor.push(message(0));
    w.fillDisk();
    const events = Array.from({ length: 400 }, (_, i) => message(i + 1));
    await Promise.allSettled(events.map((e) => ingestor.push(e)));
    expect(w.deps.status.problems?.database).toMatch(/did not fit .* read again from Discord/);

    w.freeDisk();
    await waitFor(() => gaps.length > 0, 10_000, 'recovery');
    expect(gaps).toHaveLength(1);
    const [gap] = gaps[0]!;
    expect(gap).toMatchObject({ platform: 'discord', guildId });
    expect(gap!.events).toBeGreaterThan(0);
    const stored = w.messages();
    // Kept: the newest 50 (and whatever was written before the disk filled); the rest is the gap.
    expect(stored + gap!.events).toBe(401);
    expect(stored).toBeGreaterThanOrEqual(51);
    const dropped = events.filter(
      (e) => !w.db.$client.prepare('SELECT 1 FROM messages WHERE message_id = ?').get(e.messageId),
    );
    expect(gap!.since).toBe(Math.min(...dropped.map((e) => e.at)));
    expect(w.deps.status.problems?.database).toBeUndefined();
  });

  it('GIVEN pushMany during a failure THEN it throws and its events are kept for the retry', async () => {
    const w = world();
    const ingestor = new Ingestor(w.deps, [], { retryMinMs: 10, retryMaxMs: 40 });
    ingestors.push(ingestor);
    w.fillDisk();
    const events = Array.from({ length: 300 }, (_, i) => message(i));
    await expect(ingestor.pushMany(events)).rejects.toThrow(/refuses writes/);
    w.freeDisk();
    await waitFor(() => w.deps.status.problems?.database === undefined, 10_000, 'recovery');
    expect(w.messages()).toBe(300);
  });
});

describe("Ingestor: features' work on the store inside the batch (onEventStored)", () => {
  it('GIVEN a full disk and then space again THEN each event and what the feature stored for it commit together, once', async () => {
    const w = world();
    const ingestor = new Ingestor(w.deps, [w.storedRecorder], { retryMinMs: 10, retryMaxMs: 40 });
    ingestors.push(ingestor);
    await ingestor.push(message(0));
    w.fillDisk();
    const events = Array.from({ length: 300 }, (_, i) => message(i + 1));
    await Promise.allSettled(events.map((e) => ingestor.push(e)));
    w.freeDisk();
    await waitFor(() => w.deps.status.problems?.database === undefined, 10_000, 'recovery');
    expect(w.messages()).toBe(301);
    expect(w.stored()).toBe(301);
  });

  it('GIVEN one feature that fails for some events THEN only its own work for those events is taken back', async () => {
    const w = world();
    const ingestor = new Ingestor(w.deps, [w.flaky, w.storedRecorder]);
    ingestors.push(ingestor);
    const events = Array.from({ length: 30 }, (_, i) => message(i + 1));
    await Promise.all(events.map((e) => ingestor.push(e)));
    expect(w.messages()).toBe(30);
    // m3, m6, … m30 failed after writing: 10 rows taken back, 20 kept.
    expect(w.flakyRows()).toBe(20);
    // The feature after it heard every event.
    expect(w.stored()).toBe(30);
  });
});

describe('Ingestor with one bad event', () => {
  it('GIVEN one event that cannot be stored THEN the events pushed with it are stored anyway', async () => {
    const w = world();
    const ingestor = new Ingestor(w.deps, []);
    ingestors.push(ingestor);
    const poison = { ...message(5), mentionIds: null } as unknown as CommunityEvent;
    const results = await Promise.allSettled([message(1), message(2), poison, message(3)].map((e) => ingestor.push(e)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(w.messages()).toBe(3);
  });
});
