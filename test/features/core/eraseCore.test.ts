/**
 * The erasure's transaction on both engines with the real migrations: the core tables' part
 * (eraseCore) and the links feature's part, in one transaction that takes everything back when any
 * part fails. The replayed communities and the file's bytes are checked on SQLite by erasure.test.ts.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId } from '../../../src/events.js';
import { DROPPED_FOR_ERASURE } from '../../../src/features/core/eraseCore.js';
import { eraseMember, exportMember } from '../../../src/features/core/privacy.js';
import type { Feature } from '../../../src/features/feature.js';
import { linksFeature } from '../../../src/features/links/feature.js';
import { pairCommunity } from '../../../src/features/links/identity.js';
import { enqueueOn } from '../../../src/outbox/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { seedMembers } from '../links/world.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const GUILD = asGuildId('g1');
const FORUM = 'discourse:forum.example';
const WREN = asMemberId('w1');
const OLU = asMemberId('o1');

async function world(db: Database) {
  await seedMembers(
    db,
    { id: GUILD, platform: 'discord', name: 'G' },
    [
      [WREN, 'wrenfield'],
      [OLU, 'olu'],
    ],
    T0,
  );
  const { members, messages, reactions, auditLog, accountLinks, outbox } = db.tables;
  await db
    .update(members)
    .set({ displayName: 'Wrenfield Ashcombe' })
    .where(and(eq(members.guildId, GUILD), eq(members.memberId, WREN)));
  const post = (id: string, authorId: string, terms: string, mentionIds: string[] = []) => ({
    guildId: GUILD,
    messageId: id,
    channelId: 'c1',
    parentChannelId: 'c1',
    authorId,
    createdAt: T0,
    terms,
    mentionIds,
  });
  await db
    .insert(messages)
    .values([
      post('m1', WREN, 'shader=shader vulkan=Vulkan'),
      post('m2', OLU, 'shader=shader wrenfield=Wrenfield', [WREN]),
      post('m3', OLU, 'lighting=lighting'),
    ]);
  await db.insert(reactions).values({ guildId: GUILD, messageId: 'm2', memberId: WREN, emoji: '✅', createdAt: T0 });
  await pairCommunity(db, { guildId: GUILD, forumGuildId: FORUM, pairedBy: WREN, pairedAt: T0 });
  await db.insert(accountLinks).values({
    guildId: GUILD,
    memberId: WREN,
    otherGuildId: FORUM,
    otherMemberId: '7',
    createdAt: T0,
    linkedAt: T0,
  });
  await db.insert(auditLog).values([
    { guildId: GUILD, actorId: WREN, action: 'forum.connect', before: null, after: { forum: FORUM }, at: T0 },
    { guildId: GUILD, actorId: OLU, action: 'forum.connect', before: { pairedBy: WREN }, after: null, at: T0 + 1 },
  ]);
  const say = (key: string, content: string) => ({
    platform: 'discord' as const,
    guildId: GUILD,
    key,
    action: { type: 'message.send' as const, channelId: asChannelId('c1'), body: { content } },
  });
  await enqueueOn(
    db,
    [
      say('welcome-wren', 'Welcome Wrenfield Ashcombe!'),
      say('sent-wren', 'Olu, meet Wrenfield Ashcombe'),
      say('welcome-olu', 'Welcome Olu!'),
    ],
    T0,
  );
  await db.update(outbox).set({ status: 'done', finishedAt: T0 }).where(eq(outbox.key, 'sent-wren'));
}

describe.each(ENGINES)('the erasure transaction on %s', (engine) => {
  it("GIVEN a member named in others' keywords, mentions, the outbox and the audit WHEN they erase their data THEN every core table and their link forget them, and others' rows stay", async () => {
    const db = await testDatabase(engine);
    await world(db);
    const before = await exportMember(db, [linksFeature], GUILD, WREN);
    expect(before.features.links).toMatchObject({ forum: FORUM, forumMemberId: '7', pending: false });

    await eraseMember(db, [linksFeature], GUILD, WREN, T0 + 10);

    const { members, messages, reactions, auditLog, accountLinks, outbox, communityPairs } = db.tables;
    const [member] = await db.select().from(members).where(eq(members.memberId, WREN));
    expect(member).toMatchObject({ username: '', displayName: '', profilingOff: true, nudgesOff: true });
    const texts = Object.fromEntries(
      (await db.select().from(messages)).map((m) => [m.messageId, [m.terms, m.mentionIds]]),
    );
    expect(texts).toEqual({
      m1: ['', []],
      m2: ['shader=shader', []],
      m3: ['lighting=lighting', []],
    });
    expect(await db.select().from(reactions)).toEqual([]);
    expect(await db.select().from(accountLinks)).toEqual([]);
    expect((await db.select().from(communityPairs))[0]).toMatchObject({ guildId: GUILD, pairedBy: '' });
    const audit = (await db.select().from(auditLog)).sort((a, b) => a.id - b.id);
    expect(audit.map((r) => [r.actorId, r.before])).toEqual([
      ['', null],
      [OLU, { pairedBy: '' }],
    ]);
    const rows = Object.fromEntries((await db.select().from(outbox)).map((r) => [r.key, r]));
    expect(rows['welcome-wren']).toMatchObject({ status: 'failed', lastError: DROPPED_FOR_ERASURE });
    expect(rows['welcome-wren']!.action).toEqual({ type: 'message.send', redacted: true });
    expect(rows['sent-wren']).toMatchObject({ status: 'done', action: { type: 'message.send', redacted: true } });
    expect(rows['welcome-olu']).toMatchObject({ status: 'pending', action: { body: { content: 'Welcome Olu!' } } });
    const after = await exportMember(db, [linksFeature], GUILD, WREN);
    expect(after.features.links).toEqual({});
    expect(after.moderatorChanges).toEqual([]);
  });

  it('GIVEN a part of the erasure that fails THEN nothing of it is kept: the member, their link and the outbox are as before', async () => {
    const db = await testDatabase(engine);
    await world(db);
    const failing: Feature = {
      name: 'failing',
      commands: [],
      buttons: [],
      jobs: [],
      privacy: {
        export: async () => ({}),
        erase: async () => {
          throw new Error('the disk said no');
        },
      },
    };
    await expect(eraseMember(db, [linksFeature, failing], GUILD, WREN, T0 + 10)).rejects.toThrow('the disk said no');
    const { members, accountLinks, outbox } = db.tables;
    const [member] = await db.select().from(members).where(eq(members.memberId, WREN));
    expect(member).toMatchObject({ username: 'wrenfield', displayName: 'Wrenfield Ashcombe' });
    expect(await db.select().from(accountLinks)).toHaveLength(1);
    expect((await db.select().from(outbox)).map((r) => r.status).sort()).toEqual(['done', 'pending', 'pending']);
  });
});
