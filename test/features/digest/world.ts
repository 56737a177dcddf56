/**
 * Communities for digest tests on a real SQLite database (real migrations): events go through the
 * real ingest applier, so the digest reads exactly what ingest writes.
 */

import { and, asc, eq } from 'drizzle-orm';
import type { Action, MessageBody } from '../../../src/actions.js';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import type { Db } from '../../../src/db/connection.js';
import { sqliteDatabase, transaction } from '../../../src/db/database.js';
import { outbox } from '../../../src/db/schema.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type ChannelKind,
  type CommunityEvent,
  type GuildId,
  type Platform,
} from '../../../src/events.js';
import { changeSettings, type GuildSettings } from '../../../src/guildSettings.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function makeDeps(db: Db): Deps & { wakes: number } {
  const deps = {
    db,
    config: loadConfig({}),
    log: createLogger('silent'),
    status: { startedAt: 0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakes: 0,
    wakeOutbox: () => {
      deps.wakes++;
    },
  };
  return deps;
}

/** One guild in a database (several guilds can share one database: pass `db`). */
export function makeGuild(id: string, name: string, options: { db?: Db; platform?: Platform; at?: number } = {}) {
  const db = options.db ?? makeTestDb();
  const apply = eventApplier();
  const database = sqliteDatabase(db);
  const guildId: GuildId = asGuildId(id);
  const base = { platform: options.platform ?? ('discord' as const), guildId };
  let seq = 0;
  // Not awaited, so that a week is built with plain calls: the transaction queues on the connection's
  // lock now, so every store call the test makes after this push runs after it.
  const push = (event: CommunityEvent) =>
    void transaction(database, (tx) => apply(tx, event, { storeMessageText: false }));
  push({ ...base, kind: 'guild.upserted', at: options.at ?? 0, name });

  return {
    db,
    guildId,
    push,
    channel(channelId: string, name: string, channelKind: ChannelKind = 'text', at = 0) {
      push({
        ...base,
        kind: 'channel.upserted',
        at,
        channelId: asChannelId(channelId),
        name,
        channelKind,
        parentId: null,
        topic: null,
      });
    },
    join(memberId: string, at: number, opts: { displayName?: string; bot?: boolean; moderator?: boolean } = {}) {
      push({
        ...base,
        kind: 'member.joined',
        at,
        memberId: asMemberId(memberId),
        username: memberId,
        displayName: opts.displayName ?? memberId,
        bot: opts.bot ?? false,
        roles: [],
        moderator: opts.moderator ?? false,
      });
    },
    leave(memberId: string, at: number) {
      push({ ...base, kind: 'member.left', at, memberId: asMemberId(memberId) });
    },
    thread(threadId: string, parent: string, owner: string, name: string, at: number, tags: string[] = []) {
      push({
        ...base,
        kind: 'thread.upserted',
        at,
        threadId: asChannelId(threadId),
        parentId: asChannelId(parent),
        name,
        ownerId: asMemberId(owner),
        tags,
        archived: false,
        createdAt: at,
      });
    },
    say(author: string, channelId: string, at: number, opts: { replyTo?: string; id?: string; bot?: boolean } = {}) {
      const messageId = opts.id ?? `${id}-m${++seq}`;
      push({
        ...base,
        kind: 'message.created',
        at,
        messageId: asMessageId(messageId),
        channelId: asChannelId(channelId),
        authorId: asMemberId(author),
        authorName: author,
        authorIsBot: opts.bot ?? false,
        replyToId: opts.replyTo ? asMessageId(opts.replyTo) : null,
        mentionIds: [],
        content: 'hello there',
      });
      return messageId;
    },
    settings(change: (s: GuildSettings) => GuildSettings, at = 0): Promise<GuildSettings> {
      return changeSettings(database, guildId, 'system', 'test', change, at);
    },
    /** The outbox rows of this guild, oldest first. */
    outbox(): { key: string; action: Action }[] {
      return db
        .select({ key: outbox.key, action: outbox.action })
        .from(outbox)
        .where(and(eq(outbox.guildId, guildId)))
        .orderBy(asc(outbox.id))
        .all()
        .map((r) => ({ key: r.key, action: r.action as Action }));
    },
  };
}

