/**
 * A small community on a real SQLite database: events go through the real ingest applier, then to
 * the journey service exactly as the ingestor would call it (only when the event was fresh).
 */
import { asc } from 'drizzle-orm';
import type { Action } from '../../../src/actions.js';
import type { Deps, RuntimeStatus } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
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
  type MemberId,
} from '../../../src/events.js';
import { handleEvent } from '../../../src/features/journey/service.js';
import { changeSettings, type GuildSettings } from '../../../src/guildSettings.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Monday 2026-03-02 09:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

export function makeWorld(guildName = 'Rust Gamedev') {
  const db = makeTestDb();
  const apply = eventApplier();
  const guildId: GuildId = asGuildId('g1');
  const base = { platform: 'discord' as const, guildId };
  let seq = 0;

  /** Store the event; when it changed something, let the journey react with the clock at `now`. */
  const database = sqliteDatabase(db);
  const push = async (event: CommunityEvent, now = event.at): Promise<number> => {
    const fresh = await transaction(database, (tx) => apply(tx, event, { storeMessageText: false }));
    return fresh ? handleEvent(database, event, now) : 0;
  };

  const world = {
    db,
    /** The same database through the engine-neutral API (what the ported journey takes). */
    database,
    guildId,
    push,
    guild(at = T0 - 30 * DAY) {
      return push({ ...base, kind: 'guild.upserted', at, name: guildName });
    },
    channel(id: string, name: string, at = T0 - 30 * DAY, channelKind: ChannelKind = 'text') {
      return push({
        ...base,
        kind: 'channel.upserted',
        at,
        channelId: asChannelId(id),
        name,
        channelKind,
        parentId: null,
        topic: null,
      });
    },
    thread(id: string, parent: string, owner: string, name: string, at: number) {
      return push({
        ...base,
        kind: 'thread.upserted',
        at,
        threadId: asChannelId(id),
        parentId: asChannelId(parent),
        name,
        ownerId: asMemberId(owner),
        tags: [],
        archived: false,
        createdAt: at,
      });
    },
    join(member: string, at: number, opts: { now?: number; displayName?: string; bot?: boolean } = {}) {
      return push(
        {
          ...base,
          kind: 'member.joined',
          at,
          memberId: asMemberId(member),
          username: member,
          displayName: opts.displayName ?? member,
          bot: opts.bot ?? false,
          roles: [],
        },
        opts.now ?? at,
      );
    },
    leave(member: string, at: number) {
      return push({ ...base, kind: 'member.left', at, memberId: asMemberId(member) });
    },
    async message(
      author: string,
      channel: string,
      at: number,
      opts: { id?: string; replyTo?: string; now?: number } = {},
    ): Promise<string> {
      const id = opts.id ?? `m${++seq}`;
      await push(
        {
          ...base,
          kind: 'message.created',
          at,
          messageId: asMessageId(id),
          channelId: asChannelId(channel),
          authorId: asMemberId(author),
          authorName: author,
          authorIsBot: false,
          replyToId: opts.replyTo ? asMessageId(opts.replyTo) : null,
          mentionIds: [],
          content: 'hello there',
        },
        opts.now ?? at,
      );
      return id;
    },
    react(member: string, messageId: string, channel: string, emoji: string, at: number) {
      return push({
        ...base,
        kind: 'reaction.added',
        at,
        messageId: asMessageId(messageId),
        channelId: asChannelId(channel),
        memberId: asMemberId(member),
        emoji,
      });
    },
    accept(thread: string, messageId: string, by: string, at: number) {
      return push({
        ...base,
        kind: 'answer.accepted',
        at,
        threadId: asChannelId(thread),
        messageId: asMessageId(messageId),
        byMemberId: asMemberId(by),
        accepted: true,
      });
    },
    settings(change: (s: GuildSettings) => GuildSettings, at = T0 - 29 * DAY): Promise<GuildSettings> {
      return changeSettings(sqliteDatabase(db), guildId, 'system', 'test', change, at);
    },
    /** Every outbox row, oldest first. */
    outbox() {
      return db
        .select({ key: outbox.key, action: outbox.action, notBefore: outbox.notBefore, createdAt: outbox.createdAt })
        .from(outbox)
        .orderBy(asc(outbox.id))
        .all()
        .map((r) => ({ ...r, action: r.action as Action }));
    },
    /** Outbox rows that message `member` (DMs to them, or channel posts that may ping them). */
    messagesTo(member: string) {
      return world
        .outbox()
        .filter(
          (r) =>
            (r.action.type === 'dm.send' && r.action.memberId === member) ||
            (r.action.type === 'message.send' && (r.action.body.mentions?.members ?? []).includes(member as MemberId)),
        );
    },
    deps(): Deps {
      const status: RuntimeStatus = {
        startedAt: T0,
        platforms: {},
        intents: { messageContent: true, guildMembers: true },
      };
      return { db, config: loadConfig({}), log: createLogger('silent'), status, wakeOutbox: () => {} };
    },
  };
  return world;
}

/** A community with a few channels, ready for members. */
export async function makeCommunity(guildName?: string) {
  const world = makeWorld(guildName);
  await world.guild();
  await world.channel('c-general', 'general');
  await world.channel('c-intro', 'introductions');
  await world.channel('c-help', 'help', T0 - 30 * DAY, 'forum');
  await world.channel('c-showcase', 'showcase');
  return world;
}
