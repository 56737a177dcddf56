/**
 * Two processes on one SQLite file: process A (a real child process, fixtures/processA.ts) makes the
 * change a moderator's or member's command makes; process B (this one, with its caches warm) gets
 * the next event. B honours the change for that very event, not after a cache's time to live.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/connection.js';
import { sqliteDatabase } from '../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../src/events.js';
import { readPairedGuild } from '../../src/features/links/identity.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { createLogger } from '../../src/log.js';
import { makeTestDb } from '../helpers/db.js';

const guildId = asGuildId('g-one');
const forumId = 'discourse:forum.example';
const T0 = Date.parse('2026-03-02T10:00:00Z');

const depsOf = (db: Db): Deps => ({
  db,
  config: loadConfig({ LOG_LEVEL: 'silent' }),
  log: createLogger('silent'),
  status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
  wakeOutbox: () => {},
});

let seq = 0;
const message = (author: string, content: string): CommunityEvent => ({
  kind: 'message.created',
  platform: 'discord',
  guildId,
  at: T0 + ++seq * 1000,
  messageId: asMessageId(`m${seq}`),
  channelId: asChannelId('c-general'),
  authorId: asMemberId(author),
  authorName: author,
  authorIsBot: false,
  replyToId: null,
  mentionIds: [],
  content,
});

const ingestors: Ingestor[] = [];
afterEach(() => {
  for (const i of ingestors.splice(0)) i.close();
});

/** Process B (this one: the next event reaches it) and a way to make a change in process A. */
async function twoProcesses() {
  const b = makeTestDb();
  const ingestorB = new Ingestor(depsOf(b), []);
  ingestors.push(ingestorB);
  await ingestorB.push({ kind: 'guild.upserted', platform: 'discord', guildId, at: T0, name: 'One' });
  const stored = (messageId: string) =>
    b.$client.prepare('SELECT terms, content FROM messages WHERE message_id = ?').get(messageId) as {
      terms: string;
      content: string | null;
    };
  const inA = (...args: string[]) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/ingest/fixtures/processA.ts', b.path, ...args], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`process A failed (${run.status}): ${run.stderr}`);
  };
  return { b, ingestorB, stored, inA };
}

describe('two processes on one database', () => {
  it('GIVEN process A turns message text off THEN the next message process B stores keeps no text', async () => {
    const { ingestorB, stored, inA } = await twoProcesses();
    inA('text-on');
    await ingestorB.push(message('u1', 'Vulkan descriptor sets keep failing on my laptop'));
    expect(stored(`m${seq}`).content).toBe('Vulkan descriptor sets keep failing on my laptop');

    inA('text-off');
    await ingestorB.push(message('u1', 'Shader compile errors after the driver update'));
    expect(stored(`m${seq}`)).toEqual({ terms: expect.stringContaining('shader'), content: null });
  });

  it('GIVEN a member erased their data through process A THEN process B derives no keywords from their next message', async () => {
    const { ingestorB, stored, inA } = await twoProcesses();
    await ingestorB.push(message('u2', 'Raytracing denoiser questions'));
    expect(stored(`m${seq}`).terms).toContain('denoiser');

    inA('erase', 'u2');
    await ingestorB.push(message('u2', 'Another raytracing denoiser question'));
    expect(stored(`m${seq}`).terms).toBe('');
  });

  it('GIVEN process A disconnects the forum THEN process B no longer treats the forum as paired', async () => {
    const { b, inA } = await twoProcesses();
    inA('pair', guildId, forumId);
    expect(await readPairedGuild(sqliteDatabase(b), forumId)).toBe(guildId);

    inA('unpair', guildId);
    expect(await readPairedGuild(sqliteDatabase(b), forumId)).toBeNull();
  });
});
