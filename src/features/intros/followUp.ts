/** "Did you meet?" a while after each intro, and the answers (feedback buttons). */
import { UserFacingError } from '../../commands.js';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { enqueueOn } from '../../outbox/store.js';
import { accountOfKey, type Community, communityOf } from './community.js';
import { displayNames, inIntros } from './facts.js';
import { followUpItems, type Recipient } from './messages.js';
import { nextRoundAt, skipUntilAfter } from './schedule.js';
import {
  dueFollowUps,
  type FeedbackAnswer,
  getIntro,
  type IntroRow,
  lockMembers,
  recordFeedback,
  setSkipUntil,
  updateIntro,
} from './store.js';

/**
 * The follow-ups of the due intros (pure): each intro's "Did you meet?" messages to those still in
 * intros. Every due intro is in the plan (marked followed up), even when nobody is left to ask.
 */
export function planFollowUps(
  platform: Platform,
  guildId: GuildId,
  due: readonly Pick<IntroRow, 'introId' | 'memberIds'>[],
  consent: ReadonlySet<string>,
  names: ReadonlyMap<string, string>,
  c: Community | null,
) {
  // Paired: members of the other platform are asked there (their key says which account; a linked
  // person is asked on this guild's platform, where the buttons work).
  const accountOf = (id: string): Recipient => (c ? accountOfKey(c, id) : { platform, guildId, memberId: id });
  return due.map((intro) => ({
    introId: intro.introId,
    items: followUpItems(guildId, intro, consent, names, accountOf),
  }));
}

export async function sendFollowUps(
  db: Database,
  platform: Platform,
  guildId: GuildId,
  now: number,
  attempt = 1,
): Promise<number> {
  const due = await dueFollowUps(db, guildId, now);
  if (due.length === 0) return 0;
  const everyone = [...new Set(due.flatMap((d) => d.memberIds))];
  const c = await communityOf(db, guildId);
  const [consent, names] = await Promise.all([
    inIntros(db, guildId, c, everyone),
    displayNames(db, guildId, c, everyone),
  ]);
  const plan = planFollowUps(platform, guildId, due, consent, names, c);
  const enqueued = await transaction(db, async (tx) => {
    // Read before this transaction: an intro erased with one of its members, or a member gone from
    // intros, meanwhile must not be asked about. Checked again here (the members' intros rows locked
    // on PostgreSQL); when anything changed, the follow-ups are planned again.
    await lockMembers(tx, guildId, everyone);
    const stillDue = new Set((await dueFollowUps(tx, guildId, now)).map((d) => d.introId));
    const stillIn = await inIntros(tx, guildId, c, everyone);
    if (due.some((d) => !stillDue.has(d.introId)) || everyone.some((id) => consent.has(id) !== stillIn.has(id)))
      return null;
    let enqueued = 0;
    for (const { introId, items } of plan) {
      enqueued += await enqueueOn(tx, items, now);
      await updateIntro(tx, guildId, introId, { followedUpAt: now });
    }
    return enqueued;
  });
  if (enqueued !== null) return enqueued;
  if (attempt >= 3) throw new Error('intros follow-ups: who is due kept changing while they were planned');
  return sendFollowUps(db, platform, guildId, now, attempt + 1);
}

/**
 * What an answer changes (pure): only the intro's members may answer; "skip" keeps them out of the
 * next round (`nextRound`, null when none is scheduled) and no further.
 */
export function decideFeedback(
  intro: Pick<IntroRow, 'memberIds'> | null,
  memberId: string,
  answer: FeedbackAnswer,
  nextRound: number | null,
  now: number,
): { skipUntil: number | null } {
  if (!intro?.memberIds.includes(memberId)) throw new UserFacingError('This question was for someone else.');
  return { skipUntil: answer === 'skip' ? skipUntilAfter(nextRound, now) : null };
}

export async function giveFeedback(
  db: Database,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  answer: FeedbackAnswer,
  now: number,
): Promise<void> {
  const intro = await getIntro(db, guildId, introId);
  const next = answer === 'skip' && intro?.memberIds.includes(memberId) ? await nextRoundAt(db, guildId, now) : null;
  const { skipUntil } = decideFeedback(intro, memberId, answer, next, now);
  await transaction(db, async (tx) => {
    await recordFeedback(tx, guildId, introId, memberId, answer, now);
    if (skipUntil !== null) await setSkipUntil(tx, guildId, memberId, skipUntil, now);
  });
}
