/**
 * "Introduce us" from /meet, and the other member's Accept or Decline. The facts a refusal needs
 * (consent, an open request, history) are read and judged first (requestPolicy.ts gateRequest);
 * then the pair's score and how both are reached, the decision (decideRequest), the names its
 * message needs, and the intro with its Actions in one transaction.
 */
import type { Db } from '../../db/connection.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { getSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
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
  consentingProfiles,
  getIntro,
  insertIntro,
  introHistory,
  openRequest,
  rowToProfile,
  updateIntro,
} from './store.js';

const DAY_MS = 86_400_000;

/** What a refusal needs: consent, names, an open request, the pair's history. */
function gateFacts(db: Db, guildId: GuildId, askerId: MemberId, otherId: MemberId, now: number) {
  const c = communityOf(db, guildId);
  const ids = [askerId, otherId];
  return {
    c,
    names: displayNames(db, guildId, c, ids),
    gate: {
      consent: inIntros(db, guildId, c, ids),
      open: openRequest(db, guildId, askerId, otherId, now - OPEN_REQUEST_MS),
      history: introHistory(db, guildId, now),
    } satisfies GateFacts,
  };
}

/** The pair's score and, paired, how both are reached (for someone only on the other platform). */
function pairFacts(db: Db, guildId: GuildId, c: Community | null, askerId: MemberId, otherId: MemberId, now: number) {
  const ids = [askerId, otherId];
  if (c) {
    const rows = rowsOf(db, c, ids);
    const pool = communityPool(db, c, rows.home, rows.away, now, false);
    const otherAway = awayIdOf(c.away, otherId) !== null;
    return {
      score: scorePair(askerId, otherId, communityContext(db, c, pool, now)),
      otherAway,
      handles: otherAway ? handlesOf(db, pool.contact, ids) : null,
    };
  }
  const rows = consentingProfiles(db, guildId, ids);
  const profiles = new Map([...rows.values()].map((r) => [r.memberId, rowToProfile(r, now)]));
  const ctx = scoreContext(db, guildId, profiles, new Set(rows.keys()), now);
  return { score: scorePair(askerId, otherId, ctx), otherAway: false, handles: null };
}

/** "Introduce us": ask `otherId` (DM with Accept / Decline). Returns the intro id. */
export function requestIntro(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  askerId: MemberId,
  otherId: MemberId,
  now: number,
): { introId: string; otherName: string; already: boolean; where?: string } {
  const { c, names, gate } = gateFacts(db, guildId, askerId, otherId, now);
  const otherName = names.get(otherId) ?? 'them';
  const open = gateRequest(gate, askerId, otherId, now);
  if (open.kind === 'already') return { introId: open.introId, otherName, already: true };
  const facts: RequestFacts = { ...gate, ...pairFacts(db, guildId, c, askerId, otherId, now) };
  const decision = decideRequest(facts, askerId, otherId, now);
  if (decision.kind === 'already') {
    const { introId, where } = decision;
    return { introId, otherName, already: true, ...(where !== undefined ? { where } : {}) };
  }

  const { introId, score } = decision;
  const why = explain(score, namesFor(db, guildId, [score], c, now), otherId);
  if (decision.kind === 'askAcross' && c) {
    // Recorded as a made /meet intro (follow-up included), under the asker's guild; the asker is
    // told how to reach them back (the reply and the button say where).
    const settings = getSettings(db, c.home).intros;
    const key = `intros:${c.home}:ask:${introId}`;
    const item = askAcrossItem(key, decision.asker, decision.other, why);
    db.transaction((tx) => {
      insertIntro(tx as unknown as Db, {
        ...meetRow(c.home, introId, [askerId, otherId], score, now),
        status: 'made',
        threadKey: key,
        decidedAt: now,
        followUpAt: now + settings.followUpDays * DAY_MS,
      });
      enqueue(tx as unknown as Db, [item], now);
    });
    return { introId, otherName, already: false, where: nameFor(decision.other, decision.asker, quiet).text };
  }
  const item = askItem(platform, guildId, introId, otherId, names.get(askerId) ?? 'A member', why);
  db.transaction((tx) => {
    insertIntro(tx as unknown as Db, { ...meetRow(guildId, introId, [askerId, otherId], score, now), status: 'asked' });
    enqueue(tx as unknown as Db, [item], now);
  });
  return { introId, otherName, already: false };
}

/** The intro and who of its members is in intros (only an open /meet request needs the second). */
function answerFacts(db: Db, guildId: GuildId, introId: string) {
  const intro = getIntro(db, guildId, introId);
  const open = intro?.kind === 'meet' && intro.status === 'asked';
  const c = open ? communityOf(db, guildId) : null;
  const consent = open ? inIntros(db, guildId, c, intro.memberIds) : new Set<string>();
  return { intro, c, consent };
}

/** The other member accepted: open a private thread (or a DM to each), in one transaction. */
export function acceptIntro(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  now: number,
): 'made' | 'already' | 'declined' | 'gone' {
  const { intro, c, consent } = answerFacts(db, guildId, introId);
  const outcome = decideAccept(intro, memberId, consent);
  if (outcome === 'already' || outcome === 'declined') return outcome;
  if (outcome === 'gone') {
    db.transaction((tx) => updateIntro(tx as unknown as Db, guildId, introId, { status: 'declined', decidedAt: now }));
    return 'gone';
  }
  const [askerId, otherId] = intro!.memberIds as [string, string];
  const settings = getSettings(db, guildId).intros;
  const { score, reasons } = intro!;
  const names = namesFor(db, guildId, [{ a: askerId, b: otherId, score, reasons }], c, now);
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
  db.transaction((tx) => {
    updateIntro(tx as unknown as Db, guildId, introId, {
      status: 'made',
      decidedAt: now,
      threadKey: items[0]!.key,
      followUpAt: now + settings.followUpDays * DAY_MS,
    });
    enqueue(tx as unknown as Db, items, now);
  });
  return 'made';
}

/** The other member declined: the asker hears "not this time" and nothing more. */
export function declineIntro(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  now: number,
): 'declined' | 'already' {
  const { intro, c, consent } = answerFacts(db, guildId, introId);
  const { outcome, tellAsker } = decideDecline(intro, memberId, consent);
  if (outcome === 'already') return 'already';
  const [askerId, otherId] = intro!.memberIds as [string, string];
  const otherName = displayNames(db, guildId, c, [otherId]).get(otherId) ?? 'them';
  db.transaction((tx) => {
    updateIntro(tx as unknown as Db, guildId, introId, { status: 'declined', decidedAt: now });
    if (tellAsker) enqueue(tx as unknown as Db, [declinedItem(platform, guildId, introId, askerId, otherName)], now);
  });
  return 'declined';
}