export type TestGuild = ReturnType<typeof makeGuild>;

/** Monday 2026-03-09 00:00 UTC: the digest of ISO week 2026-W11 covers 2–8 March. */
export const END = Date.UTC(2026, 2, 9);
export const START = END - 7 * DAY;
/** 2 March 2026 00:00 UTC + the given days and hours. */
export const at = (day: number, hour = 0, minute = 0) => START + day * DAY + hour * HOUR + minute * MINUTE;

/**
 * A week in a small community (times UTC), with the numbers the digest should find:
 * messages by members per day [2, 3, 6, 1, 1, 1, 0]; 7 active members; new members erin and frank
 * (gina joined and left); threads asked 4, answered 2 (t1 by bob after 1 h — the bot's faster
 * reply does not count — and t2 by moderator carol after 26 h); waiting: t0 (20 Feb) then t3;
 * retention cohort hank and lee (1 active); activation cohort jo and kim (1 wrote within 14 days).
 */
export function buildWeek(g: TestGuild, names: (id: string) => string = (id) => id) {
  const member = (id: string, when: number, opts: { bot?: boolean; moderator?: boolean } = {}) =>
    g.join(id, when, { displayName: names(id), ...opts });
  g.channel('general', 'general', 'text');
  g.channel('help', 'help', 'forum');
  for (const id of ['alice', 'bob']) member(id, Date.UTC(2026, 0, 1));
  member('carol', Date.UTC(2026, 0, 1), { moderator: true });
  member('helperbot', Date.UTC(2026, 0, 1), { bot: true });
  member('hank', Date.UTC(2026, 1, 3));
  member('lee', Date.UTC(2026, 1, 5));
  member('ivy', Date.UTC(2026, 1, 10));
  member('jo', Date.UTC(2026, 1, 17));
  member('kim', Date.UTC(2026, 1, 18));
  member('erin', at(1));
  member('frank', at(2));
  member('gina', at(3));
  g.leave('gina', at(4));

  g.say('jo', 'general', Date.UTC(2026, 1, 20));
  g.thread('t0', 'help', 'alice', names('Old unanswered question'), Date.UTC(2026, 1, 20));
  g.say('alice', 't0', Date.UTC(2026, 1, 20));
  g.thread('tOld', 'help', 'bob', 'Ancient question', Date.UTC(2026, 0, 20));
  g.say('bob', 'tOld', Date.UTC(2026, 0, 20));

  g.say('alice', 'general', at(0, 10));
  g.say('alice', 'general', at(0, 11));
  g.say('helperbot', 'general', at(0, 12), { bot: true });
  g.say('bob', 'general', at(1, 9));
  g.thread('t1', 'help', 'erin', names('How do I load a mesh?'), at(1, 10));
  g.say('erin', 't1', at(1, 10));
  g.say('helperbot', 't1', at(1, 10, 1), { bot: true });
  g.say('bob', 't1', at(1, 11));
  g.thread('t2', 'help', 'frank', names('Shader compile error'), at(2, 8));
  g.say('frank', 't2', at(2, 8));
  g.thread('intro', 'general', 'helperbot', names('alice meets bob'), at(2, 9));
  for (let i = 0; i < 5; i++) g.say(i % 2 ? 'bob' : 'alice', 'intro', at(2, 10 + i));
  g.say('carol', 't2', at(3, 10));
  g.thread('t3', 'help', 'hank', names('Physics jitter'), at(4, 12));
  g.say('hank', 't3', at(4, 12));
  g.thread('tSolved', 'help', 'ivy', 'Solved by myself', at(5, 9), ['Solved']);
  g.say('ivy', 'tSolved', at(5, 9));
}

/** Everything a digest message says, as one text: its content, embed titles, fields and footers. */
export const allText = (body: MessageBody) =>
  [
    body.content,
    ...(body.embeds ?? []).flatMap((e) => [
      e.title,
      e.description,
      e.footer,
      ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
    ]),
  ].join('\n');
