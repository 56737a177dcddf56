/**
 * Retention: message metadata older than the guild's retention is deleted, and so is the first line a
 * help-channel question was named by (a thread's name is the channel's, kept with the channel); sent
 * messages older than sentRetentionDays lose their text; old scan runs pruned.
 */
import { and, eq, isNotNull, like, lt, ne } from 'drizzle-orm';
import { checkpointTruncate, type Db } from '../../db/connection.js';
import { jobRuns, messages, questions, reactions } from '../../db/schema.js';
import type { GuildId } from '../../events.js';
import { getSettings } from '../../guildSettings.js';
import { redactFinishedBefore } from '../../outbox/store.js';
import type { JobDefinition } from '../../scheduler/job.js';

const DAY = 86_400_000;
/** Scan runs are bookkeeping, one per interval: two days of them are enough to see what happened. */
const KEEP_SCAN_RUNS_MS = 2 * DAY;

export function applyRetention(
  db: Db,
  guildId: GuildId,
  now: number,
): { messages: number; runs: number; redacted: number } {
  const { retentionDays: days, sentRetentionDays } = getSettings(db, guildId).core;
  let removed = 0;
  if (days > 0) {
    const cutoff = now - days * DAY;
    db.transaction((tx) => {
      tx.delete(reactions)
        .where(and(eq(reactions.guildId, guildId), lt(reactions.createdAt, cutoff)))
        .run();
      removed = tx
        .delete(messages)
        .where(and(eq(messages.guildId, guildId), lt(messages.createdAt, cutoff)))
        .run().changes;
      tx.update(questions)
        .set({ title: null })
        .where(
          and(
            eq(questions.guildId, guildId),
            lt(questions.askedAt, cutoff),
            ne(questions.questionId, questions.channelId),
            isNotNull(questions.title),
          ),
        )
        .run();
    });
  }
  const runs = db
    .delete(jobRuns)
    .where(
      and(eq(jobRuns.guildId, guildId), like(jobRuns.period, 'scan-%'), lt(jobRuns.startedAt, now - KEEP_SCAN_RUNS_MS)),
    )
    .run().changes;
  // What Convene sent keeps its text only for a while (members are named in it): key and result stay.
  const redacted = redactFinishedBefore(db, guildId, now - sentRetentionDays * DAY);
  // The redacted text must not stay behind in the WAL either (secure_delete cleans the file itself).
  if (redacted > 0) checkpointTruncate(db);
  return { messages: removed, runs, redacted };
}

export const retentionJob: JobDefinition = {
  name: 'core.retention',
  schedule: { kind: 'scan' },
  run(deps, guildId, _period, now) {
    const result = applyRetention(deps.db, guildId, now);
    if (result.messages > 0 || result.redacted > 0)
      deps.log.info({ guildId, ...result }, 'retention: removed old data');
  },
};
