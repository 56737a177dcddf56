/**
 * Statements on ingest's hot path, prepared on better-sqlite3 directly: a message is stored with
 * one positional statement (drizzle's placeholder mapping costs as much as SQLite's insert here).
 * Keep the SQL portable: it is the same INSERT … ON CONFLICT DO NOTHING Postgres accepts.
 */
import type { Db } from './connection.js';

export interface MessageRow {
  guildId: string;
  messageId: string;
  channelId: string;
  parentChannelId: string;
  authorId: string;
  replyToId: string | null;
  mentionIds: readonly string[];
  createdAt: number;
  terms: string;
  content: string | null;
}

/** Insert a message unless it exists (the caller decides terms and text). */
export function prepareMessageInsert(db: Db): (row: MessageRow) => boolean {
  const statement = db.$client.prepare(
    `INSERT INTO messages (guild_id, message_id, channel_id, parent_channel_id, author_id, reply_to_id, mention_ids, created_at, terms, content)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  return (r) =>
    statement.run(
      r.guildId,
      r.messageId,
      r.channelId,
      r.parentChannelId,
      r.authorId,
      r.replyToId,
      r.mentionIds.length ? JSON.stringify(r.mentionIds) : '[]',
      r.createdAt,
      r.terms,
      r.content,
    ).changes > 0;
}
