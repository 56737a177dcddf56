/**
 * Account links on both engines with the real migrations: the code PM in the outbox, confirm, remove.
 * A confirmed link also merges the journey, expertise and profile, which those features still write
 * through the synchronous SQLite API (service.ts onLinked, a seam of the port): the tests that
 * confirm a link run on SQLite until they are ported; every other test runs on both engines.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { UserFacingError } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { type Database, transaction } from '../../../src/db/database.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { readProfileRow, setDeclared } from '../../../src/features/intros/store.js';
import { CODE_TTL_MS } from '../../../src/features/links/code.js';
import { linksFeature } from '../../../src/features/links/feature.js';
import {
  pairCommunity,
  readCounterpart,
  readPairedGuild,
  unpairCommunity,
} from '../../../src/features/links/identity.js';
import { WRONG_CODES_PER_DAY } from '../../../src/features/links/limits.js';
import {
  confirmLink,
  connectForum,
  disconnectForum,
  removeLink,
  requestLink,
} from '../../../src/features/links/service.js';
import { confirmedLinksOfForum, linkOf } from '../../../src/features/links/store.js';
import { ENGINES, type Engine } from '../../helpers/engines.js';
import { linksWorld, seedMembers } from './world.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const FORUM = asGuildId('discourse:forum.example');
const DISCORD = 'g1';
/** The tests that confirm a link (see the file's comment). */
const CONFIRMING: readonly Engine[] = ['sqlite'];

async function world(engine: Engine) {
  const config = loadConfig({
    DISCOURSE_URL: 'https://forum.example',
    DISCOURSE_API_KEY: 'k',
    DISCOURSE_API_USERNAME: 'convene',
  });
  const { database: db, deps } = await linksWorld(engine, config, T0);
  await seedMembers(
    db,
    { id: FORUM, platform: 'discourse', name: 'Forum' },
    [
      ['7', 'Mei'],
      ['8', 'kofi'],
    ],
    T0 - 86_400_000,
  );
  await pairCommunity(db, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 - 1 });
  const ask = (memberId: string, username: string, code = '123456', at = T0) =>
    requestLink(deps, { guildId: DISCORD, memberId, displayName: `Discord ${memberId}`, username }, at, code);
  const { outbox } = db.tables;
  return { db, deps, ask, outboxRows: () => db.select().from(outbox) };
}

/** The audit rows of a guild, in order. */
async function auditOf(db: Database, guildId: string) {
  const { auditLog } = db.tables;
  const rows = await db
    .select({ id: auditLog.id, action: auditLog.action, actor: auditLog.actorId })
    .from(auditLog)
    .where(eq(auditLog.guildId, guildId));
  return rows.sort((a, b) => a.id - b.id).map(({ action, actor }) => ({ action, actor }));
}

describe.each(ENGINES)('account links on %s', (engine) => {
  it('GIVEN /link discourse username:mei THEN the code goes by Discourse PM to that forum user, stored only as a hash', async () => {
    const w = await world(engine);
    expect(await w.ask('d1', '@MEI')).toBe('Mei');
    const [row] = await w.outboxRows();
    expect(row).toMatchObject({ platform: 'discourse', guildId: FORUM });
    const action = typeof row!.action === 'string' ? JSON.parse(row!.action) : row!.action;
    expect(action).toMatchObject({ type: 'dm.send', memberId: '7' });
    expect(action.body.content).toContain('/link confirm code:123456');
    expect(action.body.mentions).toBeUndefined();
    const link = (await linkOf(w.db, DISCORD, 'd1'))!;
    expect(link).toMatchObject({ otherGuildId: FORUM, otherMemberId: '7', linkedAt: null });
    expect(JSON.stringify(link)).not.toContain('123456');
  });

  it.each([
    { what: 'a wrong code', code: '654321', at: T0 + 60_000, message: /does not match/ },
    { what: 'an expired code', code: '123456', at: T0 + CODE_TTL_MS + 1, message: /expired/ },
  ])('GIVEN $what THEN it is refused and nothing is linked', async ({ code, at, message }) => {
    const w = await world(engine);
    await w.ask('d1', 'mei');
    await expect(confirmLink(w.deps, DISCORD, 'd1', code, at)).rejects.toThrow(message);
    expect(await confirmedLinksOfForum(w.db, FORUM)).toEqual([]);
  });

  it('GIVEN too many wrong codes THEN even the right code no longer works', async () => {
    const w = await world(engine);
    await w.ask('d1', 'mei');
    for (let i = 0; i < WRONG_CODES_PER_DAY; i++)
      await expect(confirmLink(w.deps, DISCORD, 'd1', '000000', T0)).rejects.toThrow(/does not match/);
    await expect(confirmLink(w.deps, DISCORD, 'd1', '123456', T0)).rejects.toThrow(/no link waiting/);
  });
});

