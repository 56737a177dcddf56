/**
 * What the sender notes of the bot's own messages: their nonces (lookBack.ts tells a resend's message
 * from an identical one by them). Written by the sender, which runs in the outbox drain, so on both
 * engines (src/db/database.ts).
 */
import { inArray, lt } from 'drizzle-orm';
import type { Database } from '../../db/database.js';

const SENT_KEPT_MS = 86_400_000;

/** Note one of the bot's messages and its nonce; notes older than a day go. */
export async function recordSent(
  db: Database,
  sent: { messageId: string; channelId: string; nonce: string },
  now: number,
): Promise<void> {
  const { discordSent } = db.tables;
  await db.delete(discordSent).where(lt(discordSent.at, now - SENT_KEPT_MS));
  await db
    .insert(discordSent)
    .values({ ...sent, at: now })
    .onConflictDoNothing();
}

/** The nonces noted for these messages (absent: not noted). */
export async function sentNonces(db: Database, messageIds: readonly string[]): Promise<Map<string, string>> {
  if (messageIds.length === 0) return new Map();
  const { discordSent } = db.tables;
  const rows = await db
    .select({ id: discordSent.messageId, nonce: discordSent.nonce })
    .from(discordSent)
    .where(inArray(discordSent.messageId, [...messageIds]));
  return new Map(rows.map((r) => [r.id, r.nonce]));
}
