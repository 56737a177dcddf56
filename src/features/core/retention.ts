/**
 * Retention: message metadata older than the guild's retention is deleted, and so is the first line a
 * help-channel question was named by (a thread's name is the channel's, kept with the channel); sent
 * messages older than sentRetentionDays lose their text; old scan runs pruned.
 */
import { and, eq, isNotNull, like, lt, ne, sql } from 'drizzle-orm';
import { databaseOf } from '../../commands.js';
import { type Database, transaction, truncateWal } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import { redactFinishedBeforeOn } from '../../outbox/redaction.js';
import type { JobDefinition } from '../../scheduler/job.js';

const DAY = 86_400_000;
/** Scan runs are bookkeeping, one per interval: two days of them are enough to see what happened. */
const KEEP_SCAN_RUNS_MS = 2 * DAY;

export async function applyRetention(
  db: Database,
  guildId: GuildId,
  now: number,
): Promise<{ messages: number; runs: number; redacted: number }> {
  const { jobRuns, messages, questions, reactions } = db.tables;
  const { retentionDays: days, sentRetentionDays } = (await readSettings(db, guildId)).core;
  let removed = 0;
  if (days > 0) {
    const cutoff = now - days * DAY;
    removed = await transaction(db, async (tx) => {
      await tx.delete(reactions).where(and(eq(reactions.guildId, guildId), lt(reactions.createdAt, cutoff)));
      // A count, not the rows (a first run may delete a community's whole history).
      const gone = await tx.run(
        sql`DELETE FROM ${messages} WHERE ${messages.guildId} = ${guildId} AND ${messages.createdAt} < ${cutoff}`,
      );
      await tx
        .update(questions)
        .set({ title: null })
        .where(
          and(
            eq(questions.guildId, guildId),
            lt(questions.askedAt, cutoff),
            ne(questions.questionId, questions.channelId),
            isNotNull(questions.title),
          ),
        );
      return gone;
    });
  }
  const runs = (
    await db
      .delete(jobRuns)
      .where(
        and(
          eq(jobRuns.guildId, guildId),
          like(jobRuns.period, 'scan-%'),
          lt(jobRuns.startedAt, now - KEEP_SCAN_RUNS_MS),
        ),
      )
      .returning({ id: jobRuns.id })
  ).length;
  // What Convene sent keeps its text only for a while (members are named in it): key and result stay.
  const redacted = await transaction(db, (tx) => redactFinishedBeforeOn(tx, guildId, now - sentRetentionDays * DAY));
  // The redacted text must not stay behind in SQLite's WAL either (secure_delete cleans the file itself).
  if (redacted > 0) await truncateWal(db);
  return { messages: removed, runs, redacted };
}

export const retentionJob: JobDefinition = {
  name: 'core.retention',
  schedule: { kind: 'scan' },
  async run(deps, guildId, _period, now) {
    const result = await applyRetention(databaseOf(deps), guildId, now);
    if (result.messages > 0 || result.redacted > 0)
      deps.log.info({ guildId, ...result }, 'retention: removed old data');
  },
};