describe.each(CONFIRMING)('confirmed account links on %s', (engine) => {
  it('GIVEN the right code within 15 minutes THEN the accounts are linked; /link remove splits them again', async () => {
    const w = await world(engine);
    await w.ask('d1', 'mei');
    expect(await confirmLink(w.deps, DISCORD, 'd1', '123456', T0 + 60_000)).toBe('7');
    expect((await confirmedLinksOfForum(w.db, FORUM)).map((l) => [l.memberId, l.otherMemberId])).toEqual([['d1', '7']]);
    expect(await linksFeature.privacy!.export(w.db, asGuildId(DISCORD), asMemberId('d1'))).toMatchObject({
      forumMemberId: '7',
    });
    expect(await removeLink(w.deps, DISCORD, 'd1')).toBe(true);
    expect(await confirmedLinksOfForum(w.db, FORUM)).toEqual([]);
    expect(await removeLink(w.deps, DISCORD, 'd1')).toBe(false);
  });

  it('GIVEN an unknown forum username, a forum user linked to someone else, or no forum THEN a clear refusal', async () => {
    const w = await world(engine);
    await expect(w.ask('d1', 'nobody')).rejects.toThrow(UserFacingError);
    await w.ask('d1', 'mei');
    await confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    await expect(w.ask('d2', 'mei')).rejects.toThrow(/already linked/);
    const discordOnly: Deps = { ...w.deps, config: { ...w.deps.config, discourse: undefined } };
    await expect(
      requestLink(discordOnly, { guildId: DISCORD, memberId: 'd3', displayName: 'D3', username: 'kofi' }, T0),
    ).rejects.toThrow(/no Discourse forum/);
  });
});

