/**
 * What the Discord backfill needs to know of the store: the messages (with their reactions) it
 * holds for a stretch of a channel, the newest one, and the members it believes are present. What
 * the sender notes of the bot's own messages is in ./sentNotes.ts.
 */
import { and, between, desc, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import type { HeldMessage } from './reconcile.js';

/** Messages of a channel created within [from, to] (epoch ms, inclusive), with who reacted how. */
export async function heldMessages(
  db: Database,
  guildId: GuildId,
  channelId: string,
  from: number,
  to: number,
): Promise<HeldMessage[]> {
  const { messages, reactions } = db.tables;
  const rows = await db
    .select({ id: messages.messageId, editedAt: messages.editedAt, deletedAt: messages.deletedAt })
    .from(messages)
    .where(
      and(eq(messages.guildId, guildId), eq(messages.channelId, channelId), between(messages.createdAt, from, to)),
    );
  if (rows.length === 0) return [];
  const byMessage = new Map<string, Map<string, string[]>>();
  const ids = rows.map((r) => r.id);
  // SQLite allows 32k bound parameters; a page is 100 messages.
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db
      .select({ messageId: reactions.messageId, memberId: reactions.memberId, emoji: reactions.emoji })
      .from(reactions)
      .where(and(eq(reactions.guildId, guildId), inArray(reactions.messageId, ids.slice(i, i + 500))));
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
export async function newestMessageAt(db: Database, guildId: GuildId, channelId: string): Promise<number | undefined> {
  const { messages } = db.tables;
  const [newest] = await db
    .select({ at: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), eq(messages.channelId, channelId)))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return newest?.at;
}

/** Members we saw join and not leave. */
export async function presentMembers(db: Database, guildId: GuildId): Promise<string[]> {
  const { members } = db.tables;
  const rows = await db
    .select({ id: members.memberId })
    .from(members)
    .where(and(eq(members.guildId, guildId), isNotNull(members.joinedAt), isNull(members.leftAt)));
  return rows.map((r) => r.id);
}

const INTERACTIONS_KEPT_MS = 60 * 60_000;

/**
 * Take an interaction for this process: null when it is ours to run, else the owner token of the
 * process that took it first (it runs the same shard: see discordInteractions).
 */
export function claimInteraction(
  db: Database,
  interactionId: string,
  owner: string,
  now: number,
): Promise<string | null> {
  return transaction(db, async (tx) => {
    const { discordInteractions } = tx.tables;
    await tx.delete(discordInteractions).where(lt(discordInteractions.at, now - INTERACTIONS_KEPT_MS));
    const taken = await tx
      .insert(discordInteractions)
      .values({ interactionId, owner, at: now })
      .onConflictDoNothing()
      .returning({ id: discordInteractions.interactionId });
    if (taken.length === 1) return null;
    const [holder] = await tx
      .select({ owner: discordInteractions.owner })
      .from(discordInteractions)
      .where(eq(discordInteractions.interactionId, interactionId));
    return holder?.owner ?? 'another process';
  });
}
