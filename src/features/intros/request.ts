/**
 * "Introduce us" from /meet, and the other member's Accept or Decline. The facts a refusal needs
 * (consent, an open request, history) are read and judged first (requestPolicy.ts gateRequest);
 * then the pair's score and how both are reached, the decision (decideRequest), the names its
 * message needs, and the intro with its Actions in one transaction.
 */
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import { enqueueOn } from '../../outbox/store.js';
import { awayIdOf, nameFor } from './across.js';
import { type Community, communityOf, communityPool, handlesOf } from './community.js';
import { communityContext, displayNames, inIntros, namesFor, rowsOf, scoreContext } from './facts.js';
import { askAcrossItem, askItem, declinedItem, introductionActions } from './messages.js';
import { explain, quiet } from './reasons.js';
import {
  decideAccept,
  decideDecline,
  decideRequest,
  type GateFacts,
  gateRequest,
  meetRow,
  OPEN_REQUEST_MS,
  type RequestFacts,
} from './requestPolicy.js';
import { scorePair } from './score.js';
import {
  consentingIds,
  consentingProfiles,
  getIntro,
  insertIntro,
  introHistory,
  lockMembers,
  openRequest,
  rowToProfile,
  updateIntro,
} from './store.js';

const DAY_MS = 86_400_000;

/** What a refusal needs: consent, names, an open request, the pair's history. */
async function gateFacts(db: Database, guildId: GuildId, askerId: MemberId, otherId: MemberId, now: number) {
  const c = await communityOf(db, guildId);
  const ids = [askerId, otherId];
  const [names, consent, open, history] = await Promise.all([
    displayNames(db, guildId, c, ids),
    inIntros(db, guildId, c, ids),
    openRequest(db, guildId, askerId, otherId, now - OPEN_REQUEST_MS),
    introHistory(db, guildId, now),
  ]);
  return { c, names, gate: { consent, open, history } satisfies GateFacts };
}

/** The pair's score and, paired, how both are reached (for someone only on the other platform). */
async function pairFacts(
  db: Database,
  guildId: GuildId,
  c: Community | null,
  askerId: MemberId,
  otherId: MemberId,
  now: number,
) {
  const ids = [askerId, otherId];
  if (c) {
    const rows = await rowsOf(db, c, ids);
    const pool = await communityPool(db, c, rows.home, rows.away, now, false);
    const otherAway = awayIdOf(c.away, otherId) !== null;
    return {
      score: scorePair(askerId, otherId, await communityContext(db, c, pool, now)),
      otherAway,
      handles: otherAway ? await handlesOf(db, pool.contact, ids) : null,
    };
  }
  const rows = await consentingProfiles(db, guildId, ids);
  const profiles = new Map([...rows.values()].map((r) => [r.memberId, rowToProfile(r, now)]));
  const ctx = await scoreContext(db, guildId, profiles, new Set(rows.keys()), now);
  return { score: scorePair(askerId, otherId, ctx), otherAway: false, handles: null };
}

/** "Introduce us": ask `otherId` (DM with Accept / Decline). Returns the intro id. */
export async function requestIntro(
  db: Database,
  platform: Platform,
  guildId: GuildId,
  askerId: MemberId,
  otherId: MemberId,
  now: number,
): Promise<{ introId: string; otherName: string; already: boolean; where?: string }> {
  const { c, names, gate } = await gateFacts(db, guildId, askerId, otherId, now);
  const otherName = names.get(otherId) ?? 'them';
  const open = gateRequest(gate, askerId, otherId, now);
  if (open.kind === 'already') return { introId: open.introId, otherName, already: true };
  const facts: RequestFacts = { ...gate, ...(await pairFacts(db, guildId, c, askerId, otherId, now)) };
  const decision = decideRequest(facts, askerId, otherId, now);
  if (decision.kind === 'already') {
    const { introId, where } = decision;
    return { introId, otherName, already: true, ...(where !== undefined ? { where } : {}) };
  }

  const { introId, score } = decision;
  const why = explain(score, await namesFor(db, guildId, [score], c, now), otherId);
  if (decision.kind === 'askAcross' && c) {
    // Recorded as a made /meet intro (follow-up included), under the asker's guild; the asker is
    // told how to reach them back (the reply and the button say where).
    const settings = (await readSettings(db, c.home)).intros;
    const key = `intros:${c.home}:ask:${introId}`;
    const item = askAcrossItem(key, decision.asker, decision.other, why);
    const where = nameFor(decision.other, decision.asker, quiet).text;
    const made = await transaction(db, async (tx) => {
      // Facts read before the transaction may be stale: a second press made the intro meanwhile.
      await lockMembers(tx, c.home, [askerId, otherId]);
      const earlier = await openRequest(tx, c.home, askerId, otherId, now - OPEN_REQUEST_MS, 'made');
      if (earlier) return earlier.introId;
      await insertIntro(tx, {
        ...meetRow(c.home, introId, [askerId, otherId], score, now),
        status: 'made',
        threadKey: key,
        decidedAt: now,
        followUpAt: now + settings.followUpDays * DAY_MS,
      });
      await enqueueOn(tx, [item], now);
      return introId;
    });
    return { introId: made, otherName, already: made !== introId, where };
  }
  const item = askItem(platform, guildId, introId, otherId, names.get(askerId) ?? 'A member', why);
  const asked = await transaction(db, async (tx) => {
    // Facts read before the transaction may be stale: a second press asked meanwhile, or one of the
    // two was erased or left intros meanwhile (the gate's answer then, as if pressed now).
    await lockMembers(tx, guildId, [askerId, otherId]);
    gateRequest({ ...gate, consent: await consentingIds(tx, guildId, [askerId, otherId]) }, askerId, otherId, now);
    const earlier = await openRequest(tx, guildId, askerId, otherId, now - OPEN_REQUEST_MS);
    if (earlier) return earlier.introId;
    await insertIntro(tx, { ...meetRow(guildId, introId, [askerId, otherId], score, now), status: 'asked' });
    await enqueueOn(tx, [item], now);
    return introId;
  });
  return { introId: asked, otherName, already: asked !== introId };
}

