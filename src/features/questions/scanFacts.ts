/**
 * The scan's reads (store, links and the expertise cache), one per kind of fact, gathered before
 * the decision that needs them: which questions are open, who could be asked, what the messages say.
 */
import type { Db } from '../../db/connection.js';
import type { GuildId } from '../../events.js';
import { type GuildSettings, getSettings } from '../../guildSettings.js';
import { activeSides, counterpart, linkedAcross, pairedGuild, platformWords } from '../links/identity.js';
import {
  type ChannelFacts,
  channelFacts,
  guildNameOf,
  guildPlatform,
  memberFacts,
  moderatorIds,
} from './communityStore.js';
import { isWatched } from './detect.js';
import { expertiseOf } from './expertiseCache.js';
import { type LinkBase, questionLink } from './links.js';
import { questionNames } from './named.js';
import { type NudgeDecision, nudgeLoad, STALE_MS, type Timing } from './nudgePolicy.js';
import { peerNudgesSince, questionsNudgedSince } from './nudgeStore.js';
import type { PeerWhy } from './nudgeWords.js';
import { rulesOf } from './onEvent.js';
import { routerWeightsOf } from './refit.js';
import type { DueQuestion, Elsewhere, PeerFactsRead, Where, WordFacts } from './scanPlan.js';
import type { QuestionsSettings } from './settings.js';
import { openQuestions, type QuestionRow } from './store.js';
import { peerWhy, questionForms } from './why.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The most recently active members considered for nudges in one scan (see PoolRouter). */
const NUDGE_POOL = 2_000;
/** The window the load share is measured over. */
const LOAD_WINDOW_MS = 7 * DAY_MS;
/** The moderators pinged by an escalation when there is no helpers role and no moderator role. */
const ESCALATION_MODERATORS = 3;

export const timingOf = (s: QuestionsSettings): Timing => ({
  afterMs: s.afterMinutes * 60_000,
  escalateMs: s.escalateMinutes * 60_000,
});

/** The parent channels of `rows`, each read once (absent: Convene knows nothing about it). */
export function parentChannels(
  db: Db,
  guildId: string,
  rows: readonly { parentChannelId: string }[],
): Map<string, ChannelFacts | undefined> {
  const out = new Map<string, ChannelFacts | undefined>();
  for (const r of rows) {
    if (!out.has(r.parentChannelId)) out.set(r.parentChannelId, channelFacts(db, guildId, r.parentChannelId));
  }
  return out;
}

/**
 * The rows whose channel is still watched (pure): a moderator who turns detection off for a channel
 * (or narrows the watched channels) expects its open questions to stop being nudged and listed too.
 * A channel Convene knows nothing about keeps its questions.
 */
export function watchedRows<R extends { parentChannelId: string }>(
  rows: readonly R[],
  channels: ReadonlyMap<string, ChannelFacts | undefined>,
  settings: QuestionsSettings,
): R[] {
  const rules = rulesOf(settings);
  return rows.filter((r) => {
    const c = channels.get(r.parentChannelId);
    return !c || isWatched({ id: c.channelId, name: c.name, kind: c.kind }, rules);
  });
}

/** The open questions of the scan: the guild's settings, the open rows and their channels. */
export function readOpenQuestions(
  db: Db,
  guildId: string,
  now: number,
): { settings: GuildSettings; rows: QuestionRow[]; channels: Map<string, ChannelFacts | undefined> } {
  const settings = getSettings(db, guildId as GuildId);
  const s = settings.questions;
  if (!s.enabled) return { settings, rows: [], channels: new Map() };
  const rows = openQuestions(db, guildId, now - STALE_MS, now - timingOf(s).afterMs);
  return { settings, rows, channels: parentChannels(db, guildId, rows) };
}

/** Where a question's nudge goes: its thread, or a reply to the question message. */
export function whereToPost(db: Db, q: QuestionRow): Where {
  if (q.channelId === q.questionId) return { channelId: q.channelId, replyTo: null };
  // A thread opened on the question message (Discord gives it the message's id) is where people talk.
  if (channelFacts(db, q.guildId, q.questionId)) return { channelId: q.questionId, replyTo: null };
  return { channelId: q.channelId, replyTo: q.questionId };
}

/**
 * Who could be asked about the due questions: the expertise index, the recent nudges, the pool of
 * recently active members with their facts and their linked accounts' (only when a peer nudge is
 * due), the moderators and what the server may still send.
 */
