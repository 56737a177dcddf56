/**
 * Who is who across the pair, on both engines with the real migrations: the pair read through the
 * per-connection cache (and dropped when another connection changes it), the same person's accounts
 * read in batches, and where a linked person is active.
 */
import { describe, expect, it } from 'vitest';
import { type Database, transaction } from '../../../src/db/database.js';
import {
  pairCommunity,
  readActiveSides,
  readCounterpart,
  readCounterparts,
  readLinkedAcross,
  readPairedGuild,
  readPartner,
  unpairCommunity,
} from '../../../src/features/links/identity.js';
import { markLinked, savePending } from '../../../src/features/links/store.js';
import { ENGINES, testConnections, testDatabase } from '../../helpers/engines.js';
import { seedMembers } from './world.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const FORUM = 'discourse:forum.example';
const DISCORD = 'g1';

/** A confirmed link as /link confirm leaves it. */
async function linkAccounts(db: Database, discordId: string, forumId: string, at = T0) {
  await transaction(db, async (tx) => {
    await savePending(
      tx,
      {
        guildId: DISCORD,
        memberId: discordId,
        otherGuildId: FORUM,
        otherMemberId: forumId,
        codeHash: 'h',
        codeExpiresAt: at + 1,
      },
      at,
    );
    await markLinked(tx, DISCORD, discordId, at);
  });
}

