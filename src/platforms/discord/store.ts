/**
 * What the Discord backfill needs to know of the store: the messages (with their reactions) it
 * holds for a stretch of a channel, the newest one, and the members it believes are present. What
 * the sender notes of the bot's own messages is in ./sentNotes.ts.
 */
import { and, between, desc, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { discordInteractions, members, messages, reactions } from '../../db/schema.js';
import type { GuildId } from '../../events.js';
import type { HeldMessage } from './reconcile.js';

/** Messages of a channel created within [from, to] (epoch ms, inclusive), with who reacted how. */
export function heldMessages(db: Db, guildId: GuildId, channelId: string, from: number, to: number): HeldMessage[] {
  const rows = db
    .select({ id: messages.messageId, editedAt: messages.editedAt, deletedAt: messages.deletedAt })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), eq(messages.channelId, channelId), between(messages.createdAt, from, to)))
    .all();
  if (rows.length === 0) return [];
  const byMessage = new Map<string, Map<string, string[]>>();
  const ids = rows.map((r) => r.id);
  // SQLite allows 32k bound parameters; a page is 100 messages.
  for (let i = 0; i < ids.length; i += 500) {
    const found = db
      .select({ messageId: reactions.messageId, memberId: reactions.memberId, emoji: reactions.emoji })
      .from(reactions)
      .where(and(eq(reactions.guildId, guildId), inArray(reactions.messageId, ids.slice(i, i + 500))))
      .all();
    for (const r of found) {
      const emojis = byMessage.get(r.messageId) ?? new Map<string, string[]>();
      emojis.set(r.emoji, [...(emojis.get(r.emoji) ?? []), r.memberId]);
      byMessage.set(r.messageId, emojis);
    }
  }
  return rows.map((r) => ({
    id: r.id,
    editedAt: r.editedAt,
    deleted: r.deletedAt !== null,
    reactions: byMessage.get(r.id) ?? new Map(),
  }));
}

/** When the newest message we hold in a channel was posted (a channel synced before cursors existed). */
export function newestMessageAt(db: Db, guildId: GuildId, channelId: string): number | undefined {
  return db
    .select({ at: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), eq(messages.channelId, channelId)))
    .orderBy(desc(messages.createdAt))
    .limit(1)
    .get()?.at;
}

/** Members we saw join and not leave. */
export function presentMembers(db: Db, guildId: GuildId): string[] {
  return db
    .select({ id: members.memberId })
    .from(members)
    .where(and(eq(members.guildId, guildId), isNotNull(members.joinedAt), isNull(members.leftAt)))
    .all()
    .map((r) => r.id);
}

const INTERACTIONS_KEPT_MS = 60 * 60_000;

/**
 * Take an interaction for this process: null when it is ours to run, else the owner token of the
 * process that took it first (it runs the same shard: see discordInteractions).
 */
export function claimInteraction(db: Db, interactionId: string, owner: string, now: number): string | null {
  return db.transaction((tx) => {
    tx.delete(discordInteractions)
      .where(lt(discordInteractions.at, now - INTERACTIONS_KEPT_MS))
      .run();
    const taken = tx
      .insert(discordInteractions)
      .values({ interactionId, owner, at: now })
      .onConflictDoNothing()
      .returning({ id: discordInteractions.interactionId })
      .all();
    if (taken.length === 1) return null;
    return (
      tx
        .select({ owner: discordInteractions.owner })
        .from(discordInteractions)
        .where(eq(discordInteractions.interactionId, interactionId))
        .get()?.owner ?? 'another process'
    );
  });
}