/** Every refusal's text, or 'ok' when the call went through. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(UserFacingError);
    return (error as Error).message;
  }
}

const pmsTo = async (w: Awaited<ReturnType<typeof world>>, memberId: string) =>
  (await w.outboxRows()).filter((r) => (r.action as { memberId?: string }).memberId === memberId).length;

describe.each(ENGINES)('link limits on %s', (engine) => {
  it('GIVEN one member asks for a code twelve times in a day THEN the forum account gets 3 PMs and the member is told when to ask again', async () => {
    const w = await world(engine);
    const replies: string[] = [];
    for (let i = 0; i < 12; i++) replies.push(await outcome(() => w.ask('d1', 'mei', '123456', T0 + i * 60_000)));
    expect(replies.filter((r) => r === 'ok')).toHaveLength(3);
    expect(await pmsTo(w, '7')).toBe(3);
    expect(replies[3]).toMatch(/You have asked for 3 link codes in the last 24 hours.*ask again in about 24 hours/);
    // The window slides: a day after the first request, one more is allowed.
    expect(await outcome(() => w.ask('d1', 'mei', '123456', T0 + 86_400_000 + 1))).toBe('ok');
  });

  it('GIVEN four members ask for codes for the same forum account THEN it gets 3 PMs and the fourth is told why', async () => {
    const w = await world(engine);
    const replies: string[] = [];
    for (const [i, d] of ['d1', 'd2', 'd3', 'd4'].entries())
      replies.push(await outcome(() => w.ask(d, 'mei', '123456', T0 + i)));
    expect(replies.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(replies[3]).toMatch(/@Mei has been sent 3 link codes in the last 24 hours/);
    expect(await pmsTo(w, '7')).toBe(3);
    // Another forum account is not affected.
    expect(await outcome(() => w.ask('d4', 'kofi', '123456', T0 + 5))).toBe('ok');
  });

  it('GIVEN a requester erases their data THEN the forum account keeps its count and lock', async () => {
    const w = await world(engine);
    for (let i = 0; i < 3; i++) await w.ask('d1', 'mei', '123456', T0 + i);
    await transaction(w.db, (tx) => linksFeature.privacy!.erase(tx, asGuildId(DISCORD), asMemberId('d1')));
    const { linkAttempts } = w.db.tables;
    const left = await w.db
      .select({ guildId: linkAttempts.guildId, memberId: linkAttempts.memberId })
      .from(linkAttempts);
    expect(left).toEqual(Array(3).fill({ guildId: null, memberId: null }));
    expect(await outcome(() => w.ask('d1', 'mei', '123456', T0 + 10))).toMatch(/@Mei has been sent 3 link codes/);
  });
});

describe.each(CONFIRMING)('link limits with a confirmed link on %s', (engine) => {
  it('GIVEN wrong codes across new requests and other requesters THEN 5 guesses a day are checked for that forum account, then it is locked', async () => {
    const w = await world(engine);
    let checked = 0;
    const replies: string[] = [];
    for (const [i, d] of ['d1', 'd1', 'd1', 'd2', 'd3'].entries()) {
      if ((await outcome(() => w.ask(d, 'mei', '123456', T0 + i * 60_000))) !== 'ok') continue;
      for (let guess = 0; guess < 5; guess++) {
        const reply = await outcome(() =>
          confirmLink(w.deps, DISCORD, d, String(100000 + guess), T0 + i * 60_000 + guess),
        );
        replies.push(reply);
        if (/does not match/.test(reply)) checked++;
      }
    }
    expect(checked).toBe(WRONG_CODES_PER_DAY);
    expect(replies[0]).toMatch(/does not match.*\(4 tries left today\)/);
    expect(replies[4]).toMatch(/5th wrong code for @Mei today: linking to that account is locked for about 24 hours/);
    // Locked: a new request for that account is refused, and the right code does not work either.
    expect(await outcome(() => w.ask('d5', 'mei', '123456', T0 + 3_600_000))).toMatch(
      /Linking to @Mei is locked for about 23 hours/,
    );
    expect(await confirmedLinksOfForum(w.db, FORUM)).toEqual([]);
    // A day later the lock has lifted.
    expect(await outcome(() => w.ask('d5', 'mei', '654321', T0 + 86_400_000 + 10_000))).toBe('ok');
    expect(await confirmLink(w.deps, DISCORD, 'd5', '654321', T0 + 86_400_000 + 20_000)).toBe('7');
  });
});

describe.each(CONFIRMING)('the community pair with confirmed links on %s', (engine) => {
  it('GIVEN no pair THEN /link discourse is refused; connect pairs and audits; disconnect splits but keeps the links', async () => {
    const w = await world(engine);
    await unpairCommunity(w.db, DISCORD);
    await expect(w.ask('d1', 'mei')).rejects.toThrow(/not connected to the forum/);

    expect(await connectForum(w.deps, DISCORD, 'mod', T0)).toBe(FORUM);
    expect(await readPairedGuild(w.db, DISCORD)).toBe(FORUM);
    expect(await readPairedGuild(w.db, FORUM)).toBe(DISCORD);
    await expect(connectForum(w.deps, FORUM, '7', T0)).rejects.toThrow(/on Discord/);
    await w.ask('d1', 'mei');
    await confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect(await readCounterpart(w.db, DISCORD, 'd1')).toEqual({ guildId: FORUM, memberId: '7' });
    expect(await readCounterpart(w.db, FORUM, '7')).toEqual({ guildId: DISCORD, memberId: 'd1' });

    expect(await disconnectForum(w.deps, DISCORD, 'mod', T0 + 1)).toBe(true);
    expect(await disconnectForum(w.deps, DISCORD, 'mod', T0 + 2)).toBe(false);
    // Stored, but nobody is merged while the community is not paired.
    expect((await linkOf(w.db, DISCORD, 'd1'))?.linkedAt).toBe(T0);
    expect(await readCounterpart(w.db, DISCORD, 'd1')).toBeNull();
    expect(await readCounterpart(w.db, FORUM, '7')).toBeNull();
    expect(await auditOf(w.db, DISCORD)).toEqual([
      { action: 'forum.connect', actor: 'mod' },
      { action: 'forum.disconnect', actor: 'mod' },
    ]);
    // Reconnecting restores the merge from the stored link.
    await connectForum(w.deps, DISCORD, 'mod', T0 + 3);
    expect(await readCounterpart(w.db, FORUM, '7')).toEqual({ guildId: DISCORD, memberId: 'd1' });
  });

  it('GIVEN the forum connected to another server THEN connect there is refused, names the holding server, and changes nothing until the holder disconnects', async () => {
    const w = await world(engine);
    await seedMembers(w.db, { id: DISCORD, platform: 'discord', name: 'Shader *Club*' }, [], T0);
    await w.ask('d1', 'mei');
    await confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    let refusal = '';
    try {
      await connectForum(w.deps, 'g2', 'mod2', T0 + 5);
    } catch (error) {
      expect(error).toBeInstanceOf(UserFacingError);
      refusal = (error as Error).message;
    }
    expect(refusal).toContain('Shader \\*Club\\*');
    expect(refusal).toContain('/convene forum disconnect');
    expect(await readPairedGuild(w.db, FORUM)).toBe(DISCORD);
    expect(await readPairedGuild(w.db, 'g2')).toBeNull();
    expect(await readCounterpart(w.db, FORUM, '7')).toEqual({ guildId: DISCORD, memberId: 'd1' });
    expect(await auditOf(w.db, 'g2')).toEqual([]);

    // The holder lets go; then the other server may connect.
    expect(await disconnectForum(w.deps, DISCORD, 'mod', T0 + 6)).toBe(true);
    expect(await connectForum(w.deps, 'g2', 'mod2', T0 + 7)).toBe(FORUM);
    expect(await readPairedGuild(w.db, FORUM)).toBe('g2');
    // d1's link was made in g1: it does not make '7' anyone in g2.
    expect(await readCounterpart(w.db, FORUM, '7')).toBeNull();
  });

  it('GIVEN a pending code THEN nobody is merged yet; "@convene link remove" on the forum splits a confirmed link', async () => {
    const w = await world(engine);
    await w.ask('d1', 'mei');
    expect(await removeLink(w.deps, FORUM, '7')).toBe(false);
    await confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect(await removeLink(w.deps, FORUM, '8')).toBe(false);
    expect(await removeLink(w.deps, FORUM, '7')).toBe(true);
    expect(await linkOf(w.db, DISCORD, 'd1')).toBeUndefined();
  });
});

describe.each(ENGINES)('the community pair on %s', (engine) => {
  it('GIVEN two servers connecting the configured forum at once THEN one holds it and the other is told who does', async () => {
    const w = await world(engine);
    await unpairCommunity(w.db, DISCORD);
    // Several rounds: the interleaving that matters (one commits between the other's check and write) is a matter of timing.
    for (let round = 0; round < 5; round++) {
      const [a, b] = [`a${round}`, `b${round}`];
      const outcomes = await Promise.allSettled([
        connectForum(w.deps, a, 'mod2', T0 + round),
        connectForum(w.deps, b, 'mod3', T0 + round),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(UserFacingError);
      expect(String(refused.reason.message)).toMatch(/already connected to another Discord server/);
      const holder = await readPairedGuild(w.db, FORUM);
      expect([a, b]).toContain(holder);
      expect((await auditOf(w.db, holder === a ? b : a)).length).toBe(0);
      expect(await disconnectForum(w.deps, holder!, 'mod', T0 + round)).toBe(true);
    }
  });

  it('GIVEN this server already holds the forum THEN connecting again keeps the pair', async () => {
    const w = await world(engine);
    expect(await connectForum(w.deps, DISCORD, 'mod', T0)).toBe(FORUM);
    expect(await readPairedGuild(w.db, FORUM)).toBe(DISCORD);
  });
});

describe.each(CONFIRMING)('one profile on linking on %s', (engine) => {
  it('GIVEN the forum account declared interests and the Discord one did not THEN linking fills the Discord profile; a declared one is kept', async () => {
    const w = await world(engine);
    await setDeclared(
      w.db,
      FORUM,
      asMemberId('7'),
      { interests: ['PCB layout'], about: 'hi', timezone: 'Asia/Tokyo' },
      T0,
    );
    await setDeclared(w.db, FORUM, asMemberId('8'), { interests: ['robots'], about: '', timezone: null }, T0);
    await setDeclared(
      w.db,
      asGuildId(DISCORD),
      asMemberId('d2'),
      { interests: ['rust'], about: '', timezone: null },
      T0,
    );
    await w.ask('d1', 'mei');
    await confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect((await readProfileRow(w.db, asGuildId(DISCORD), 'd1'))?.declared).toMatchObject({
      interests: ['PCB layout'],
      timezone: 'Asia/Tokyo',
    });
    await w.ask('d2', 'kofi', '222222');
    await confirmLink(w.deps, DISCORD, 'd2', '222222', T0);
    expect((await readProfileRow(w.db, asGuildId(DISCORD), 'd2'))?.declared?.interests).toEqual(['rust']);
  });
});
