/** Account links on real SQLite with the real migrations: the code PM in the outbox, confirm, remove. */

import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { UserFacingError } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { outbox } from '../../../src/db/schema.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { setProfile } from '../../../src/features/intros/service.js';
import { profileRow } from '../../../src/features/intros/store.js';
import { CODE_TTL_MS } from '../../../src/features/links/code.js';
import { linksFeature } from '../../../src/features/links/feature.js';
import { counterpart, pairedGuild, pairGuilds, unpairGuild } from '../../../src/features/links/identity.js';
import { WRONG_CODES_PER_DAY } from '../../../src/features/links/limits.js';
import {
  confirmLink,
  connectForum,
  disconnectForum,
  removeLink,
  requestLink,
} from '../../../src/features/links/service.js';
import { confirmedLinksOfForum, linkOf } from '../../../src/features/links/store.js';
import { createEventApplier } from '../../../src/ingest/store.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const FORUM = asGuildId('discourse:forum.example');
const DISCORD = 'g1';

function world() {
  const db = makeTestDb();
  const config = loadConfig({
    DISCOURSE_URL: 'https://forum.example',
    DISCOURSE_API_KEY: 'k',
    DISCOURSE_API_USERNAME: 'convene',
  });
  const deps: Deps = {
    db,
    config,
    log: createLogger('silent'),
    status: { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const apply = createEventApplier(db);
  const base = { platform: 'discourse' as const, guildId: FORUM, at: T0 - 86_400_000 };
  db.transaction(() => {
    apply({ ...base, kind: 'guild.upserted', name: 'Forum' }, { storeMessageText: false });
    for (const [id, username] of [
      ['7', 'Mei'],
      ['8', 'kofi'],
    ] as const)
      apply(
        {
          ...base,
          kind: 'member.joined',
          memberId: asMemberId(id),
          username,
          displayName: username,
          bot: false,
          roles: [],
        },
        { storeMessageText: false },
      );
  });
  pairGuilds(db, { guildId: DISCORD, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 - 1 });
  const ask = (memberId: string, username: string, code = '123456', at = T0) =>
    requestLink(deps, { guildId: DISCORD, memberId, displayName: `Discord ${memberId}`, username }, at, code);
  return { db, deps, ask, outboxRows: () => db.select().from(outbox).all() };
}

describe('account links', () => {
  it('GIVEN /link discourse username:mei THEN the code goes by Discourse PM to that forum user, stored only as a hash', () => {
    const w = world();
    expect(w.ask('d1', '@MEI')).toBe('Mei');
    const [row] = w.outboxRows();
    expect(row).toMatchObject({ platform: 'discourse', guildId: FORUM });
    const action = typeof row!.action === 'string' ? JSON.parse(row!.action) : row!.action;
    expect(action).toMatchObject({ type: 'dm.send', memberId: '7' });
    expect(action.body.content).toContain('/link confirm code:123456');
    expect(action.body.mentions).toBeUndefined();
    const link = linkOf(w.db, DISCORD, 'd1')!;
    expect(link).toMatchObject({ otherGuildId: FORUM, otherMemberId: '7', linkedAt: null });
    expect(JSON.stringify(link)).not.toContain('123456');
  });

  it('GIVEN the right code within 15 minutes THEN the accounts are linked; /link remove splits them again', async () => {
    const w = world();
    w.ask('d1', 'mei');
    expect(confirmLink(w.deps, DISCORD, 'd1', '123456', T0 + 60_000)).toBe('7');
    expect(confirmedLinksOfForum(w.db, FORUM).map((l) => [l.memberId, l.otherMemberId])).toEqual([['d1', '7']]);
    expect(
      await linksFeature.privacy!.export(sqliteDatabase(w.db), asGuildId(DISCORD), asMemberId('d1')),
    ).toMatchObject({
      forumMemberId: '7',
    });
    expect(removeLink(w.deps, DISCORD, 'd1')).toBe(true);
    expect(confirmedLinksOfForum(w.db, FORUM)).toEqual([]);
    expect(removeLink(w.deps, DISCORD, 'd1')).toBe(false);
  });

  it.each([
    { what: 'a wrong code', code: '654321', at: T0 + 60_000, message: /does not match/ },
    { what: 'an expired code', code: '123456', at: T0 + CODE_TTL_MS + 1, message: /expired/ },
  ])('GIVEN $what THEN it is refused and nothing is linked', ({ code, at, message }) => {
    const w = world();
    w.ask('d1', 'mei');
    expect(() => confirmLink(w.deps, DISCORD, 'd1', code, at)).toThrow(message);
    expect(confirmedLinksOfForum(w.db, FORUM)).toEqual([]);
  });

  it('GIVEN too many wrong codes THEN even the right code no longer works', () => {
    const w = world();
    w.ask('d1', 'mei');
    for (let i = 0; i < WRONG_CODES_PER_DAY; i++)
      expect(() => confirmLink(w.deps, DISCORD, 'd1', '000000', T0)).toThrow(/does not match/);
    expect(() => confirmLink(w.deps, DISCORD, 'd1', '123456', T0)).toThrow(/no link waiting/);
  });

  it('GIVEN an unknown forum username, a forum user linked to someone else, or no forum THEN a clear refusal', () => {
    const w = world();
    expect(() => w.ask('d1', 'nobody')).toThrow(UserFacingError);
    w.ask('d1', 'mei');
    confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect(() => w.ask('d2', 'mei')).toThrow(/already linked/);
    const discordOnly: Deps = { ...w.deps, config: { ...w.deps.config, discourse: undefined } };
    expect(() =>
      requestLink(discordOnly, { guildId: DISCORD, memberId: 'd3', displayName: 'D3', username: 'kofi' }, T0),
    ).toThrow(/no Discourse forum/);
  });
});

/** Every refusal's text, or 'ok' when the call went through. */
function outcome(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(UserFacingError);
    return (error as Error).message;
  }
}

const pmsTo = (w: ReturnType<typeof world>, memberId: string) =>
  w.outboxRows().filter((r) => (r.action as { memberId?: string }).memberId === memberId).length;

describe('link limits', () => {
  it('GIVEN one member asks for a code twelve times in a day THEN the forum account gets 3 PMs and the member is told when to ask again', () => {
    const w = world();
    const replies = Array.from({ length: 12 }, (_, i) => outcome(() => w.ask('d1', 'mei', '123456', T0 + i * 60_000)));
    expect(replies.filter((r) => r === 'ok')).toHaveLength(3);
    expect(pmsTo(w, '7')).toBe(3);
    expect(replies[3]).toMatch(/You have asked for 3 link codes in the last 24 hours.*ask again in about 24 hours/);
    // The window slides: a day after the first request, one more is allowed.
    expect(outcome(() => w.ask('d1', 'mei', '123456', T0 + 86_400_000 + 1))).toBe('ok');
  });

  it('GIVEN four members ask for codes for the same forum account THEN it gets 3 PMs and the fourth is told why', () => {
    const w = world();
    const replies = ['d1', 'd2', 'd3', 'd4'].map((d, i) => outcome(() => w.ask(d, 'mei', '123456', T0 + i)));
    expect(replies.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(replies[3]).toMatch(/@Mei has been sent 3 link codes in the last 24 hours/);
    expect(pmsTo(w, '7')).toBe(3);
    // Another forum account is not affected.
    expect(outcome(() => w.ask('d4', 'kofi', '123456', T0 + 5))).toBe('ok');
  });

  it('GIVEN wrong codes across new requests and other requesters THEN 5 guesses a day are checked for that forum account, then it is locked', () => {
    const w = world();
    let checked = 0;
    const replies: string[] = [];
    for (const [i, d] of ['d1', 'd1', 'd1', 'd2', 'd3'].entries()) {
      if (outcome(() => w.ask(d, 'mei', '123456', T0 + i * 60_000)) !== 'ok') continue;
      for (let guess = 0; guess < 5; guess++) {
        const reply = outcome(() => confirmLink(w.deps, DISCORD, d, String(100000 + guess), T0 + i * 60_000 + guess));
        replies.push(reply);
        if (/does not match/.test(reply)) checked++;
      }
    }
    expect(checked).toBe(WRONG_CODES_PER_DAY);
    expect(replies[0]).toMatch(/does not match.*\(4 tries left today\)/);
    expect(replies[4]).toMatch(/5th wrong code for @Mei today: linking to that account is locked for about 24 hours/);
    // Locked: a new request for that account is refused, and the right code does not work either.
    expect(outcome(() => w.ask('d5', 'mei', '123456', T0 + 3_600_000))).toMatch(
      /Linking to @Mei is locked for about 23 hours/,
    );
    expect(confirmedLinksOfForum(w.db, FORUM)).toEqual([]);
    // A day later the lock has lifted.
    expect(outcome(() => w.ask('d5', 'mei', '654321', T0 + 86_400_000 + 10_000))).toBe('ok');
    expect(confirmLink(w.deps, DISCORD, 'd5', '654321', T0 + 86_400_000 + 20_000)).toBe('7');
  });

  it('GIVEN a requester erases their data THEN the forum account keeps its count and lock', async () => {
    const w = world();
    for (let i = 0; i < 3; i++) w.ask('d1', 'mei', '123456', T0 + i);
    await linksFeature.privacy!.erase(sqliteDatabase(w.db), asGuildId(DISCORD), asMemberId('d1'));
    const left = w.db.$client.prepare('SELECT guild_id, member_id FROM link_attempts').all();
    expect(left).toEqual(Array(3).fill({ guild_id: null, member_id: null }));
    expect(outcome(() => w.ask('d1', 'mei', '123456', T0 + 10))).toMatch(/@Mei has been sent 3 link codes/);
  });
});

describe('the community pair', () => {
  it('GIVEN no pair THEN /link discourse is refused; connect pairs and audits; disconnect splits but keeps the links', () => {
    const w = world();
    unpairGuild(w.db, DISCORD);
    expect(() => w.ask('d1', 'mei')).toThrow(/not connected to the forum/);

    expect(connectForum(w.deps, DISCORD, 'mod', T0)).toBe(FORUM);
    expect(pairedGuild(w.db, DISCORD)).toBe(FORUM);
    expect(pairedGuild(w.db, FORUM)).toBe(DISCORD);
    expect(() => connectForum(w.deps, FORUM, '7', T0)).toThrow(/on Discord/);
    w.ask('d1', 'mei');
    confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect(counterpart(w.db, DISCORD, 'd1')).toEqual({ guildId: FORUM, memberId: '7' });
    expect(counterpart(w.db, FORUM, '7')).toEqual({ guildId: DISCORD, memberId: 'd1' });

    expect(disconnectForum(w.deps, DISCORD, 'mod', T0 + 1)).toBe(true);
    expect(disconnectForum(w.deps, DISCORD, 'mod', T0 + 2)).toBe(false);
    // Stored, but nobody is merged while the community is not paired.
    expect(linkOf(w.db, DISCORD, 'd1')?.linkedAt).toBe(T0);
    expect(counterpart(w.db, DISCORD, 'd1')).toBeNull();
    expect(counterpart(w.db, FORUM, '7')).toBeNull();
    const audit = w.db.$client
      .prepare('SELECT action, actor_id AS actor FROM audit_log WHERE guild_id = ? ORDER BY id')
      .all(DISCORD);
    expect(audit).toEqual([
      { action: 'forum.connect', actor: 'mod' },
      { action: 'forum.disconnect', actor: 'mod' },
    ]);
    // Reconnecting restores the merge from the stored link.
    connectForum(w.deps, DISCORD, 'mod', T0 + 3);
    expect(counterpart(w.db, FORUM, '7')).toEqual({ guildId: DISCORD, memberId: 'd1' });
  });

  it('GIVEN the forum connected to another server THEN connect there is refused, names the holding server, and changes nothing until the holder disconnects', () => {
    const w = world();
    createEventApplier(w.db)(
      { platform: 'discord', guildId: asGuildId(DISCORD), at: T0, kind: 'guild.upserted', name: 'Shader *Club*' },
      { storeMessageText: false },
    );
    w.ask('d1', 'mei');
    confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    let refusal = '';
    try {
      connectForum(w.deps, 'g2', 'mod2', T0 + 5);
    } catch (error) {
      expect(error).toBeInstanceOf(UserFacingError);
      refusal = (error as Error).message;
    }
    expect(refusal).toContain('Shader \\*Club\\*');
    expect(refusal).toContain('/convene forum disconnect');
    expect(pairedGuild(w.db, FORUM)).toBe(DISCORD);
    expect(pairedGuild(w.db, 'g2')).toBeNull();
    expect(counterpart(w.db, FORUM, '7')).toEqual({ guildId: DISCORD, memberId: 'd1' });
    const audit = w.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE guild_id = 'g2'").get();
    expect(audit).toEqual({ n: 0 });

    // The holder lets go; then the other server may connect.
    expect(disconnectForum(w.deps, DISCORD, 'mod', T0 + 6)).toBe(true);
    expect(connectForum(w.deps, 'g2', 'mod2', T0 + 7)).toBe(FORUM);
    expect(pairedGuild(w.db, FORUM)).toBe('g2');
    // d1's link was made in g1: it does not make '7' anyone in g2.
    expect(counterpart(w.db, FORUM, '7')).toBeNull();
  });

  it('GIVEN this server already holds the forum THEN connecting again keeps the pair', () => {
    const w = world();
    expect(connectForum(w.deps, DISCORD, 'mod', T0)).toBe(FORUM);
    expect(pairedGuild(w.db, FORUM)).toBe(DISCORD);
  });

  it('GIVEN a pending code THEN nobody is merged yet; "@convene link remove" on the forum splits a confirmed link', () => {
    const w = world();
    w.ask('d1', 'mei');
    expect(removeLink(w.deps, FORUM, '7')).toBe(false);
    confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect(removeLink(w.deps, FORUM, '8')).toBe(false);
    expect(removeLink(w.deps, FORUM, '7')).toBe(true);
    expect(linkOf(w.db, DISCORD, 'd1')).toBeUndefined();
  });
});

describe('one profile on linking', () => {
  it('GIVEN the forum account declared interests and the Discord one did not THEN linking fills the Discord profile; a declared one is kept', () => {
    const w = world();
    setProfile(w.db, FORUM, asMemberId('7'), { interests: ['PCB layout'], about: 'hi', timezone: 'Asia/Tokyo' }, T0);
    setProfile(w.db, FORUM, asMemberId('8'), { interests: ['robots'], about: '', timezone: null }, T0);
    setProfile(w.db, asGuildId(DISCORD), asMemberId('d2'), { interests: ['rust'], about: '', timezone: null }, T0);
    w.ask('d1', 'mei');
    confirmLink(w.deps, DISCORD, 'd1', '123456', T0);
    expect(profileRow(w.db, asGuildId(DISCORD), 'd1')?.declared).toMatchObject({
      interests: ['PCB layout'],
      timezone: 'Asia/Tokyo',
    });
    w.ask('d2', 'kofi', '222222');
    confirmLink(w.deps, DISCORD, 'd2', '222222', T0);
    expect(profileRow(w.db, asGuildId(DISCORD), 'd2')?.declared?.interests).toEqual(['rust']);
  });
});