export function readPeerFacts(
  db: Db,
  guildId: string,
  settings: GuildSettings,
  peerDue: boolean,
  now: number,
): PeerFactsRead {
  const s = settings.questions;
  const index = expertiseOf(db, guildId, now);
  const pool: string[] = [];
  if (peerDue) for (const slot of index.recentSlots(NUDGE_POOL)) pool.push(index.idOf(slot));
  return {
    index,
    recentNudges: peerNudgesSince(db, guildId, now - LOAD_WINDOW_MS),
    pool,
    members: peerDue ? memberFacts(db, guildId, pool) : new Map(),
    twins: peerDue ? twinFacts(db, guildId, pool, now) : new Map(),
    weights: peerDue ? routerWeightsOf(db, guildId) : undefined,
    moderators: s.helpersRoleId ? [] : moderatorIds(db, guildId, ESCALATION_MODERATORS, settings.core.moderatorRoleIds),
    budget: {
      peersLeft: s.maxNudgesPerHour - questionsNudgedSince(db, guildId, 'peer', now - HOUR_MS),
      escalationsLeft: s.maxEscalationsPerDay - questionsNudgedSince(db, guildId, 'escalation', now - DAY_MS),
    },
  };
}

/**
 * For the linked members among `ids`: what their account on the other platform says about being
 * asked (nudges off, a declared timezone, asks there today). Two bulk reads, whatever the count.
 */
function twinFacts(
  db: Db,
  guildId: string,
  ids: readonly string[],
  now: number,
): Map<string, { nudgesOff: boolean; timezone: string | null; today: number }> {
  const out = new Map<string, { nudgesOff: boolean; timezone: string | null; today: number }>();
  const other = pairedGuild(db, guildId);
  if (other === null) return out;
  const linked = linkedAcross(db, guildId);
  const theirIds = new Map<string, string>();
  for (const id of ids) {
    const there = linked.get(id);
    if (there !== undefined) theirIds.set(id, there);
  }
  if (theirIds.size === 0) return out;
  const theirs = memberFacts(db, other, [...theirIds.values()]);
  const { today } = nudgeLoad(peerNudgesSince(db, other, now - LOAD_WINDOW_MS), now);
  for (const [id, there] of theirIds) {
    const t = theirs.get(there);
    out.set(id, { nudgesOff: t?.nudgesOff ?? false, timezone: t?.timezone ?? null, today: today.get(there) ?? 0 });
  }
  return out;
}

export function urlOf(platform: 'discord' | 'discourse', q: QuestionRow, links: LinkBase): string | null {
  return q.channelId === q.questionId
    ? questionLink(platform, q.guildId, q.channelId, null, links.forumUrls)
    : questionLink(platform, q.guildId, q.channelId, q.questionId, links.forumUrls);
}

/**
 * What the messages of the planned decisions say: titles and links, each chosen peer's "why", and
 * which peers are linked and posted last on the other platform (while still a member there): they
 * are asked there, by private message, not mentioned here.
 */
export function readWordFacts(
  db: Db,
  guildId: string,
  decisions: readonly NudgeDecision[],
  due: readonly DueQuestion[],
  links: LinkBase,
  now: number,
): WordFacts {
  const rowOf = new Map(due.map((d) => [d.row.questionId, d.row]));
  const rows = decisions.map((d) => rowOf.get(d.questionId)!);
  const platform = guildPlatform(db, guildId);
  const titles = questionNames(db, guildId, rows, now);
  const named = new Map(
    rows.map((row) => [row.questionId, { title: titles.get(row.questionId)!, url: urlOf(platform, row, links) }]),
  );
  const why = new Map<string, Map<string, PeerWhy>>();
  const away = new Map<string, Elsewhere>();
  for (const d of decisions) {
    if (d.stage !== 'peer') continue;
    const row = rowOf.get(d.questionId)!;
    const forms = questionForms(db, row);
    why.set(
      d.questionId,
      new Map(d.peers.map((p) => [p.memberId, peerWhy(db, row, p.memberId, p.reasons, forms, now)])),
    );
    const linked = d.peers.flatMap((p) => {
      const other = counterpart(db, guildId, p.memberId);
      return other ? [{ id: p.memberId, other }] : [];
    });
    if (linked.length === 0) continue;
    const sides = activeSides(
      db,
      guildId,
      linked[0]!.other.guildId,
      linked.map((l) => [l.id, l.other.memberId] as const),
    );
    for (const l of linked) {
      if (sides.get(l.id) !== 'there') continue;
      away.set(l.id, { ...l.other, platform: guildPlatform(db, l.other.guildId) });
    }
  }
  return { platform, platformName: platformWords(platform), guildName: guildNameOf(db, guildId), named, why, away };
}