/** The intro and who of its members is in intros (only an open /meet request needs the second). */
async function answerFacts(db: Database, guildId: GuildId, introId: string) {
  const intro = await getIntro(db, guildId, introId);
  const open = intro?.kind === 'meet' && intro.status === 'asked';
  const c = open ? await communityOf(db, guildId) : null;
  const consent = open ? await inIntros(db, guildId, c, intro.memberIds) : new Set<string>();
  return { intro, c, consent };
}

/** The other member accepted: open a private thread (or a DM to each), in one transaction. */
export async function acceptIntro(
  db: Database,
  platform: Platform,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  now: number,
): Promise<'made' | 'already' | 'declined' | 'gone'> {
  const { intro, c, consent } = await answerFacts(db, guildId, introId);
  const outcome = decideAccept(intro, memberId, consent);
  if (outcome === 'already' || outcome === 'declined') return outcome;
  if (outcome === 'gone') {
    await updateIntro(db, guildId, introId, { status: 'declined', decidedAt: now });
    return 'gone';
  }
  const [askerId, otherId] = intro!.memberIds as [string, string];
  const settings = (await readSettings(db, guildId)).intros;
  const { score, reasons } = intro!;
  const names = await namesFor(db, guildId, [{ a: askerId, b: otherId, score, reasons }], c, now);
  const key = `intros:${guildId}:meet:${introId}`;
  const items = introductionActions(
    platform,
    guildId,
    key,
    settings,
    [askerId, otherId],
    reasons,
    names,
    introId,
    'meet',
  );
  return transaction(db, async (tx) => {
    // Decided on reads made before this transaction: a Decline, an erasure or a leave that
    // committed meanwhile is seen here (the pair's intros rows locked on PostgreSQL), and wins.
    await lockMembers(tx, guildId, intro!.memberIds);
    const fresh = await answerFacts(tx, guildId, introId);
    const again = decideAccept(fresh.intro, memberId, fresh.consent);
    if (again === 'gone') await updateIntro(tx, guildId, introId, { status: 'declined', decidedAt: now });
    if (again !== 'made') return again;
    await updateIntro(tx, guildId, introId, {
      status: 'made',
      decidedAt: now,
      threadKey: items[0]!.key,
      followUpAt: now + settings.followUpDays * DAY_MS,
    });
    await enqueueOn(tx, items, now);
    return 'made' as const;
  });
}

/** The other member declined: the asker hears "not this time" and nothing more. */
export async function declineIntro(
  db: Database,
  platform: Platform,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  now: number,
): Promise<'declined' | 'already'> {
  const { intro, c, consent } = await answerFacts(db, guildId, introId);
  const { outcome } = decideDecline(intro, memberId, consent);
  if (outcome === 'already') return 'already';
  const [askerId, otherId] = intro!.memberIds as [string, string];
  const otherName = (await displayNames(db, guildId, c, [otherId])).get(otherId) ?? 'them';
  return transaction(db, async (tx) => {
    // As in Accept: an answer that committed meanwhile wins (the pair's rows locked on PostgreSQL).
    await lockMembers(tx, guildId, intro!.memberIds);
    const fresh = await answerFacts(tx, guildId, introId);
    const again = decideDecline(fresh.intro, memberId, fresh.consent);
    if (again.outcome === 'already') return 'already';
    await updateIntro(tx, guildId, introId, { status: 'declined', decidedAt: now });
    if (again.tellAsker) await enqueueOn(tx, [declinedItem(platform, guildId, introId, askerId, otherName)], now);
    return 'declined' as const;
  });
}
