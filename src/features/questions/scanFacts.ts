/**
 * The scan's reads (store, links and the expertise cache), one per kind of fact, gathered before
 * the decision that needs them: which questions are open, who could be asked, what the messages say.
 */
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { type GuildSettings, readSettings } from '../../guildSettings.js';
import {
  platformWords,
  readActiveSides,
  readCounterpart,
  readLinkedAcross,
  readPairedGuild,
} from '../links/identity.js';
import {
  type ChannelFacts,
  channelFacts,
  channelsFacts,
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

/** The parent channels of `rows`, read together (absent: Convene knows nothing about it). */
export async function parentChannels(
  db: Database,
  guildId: string,
  rows: readonly { parentChannelId: string }[],
): Promise<Map<string, ChannelFacts | undefined>> {
  const ids = [...new Set(rows.map((r) => r.parentChannelId))];
  const known = await channelsFacts(db, guildId, ids);
  return new Map(ids.map((id) => [id, known.get(id)]));
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
export async function readOpenQuestions(
  db: Database,
  guildId: string,
  now: number,
): Promise<{ settings: GuildSettings; rows: QuestionRow[]; channels: Map<string, ChannelFacts | undefined> }> {
  const settings = await readSettings(db, guildId as GuildId);
  const s = settings.questions;
  if (!s.enabled) return { settings, rows: [], channels: new Map() };
  const rows = await openQuestions(db, guildId, now - STALE_MS, now - timingOf(s).afterMs);
  return { settings, rows, channels: await parentChannels(db, guildId, rows) };
}

/** Where a question's nudge goes: its thread, or a reply to the question message. */
export async function whereToPost(db: Database, q: QuestionRow): Promise<Where> {
  if (q.channelId === q.questionId) return { channelId: q.channelId, replyTo: null };
  // A thread opened on the question message (Discord gives it the message's id) is where people talk.
  if (await channelFacts(db, q.guildId, q.questionId)) return { channelId: q.questionId, replyTo: null };
  return { channelId: q.channelId, replyTo: q.questionId };
}

/** Where each of one guild's questions' nudge goes (whereToPost), read together: by question id. */
export async function wheresToPost(
  db: Database,
  guildId: string,
  rows: readonly QuestionRow[],
): Promise<Map<string, Where>> {
  const onMessages = rows.filter((q) => q.channelId !== q.questionId);
  const threads = await channelsFacts(
    db,
    guildId,
    onMessages.map((q) => q.questionId),
  );
  return new Map(
    rows.map((q): [string, Where] => [
      q.questionId,
      q.channelId === q.questionId || threads.has(q.questionId)
        ? { channelId: q.questionId, replyTo: null }
        : { channelId: q.channelId, replyTo: q.questionId },
    ]),
  );
}

/**
 * Who could be asked about the due questions: the expertise index, the recent nudges, the pool of
 * recently active members with their facts and their linked accounts' (only when a peer nudge is
 * due), the moderators and what the server may still send.
 */
export async function readPeerFacts(
  db: Database,
  guildId: string,
  settings: GuildSettings,
  peerDue: boolean,
  now: number,
): Promise<PeerFactsRead> {
  const s = settings.questions;
  const index = await expertiseOf(db, guildId, now);
  const pool: string[] = [];
  if (peerDue) for (const slot of index.recentSlots(NUDGE_POOL)) pool.push(index.idOf(slot));
  return {
    index,
    recentNudges: await peerNudgesSince(db, guildId, now - LOAD_WINDOW_MS),
    pool,
    members: peerDue ? await memberFacts(db, guildId, pool) : new Map(),
    twins: peerDue ? await twinFacts(db, guildId, pool, now) : new Map(),
    weights: peerDue ? await routerWeightsOf(db, guildId) : undefined,
    moderators: s.helpersRoleId
      ? []
      : await moderatorIds(db, guildId, ESCALATION_MODERATORS, settings.core.moderatorRoleIds),
    budget: {
      peersLeft: s.maxNudgesPerHour - (await questionsNudgedSince(db, guildId, 'peer', now - HOUR_MS)),
      escalationsLeft: s.maxEscalationsPerDay - (await questionsNudgedSince(db, guildId, 'escalation', now - DAY_MS)),
    },
  };
}

/**
 * For the linked members among `ids`: what their account on the other platform says about being
 * asked (nudges off, a declared timezone, asks there today). Two bulk reads, whatever the count.
 */
async function twinFacts(
  db: Database,
  guildId: string,
  ids: readonly string[],
  now: number,
): Promise<Map<string, { nudgesOff: boolean; timezone: string | null; today: number }>> {
  const out = new Map<string, { nudgesOff: boolean; timezone: string | null; today: number }>();
  const other = await readPairedGuild(db, guildId);
  if (other === null) return out;
  const linked = await readLinkedAcross(db, guildId);
  const theirIds = new Map<string, string>();
  for (const id of ids) {
    const there = linked.get(id);
    if (there !== undefined) theirIds.set(id, there);
  }
  if (theirIds.size === 0) return out;
  const theirs = await memberFacts(db, other, [...theirIds.values()]);
  const { today } = nudgeLoad(await peerNudgesSince(db, other, now - LOAD_WINDOW_MS), now);
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
export async function readWordFacts(
  db: Database,
  guildId: string,
  decisions: readonly NudgeDecision[],
  due: readonly DueQuestion[],
  links: LinkBase,
  now: number,
): Promise<WordFacts> {
  const rowOf = new Map(due.map((d) => [d.row.questionId, d.row]));
  const rows = decisions.map((d) => rowOf.get(d.questionId)!);
  const platform = await guildPlatform(db, guildId);
  const titles = await questionNames(db, guildId, rows, now);
  const named = new Map(
    rows.map((row) => [row.questionId, { title: titles.get(row.questionId)!, url: urlOf(platform, row, links) }]),
  );
  const why = new Map<string, Map<string, PeerWhy>>();
  const away = new Map<string, Elsewhere>();
  for (const d of decisions) {
    if (d.stage !== 'peer') continue;
    const row = rowOf.get(d.questionId)!;
    const forms = await questionForms(db, row);
    const peerWhys = new Map<string, PeerWhy>();
    for (const p of d.peers) peerWhys.set(p.memberId, await peerWhy(db, row, p.memberId, p.reasons, forms, now));
    why.set(d.questionId, peerWhys);
    const linked: { id: string; other: NonNullable<Awaited<ReturnType<typeof readCounterpart>>> }[] = [];
    for (const p of d.peers) {
      const other = await readCounterpart(db, guildId, p.memberId);
      if (other) linked.push({ id: p.memberId, other });
    }
    if (linked.length === 0) continue;
    const sides = await readActiveSides(
      db,
      guildId,
      linked[0]!.other.guildId,
      linked.map((l) => [l.id, l.other.memberId] as const),
    );
    for (const l of linked) {
      if (sides.get(l.id) !== 'there') continue;
      away.set(l.id, { ...l.other, platform: await guildPlatform(db, l.other.guildId) });
    }
  }
  return {
    platform,
    platformName: platformWords(platform),
    guildName: await guildNameOf(db, guildId),
    named,
    why,
    away,
  };
}
