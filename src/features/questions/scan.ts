/**
 * One scan of a guild: decide the nudges and escalations due now and write them. Facts first (which
 * questions are open, who could be asked, what the messages say: scanFacts.ts), each decision in pure
 * code (nudgePolicy.ts, scanPlan.ts), then one write per chunk. Each decision is re-checked inside the
 * transaction that writes it (still unanswered, unsolved, no reply in the messages, stage not reached
 * yet), so a reply that arrived meanwhile — or a restart, or a catch-up run — never produces a nudge
 * for an answered question, nor a second one at the same stage.
 */
import { type Database, transaction } from '../../db/database.js';
import { enqueueOn } from '../../outbox/store.js';
import type { LinkBase } from './links.js';
import { dueQuestions, dueStage, stillDue } from './nudgePolicy.js';
import { readOpenQuestions, readPeerFacts, readWordFacts, timingOf, watchedRows, wheresToPost } from './scanFacts.js';
import { composeNudges, type NudgeWrite, planNudges, summaryMessages, toOpen } from './scanPlan.js';
import { advanceStage, getQuestion, hasReply, recordNudges } from './store.js';

export interface ScanResult {
  /** Open questions looked at. */
  open: number;
  nudged: number;
  escalated: number;
}

/** Decisions written per transaction: each keeps other writers waiting only briefly. */
const CHUNK = 200;

export async function scanAndNudge(
  db: Database,
  guildId: string,
  now: number,
  links: LinkBase = {},
): Promise<ScanResult> {
  const result: ScanResult = { open: 0, nudged: 0, escalated: 0 };
  // Which questions: open, in a watched channel, a stage due and still timely.
  const { settings, rows, channels } = await readOpenQuestions(db, guildId, now);
  const s = settings.questions;
  if (!s.enabled) return result;
  const timing = timingOf(s);
  const open = watchedRows(rows, channels, s);
  result.open = open.length;
  const dueNow = dueQuestions(
    open.map((row) => ({ ...toOpen(row, { channelId: row.channelId, replyTo: null }), row })),
    timing,
    now,
  );
  if (dueNow.length === 0) return result;
  const peerDue = dueNow.some((q) => dueStage(q, timing, now) === 'peer');

  // Who and where: the peers who could be asked, the moderators, the budget, where each nudge goes; then the plan.
  const facts = await readPeerFacts(db, guildId, settings, peerDue, now);
  const wheres = await wheresToPost(
    db,
    guildId,
    dueNow.map(({ row }) => row),
  );
  const due = dueNow.map(({ row }) => ({ row, open: toOpen(row, wheres.get(row.questionId)!) }));
  const rules = {
    timing,
    guildTimezone: settings.core.timezone,
    helpersRoleId: s.helpersRoleId,
    moderatorRoleIds: settings.core.moderatorRoleIds,
  };
  const decisions = planNudges(due, facts, rules, now);
  if (decisions.length === 0) return result;

  // What the messages say, then the writes.
  const words = await readWordFacts(db, guildId, decisions, due, links, now);
  const writes = composeNudges(decisions, due, words, guildId, now);
  for (let i = 0; i < writes.length; i += CHUNK) {
    const chunk = writes.slice(i, i + CHUNK);
    await transaction(db, async (tx) => {
      const written: NudgeWrite[] = [];
      for (const w of chunk) {
        const row = await getQuestion(tx, guildId, w.decision.questionId);
        if (!row) continue;
        if (!stillDue(toOpen(row, w.where), w.decision.stage, timing, now)) continue;
        if (await hasReply(tx, guildId, row.questionId, row.askerId)) continue;
        if (!(await advanceStage(tx, guildId, row.questionId, w.decision.stage === 'peer' ? 1 : 2, now))) continue;
        await enqueueOn(tx, w.away, now);
        await recordNudges(tx, w.nudges);
        if (w.message) await enqueueOn(tx, [w.message], now);
        written.push(w);
        if (w.decision.stage === 'peer') result.nudged += 1;
        else result.escalated += 1;
      }
      // Written with the stages it reports: a crash before the commit sends neither, a rerun finds nothing due.
      await enqueueOn(tx, summaryMessages(written, words, guildId, now), now);
    });
  }
  return result;
}