describe.each(ENGINES)('identity across the pair on %s', (engine) => {
  it('GIVEN a paired community with two confirmed links and one pending THEN each side finds the other, in one batch', async () => {
    const db = await testDatabase(engine);
    await pairCommunity(db, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    await linkAccounts(db, 'd1', '7');
    await linkAccounts(db, 'd2', '8');
    await savePending(
      db,
      { guildId: DISCORD, memberId: 'd3', otherGuildId: FORUM, otherMemberId: '9', codeHash: 'h', codeExpiresAt: T0 },
      T0,
    );
    expect(await readPairedGuild(db, DISCORD)).toBe(FORUM);
    expect(await readPairedGuild(db, FORUM)).toBe(DISCORD);
    expect(await readPartner(db, FORUM)).toBe(DISCORD);
    expect(await readCounterpart(db, DISCORD, 'd1')).toEqual({ guildId: FORUM, memberId: '7' });
    expect(await readCounterpart(db, FORUM, '8')).toEqual({ guildId: DISCORD, memberId: 'd2' });
    // Pending: nobody yet.
    expect(await readCounterpart(db, DISCORD, 'd3')).toBeNull();
    const batch = await readCounterparts(db, FORUM, ['7', '8', '9', 'nobody', '7']);
    expect(Object.fromEntries(batch)).toEqual({
      '7': { guildId: DISCORD, memberId: 'd1' },
      '8': { guildId: DISCORD, memberId: 'd2' },
    });
    expect(Object.fromEntries(await readLinkedAcross(db, DISCORD))).toEqual({ d1: '7', d2: '8' });
    expect(Object.fromEntries(await readLinkedAcross(db, FORUM))).toEqual({ '7': 'd1', '8': 'd2' });
  });

  it('GIVEN more people than one statement takes THEN every counterpart is found', async () => {
    const db = await testDatabase(engine);
    await pairCommunity(db, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    const { accountLinks } = db.tables;
    const ids = Array.from({ length: 1_234 }, (_, i) => i);
    await db.insert(accountLinks).values(
      ids.map((i) => ({
        guildId: DISCORD,
        memberId: `d${i}`,
        otherGuildId: FORUM,
        otherMemberId: `${i}`,
        createdAt: T0,
        linkedAt: T0,
      })),
    );
    const found = await readCounterparts(
      db,
      DISCORD,
      ids.map((i) => `d${i}`),
    );
    expect(found.size).toBe(1_234);
    expect(found.get('d1233')).toEqual({ guildId: FORUM, memberId: '1233' });
  });

  it('GIVEN a community that is not paired THEN nobody has a counterpart, even with a stored link', async () => {
    const db = await testDatabase(engine);
    await pairCommunity(db, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    await linkAccounts(db, 'd1', '7');
    expect(await unpairCommunity(db, DISCORD)).toBe(true);
    expect(await unpairCommunity(db, DISCORD)).toBe(false);
    expect(await readPairedGuild(db, DISCORD)).toBeNull();
    expect(await readCounterpart(db, DISCORD, 'd1')).toBeNull();
    expect((await readCounterparts(db, FORUM, ['7'])).size).toBe(0);
    expect((await readLinkedAcross(db, DISCORD)).size).toBe(0);
  });

  it('GIVEN another process pairs the forum with another server THEN this one sees the new pair: at its next read on SQLite, once the NOTIFY is heard on PostgreSQL', async () => {
    const [a, b] = await testConnections(engine, 2);
    await pairCommunity(a!, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    // b reads (and caches) the pair, then a moves the forum to g2.
    expect(await readPairedGuild(b!, FORUM)).toBe(DISCORD);
    expect(await pairCommunity(a!, { guildId: 'g2', forumGuildId: FORUM, pairedBy: 'mod2', pairedAt: T0 + 1 })).toBe(
      DISCORD,
    );
    // PostgreSQL delivers the change's NOTIFY to b's LISTEN connection moments after the commit.
    const deadline = Date.now() + (engine === 'postgres' ? 5_000 : 0);
    let seen = await readPairedGuild(b!, FORUM);
    while (seen !== 'g2' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      seen = await readPairedGuild(b!, FORUM);
    }
    expect(seen).toBe('g2');
    expect(await readPairedGuild(b!, DISCORD)).toBeNull();
  });

  it('GIVEN a pair changed inside a transaction that rolls back THEN the old pair is read after it', async () => {
    const db = await testDatabase(engine);
    await pairCommunity(db, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    expect(await readPairedGuild(db, FORUM)).toBe(DISCORD);
    await expect(
      transaction(db, async (tx) => {
        await unpairCommunity(tx, DISCORD);
        expect(await readPairedGuild(tx, FORUM)).toBeNull();
        throw new Error('decided against it');
      }),
    ).rejects.toThrow('decided against it');
    expect(await readPairedGuild(db, FORUM)).toBe(DISCORD);
  });

  it('GIVEN linked people active on one side or both THEN each is reached where they posted last, among the sides they are still on', async () => {
    const db = await testDatabase(engine);
    await seedMembers(
      db,
      { id: DISCORD, platform: 'discord', name: 'D' },
      [
        ['d1', 'ann'],
        ['d2', 'bob'],
        ['d3', 'cy'],
      ],
      T0,
    );
    await seedMembers(
      db,
      { id: FORUM, platform: 'discourse', name: 'F' },
      [
        ['7', 'ann'],
        ['8', 'bob'],
      ],
      T0,
    );
    const { messages } = db.tables;
    const post = (guildId: string, authorId: string, id: string, at: number) => ({
      guildId,
      channelId: 'c',
      parentChannelId: 'c',
      messageId: id,
      authorId,
      createdAt: at,
      terms: '',
    });
    await db
      .insert(messages)
      .values([
        post(DISCORD, 'd1', 'm1', T0 + 1),
        post(FORUM, '7', 'm2', T0 + 5),
        post(DISCORD, 'd2', 'm3', T0 + 9),
        post(FORUM, '8', 'm4', T0 + 2),
      ]);
    // d3's forum account is not a member there: d3 is reached here. Neither side: not reached.
    const sides = await readActiveSides(db, DISCORD, FORUM, [
      ['d1', '7'],
      ['d2', '8'],
      ['d3', '9'],
      ['gone', 'gone'],
    ]);
    expect(Object.fromEntries(sides)).toEqual({ d1: 'there', d2: 'here', d3: 'here' });
  });
});

describe('identity across the pair on sqlite, misused', () => {
  it('GIVEN the outer handle used inside a transaction body THEN the read is refused by name instead of waiting forever', async () => {
    const db = await testDatabase('sqlite');
    await expect(transaction(db, () => readPairedGuild(db, DISCORD))).rejects.toThrow(/with the tx it was given/);
    expect(await readPairedGuild(db, DISCORD)).toBeNull();
  });
});
