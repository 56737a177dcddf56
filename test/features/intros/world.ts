/**
 * A small community on a real SQLite database for intros: events go through the real ingest
 * applier (and the intros feature's onEventStored), commands and buttons through runCommand/runButton.
 */
import { asc } from 'drizzle-orm';
import type { Action } from '../../../src/actions.js';
import {
  type ButtonDefinition,
  type CommandDefinition,
  type Deps,
  type Reply,
  type RuntimeStatus,
  runButton,
  runCommand,
} from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { sqliteDatabase, transaction } from '../../../src/db/database.js';
import { outbox } from '../../../src/db/schema.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type CommunityEvent,
  type GuildId,
  type Platform,
} from '../../../src/events.js';
import { introsFeature } from '../../../src/features/intros/feature.js';
import { changeSettings, type GuildSettings } from '../../../src/guildSettings.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2026-03-02 09:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

/**
 * A guild on a fresh database, or on `opts.db` beside another world (a paired Discord guild and
 * forum share one database); `opts.platform` makes it a forum ("discourse:<host>" ids).
 */
export function makeWorld(guild = 'g1', opts: { db?: ReturnType<typeof makeTestDb>; platform?: Platform } = {}) {
  const db = opts.db ?? makeTestDb();
  /** The same SQLite file through the async store (what the ported intros functions take). */
  const database = sqliteDatabase(db);
  const apply = eventApplier();
  const guildId: GuildId = asGuildId(guild);
  const platform: Platform = opts.platform ?? 'discord';
  const base = { platform, guildId };
  let seq = 0;
  const status: RuntimeStatus = { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } };
  const deps: Deps = {
    db,
    database,
    config: loadConfig({}),
    log: createLogger('silent'),
    status,
    wakeOutbox: () => {},
  };

  const push = (event: CommunityEvent) => {
    // The event and the feature's store work for it in one transaction, as ingest does. Not awaited,
    // so that events are pushed as plain calls: the transaction queues on the connection's lock now,
    // so every store call the test makes after this push runs after it.
    void transaction(database, async (tx) => {
      const fresh = await apply(tx, event, { storeMessageText: false });
      await transaction(
        tx,
        (savepoint) => introsFeature.onEventStored?.(deps, event, fresh, savepoint) ?? Promise.resolve(),
      );
    });
  };

  const w = {
    db,
    database,
    deps,
    guildId,
    push,
    setup() {
      push({ ...base, kind: 'guild.upserted', at: T0 - 400 * DAY, name: 'Shader Club' });
      for (const [id, name] of [
        ['c-general', 'general'],
        ['c-graphics', 'graphics'],
        ['c-audio', 'audio'],
        ['c-intros', 'intros'],
      ]) {
        push({
          ...base,
          kind: 'channel.upserted',
          at: T0 - 400 * DAY,
          channelId: asChannelId(id!),
          name: name!,
          channelKind: 'text',
          parentId: null,
          topic: null,
        });
      }
      return w;
    },
    member(id: string, displayName = id.charAt(0).toUpperCase() + id.slice(1), at = T0 - 300 * DAY, username = id) {
      push({
        ...base,
        kind: 'member.joined',
        at,
        memberId: asMemberId(id),
        username,
        displayName,
        bot: false,
        roles: [],
      });
    },
    leaveServer(id: string, at: number) {
      push({ ...base, kind: 'member.left', at, memberId: asMemberId(id) });
    },
    thread(id: string, parent: string, owner: string, name: string, at: number) {
      push({
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
    say(author: string, channel: string, content: string, at: number, opts: { replyTo?: string; id?: string } = {}) {
      const id = opts.id ?? `m${++seq}`;
      push({
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
        content,
      });
      return id;
    },
    accept(thread: string, messageId: string, by: string, at: number) {
      push({
        ...base,
        kind: 'answer.accepted',
        at,
        threadId: asChannelId(thread),
        messageId: asMessageId(messageId),
        byMemberId: asMemberId(by),
        accepted: true,
      });
    },
    settings(change: (s: GuildSettings) => GuildSettings, at = T0 - DAY): Promise<GuildSettings> {
      return changeSettings(sqliteDatabase(db), guildId, 'system', 'test', change, at);
    },
    outbox() {
      return db
        .select({ key: outbox.key, action: outbox.action, guildId: outbox.guildId, platform: outbox.platform })
        .from(outbox)
        .orderBy(asc(outbox.id))
        .all()
        .map((r) => ({ ...r, action: r.action as Action }));
    },
    /** Every outbox row that would reach `member`: DMs, threads they are added to, pings. */
    reaching(member: string) {
      return w.outbox().filter((r) => {
        const a = r.action;
        if (a.type === 'dm.send') return a.memberId === member;
        if (a.type === 'thread.create') return a.memberIds.includes(member as never);
        if (a.type === 'message.send') return (a.body.mentions?.members ?? []).includes(member as never);
        return false;
      });
    },
    run(
      // biome-ignore lint/suspicious/noExplicitAny: any command definition
      def: CommandDefinition<any>,
      as: string,
      options: Record<string, unknown> = {},
      now = T0,
      moderator = false,
    ): Promise<Reply> {
      return runCommand(def, {
        platform,
        guild: { id: guildId, name: 'Shader Club' },
        member: { id: asMemberId(as), displayName: as, moderator },
        channelId: null,
        options: options as never,
        deps,
        now,
      });
    },
    press(def: ButtonDefinition, as: string, arg: string, now = T0): Promise<Reply> {
      return runButton(def, {
        platform,
        guild: { id: guildId, name: 'Shader Club' },
        member: { id: asMemberId(as), displayName: as, moderator: false },
        channelId: null,
        arg,
        deps,
        now,
      });
    },
  };
  return w;
}

export type World = ReturnType<typeof makeWorld>;

/** The text of a reply. */
export const text = (r: Reply) => r.body.content;
