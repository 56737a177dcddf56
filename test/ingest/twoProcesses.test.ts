/**
 * Two processes on one SQLite file, as two connections in this process (each with its own caches,
 * as each process has): a change committed through one is honoured by the other for the very next
 * event, not after a cache's time to live.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import { type Db, openDb } from '../../src/db/connection.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../src/events.js';
import { eraseMember } from '../../src/features/core/privacy.js';
import { features } from '../../src/features/index.js';
import { pairedGuild, pairGuilds, unpairGuild } from '../../src/features/links/identity.js';
import { updateSettings } from '../../src/guildSettings.js';
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

/** Process A (a moderator's command runs here) and process B (the next message reaches it). */
async function twoProcesses() {
  const a = makeTestDb();
  const b = openDb(a.path);
  const ingestorA = new Ingestor(depsOf(a), []);
  const ingestorB = new Ingestor(depsOf(b), []);
  ingestors.push(ingestorA, ingestorB);
  await ingestorA.push({ kind: 'guild.upserted', platform: 'discord', guildId, at: T0, name: 'One' });
  const stored = (messageId: string) =>
    b.$client.prepare('SELECT terms, content FROM messages WHERE message_id = ?').get(messageId) as {
      terms: string;
      content: string | null;
    };
  return { a, b, ingestorA, ingestorB, stored };
}

const setText = (db: Db, on: boolean) =>
  updateSettings(
    db,
    guildId,
    asMemberId('mod'),
    'test',
    (s) => ({ ...s, core: { ...s.core, storeMessageText: on } }),
    T0,
  );

describe('two processes on one database', () => {
  it('GIVEN process A turns message text off THEN the next message process B stores keeps no text', async () => {
    const { a, ingestorB, stored } = await twoProcesses();
    setText(a, true);
    const before = message('u1', 'Vulkan descriptor sets keep failing on my laptop');
    await ingestorB.push(before);
    expect(stored(`m${seq}`).content).toBe('Vulkan descriptor sets keep failing on my laptop');

    setText(a, false);
    await ingestorB.push(message('u1', 'Shader compile errors after the driver update'));
    expect(stored(`m${seq}`)).toEqual({ terms: expect.stringContaining('shader'), content: null });
  });

  it('GIVEN a member erased their data through process A THEN process B derives no keywords from their next message', async () => {
    const { a, ingestorB, stored } = await twoProcesses();
    await ingestorB.push(message('u2', 'Raytracing denoiser questions'));
    expect(stored(`m${seq}`).terms).toContain('denoiser');

    eraseMember(a, features, guildId, asMemberId('u2'), T0);
    await ingestorB.push(message('u2', 'Another raytracing denoiser question'));
    expect(stored(`m${seq}`).terms).toBe('');
  });

  it('GIVEN process A disconnects the forum THEN process B no longer treats the forum as paired', async () => {
    const { a, b } = await twoProcesses();
    pairGuilds(a, { guildId, forumGuildId: forumId, pairedBy: 'mod', pairedAt: T0 });
    expect(pairedGuild(b, forumId)).toBe(guildId);

    expect(unpairGuild(a, guildId)).toBe(true);
    expect(pairedGuild(b, forumId)).toBeNull();
    expect(pairedGuild(a, forumId)).toBeNull();
  });
});
