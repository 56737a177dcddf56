/**
 * A small community on a real SQLite database: events go through the real ingest applier, then to
 * the questions service exactly as the ingestor would call it (only when the event was fresh).
 * `db` is the synchronous handle (what some tests still read the tables with), `store` the same
 * connection as a Database for the questions feature's async store.
 */
import { asc } from 'drizzle-orm';
import type { Action } from '../../../src/actions.js';
import type { CommandContext, CommandDefinition, Deps, Reply, RuntimeStatus } from '../../../src/commands.js';
import { runCommand } from '../../../src/commands.js';
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
  type Platform,
} from '../../../src/events.js';
import { handleEvent } from '../../../src/features/questions/service.js';
import { changeSettings, type GuildSettings } from '../../../src/guildSettings.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Tuesday 2026-03-03 10:00 UTC: daytime for members in UTC. */
export const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

export function makeWorld(guild = 'g1', platform: Platform = 'discord') {
  const db = makeTestDb();
  const store = sqliteDatabase(db);
  const apply = eventApplier();
  const guildId: GuildId = asGuildId(guild);
  const base = { platform, guildId };
  let seq = 0;

  /** Store the event; when it changed something, let the feature react (as the ingestor does). */
  const push = (event: CommunityEvent, opts: { silent?: boolean } = {}): Promise<boolean> =>
    // As the ingestor does: the event and the feature's work in one transaction (the feature in a savepoint).
    transaction(store, async (tx) => {
      const fresh = await apply(tx, event, { storeMessageText: false });
      if (fresh && !opts.silent) await transaction(tx, (savepoint) => handleEvent(savepoint, event));
      return fresh;
    });

  const world = {
    db,
    store,
    guildId,
    push,
    guild(at = T0 - 60 * DAY) {
      return push({ ...base, kind: 'guild.upserted', at, name: 'Test Guild' });
    },
    channel(id: string, name: string, channelKind: ChannelKind = 'text', at = T0 - 60 * DAY) {
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
    join(member: string, opts: { at?: number; bot?: boolean; moderator?: boolean } = {}) {
      return push({
        ...base,
        kind: 'member.joined',
        at: opts.at ?? T0 - 59 * DAY,
        memberId: asMemberId(member),
        username: member,
        displayName: member,
        bot: opts.bot ?? false,
        roles: [],
        moderator: opts.moderator ?? false,
      });
    },
    /** A forum post: the thread, then its opening message (Discord: same id as the thread). */
    async post(
      id: string,
      forum: string,
      asker: string,
      title: string,
      at: number,
      opts: { body?: string; tags?: string[]; silent?: boolean; mentions?: string[] } = {},
    ) {
      await push(
        {
          ...base,
          kind: 'thread.upserted',
          at,
          threadId: asChannelId(id),
          parentId: asChannelId(forum),
          name: title,
          ownerId: asMemberId(asker),
          tags: opts.tags ?? [],
          archived: false,
          createdAt: at,
        },
        opts,
      );
      await world.message(asker, id, at, {
        id,
        content: opts.body ?? title,
        silent: opts.silent,
        mentions: opts.mentions,
      });
    },
    tag(id: string, forum: string, asker: string, title: string, createdAt: number, tags: string[], at: number) {
      return push({
        ...base,
        kind: 'thread.upserted',
        at,
        threadId: asChannelId(id),
        parentId: asChannelId(forum),
        name: title,
        ownerId: asMemberId(asker),
        tags,
        archived: false,
        createdAt,
      });
    },
    async message(
      author: string,
      channel: string,
      at: number,
      opts: {
        id?: string;
        replyTo?: string;
        content?: string;
        bot?: boolean;
        silent?: boolean;
        mentions?: string[];
      } = {},
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
          authorIsBot: opts.bot ?? false,
          replyToId: opts.replyTo ? asMessageId(opts.replyTo) : null,
          mentionIds: (opts.mentions ?? []).map(asMemberId),
          content: opts.content ?? 'thanks, that helps',
        },
        { silent: opts.silent },
      );
      return id;
    },
    react(member: string, messageId: string, channel: string, emoji: string, at: number, added = true) {
      return push({
        ...base,
        kind: added ? 'reaction.added' : 'reaction.removed',
        at,
        messageId: asMessageId(messageId),
        channelId: asChannelId(channel),
        memberId: asMemberId(member),
        emoji,
      });
    },
    accept(thread: string, messageId: string, by: string, at: number, accepted = true) {
      return push({
        ...base,
        kind: 'answer.accepted',
        at,
        threadId: asChannelId(thread),
        messageId: asMessageId(messageId),
        byMemberId: asMemberId(by),
        accepted,
      });
    },
    settings(change: (s: GuildSettings) => GuildSettings, at = T0 - 50 * DAY): Promise<GuildSettings> {
      return changeSettings(sqliteDatabase(db), guildId, 'system', 'test', change, at);
    },
    outbox() {
      return db
        .select({ key: outbox.key, action: outbox.action })
        .from(outbox)
        .orderBy(asc(outbox.id))
        .all()
        .map((r) => ({ key: r.key, action: r.action as Action }));
    },
    deps(): Deps {
      const status: RuntimeStatus = {
        startedAt: T0,
        platforms: {},
        intents: { messageContent: true, guildMembers: true },
      };
      return { db, config: loadConfig({}), log: createLogger('silent'), status, wakeOutbox: () => {} };
    },
    run(
      // biome-ignore lint/suspicious/noExplicitAny: any command definition
      def: CommandDefinition<any>,
      options: Record<string, unknown>,
      as: { id: string; moderator?: boolean; channelId?: string | null; now?: number },
    ): Promise<Reply> {
      const ctx: CommandContext = {
        platform: 'discord',
        guild: { id: guildId, name: 'Test Guild' },
        member: { id: asMemberId(as.id), displayName: as.id, moderator: as.moderator ?? false },
        channelId: as.channelId ? asChannelId(as.channelId) : null,
        options: options as never,
        deps: world.deps(),
        now: as.now ?? T0,
      };
      return runCommand(def, ctx);
    },
  };
  return world;
}

/**
 * A forum community: #help (forum), #general (text); "ada" answered rendering questions, "bo"
 * answered networking ones, "cy" asks; everyone posts in UTC daytime so they read as UTC.
 */
export async function makeCommunity() {
  const w = makeWorld();
  await w.guild();
  await w.channel('help', 'help', 'forum');
  await w.channel('general', 'general', 'text');
  for (const m of ['ada', 'bo', 'cy', 'dee', 'eve']) await w.join(m);
  const history: [string, string, string, string][] = [
    ['old1', 'dee', 'shader compile error on vulkan', 'ada'],
    ['old2', 'eve', 'shader uniforms not updating', 'ada'],
    ['old3', 'dee', 'vulkan validation layer crash', 'ada'],
    ['old4', 'eve', 'replication of physics state over network', 'bo'],
    ['old5', 'dee', 'network lag and replication jitter', 'bo'],
  ];
  for (const [i, [id, asker, title, answerer]] of history.entries()) {
    const at = T0 - (20 - i) * DAY;
    await w.post(id, 'help', asker, title, at, { body: `${title}. any idea?` });
    await w.message(answerer, id, at + HOUR, { content: `about ${title}: try this` });
  }
  // Daytime chatter so that everyone's hours say UTC.
  for (const m of ['ada', 'bo', 'cy', 'dee', 'eve']) {
    for (let d = 1; d <= 10; d++) await w.message(m, 'general', T0 - d * DAY - 2 * HOUR, { content: 'morning all' });
  }
  return w;
}
