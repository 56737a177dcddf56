/**
 * The weekly digest: gathers a guild's week from the store and the features' digest sources,
 * composes it, draws the chart, and writes the post (and the personal DMs) to the outbox in the
 * same transaction as the weekly aggregates it computed.
 */
import { Cron } from 'croner';
import type { Action, MessageBody, OutboxItem } from '../../actions.js';
import { type Deps, UserFacingError } from '../../commands.js';
import type { ChannelId, GuildId, MemberId } from '../../events.js';
import { type GuildSettings, getSettings } from '../../guildSettings.js';
import { enqueue, hasKey } from '../../outbox/store.js';
import type { GuildSchedule } from '../../scheduler/job.js';
import { safeText } from '../../text/fit.js';
import {
  dateInIsoWeek,
  dateOf,
  isoWeek,
  type LocalDate,
  previousWindows,
  shortDate,
  WEEKDAYS,
  type Window,
  weekEndingAt,
  windowLabel,
} from './calendar.js';
import { renderDigestChart } from './chart.js';
import {
  type Community,
  combineWeeks,
  communityOf,
  coreResponses,
  ownIdOf,
  pairSides,
  personKey,
  type Side,
  type SideWeek,
} from './community.js';
import {
  composeDigest,
  composeLists,
  composePersonal,
  type DigestData,
  goalLine,
  type HealthNumbers,
  personalHasContent,
} from './compose.js';
import { GOAL_METRICS, METRICS } from './goals.js';
import { threadUrl } from './links.js';
import type { DigestHelper, DigestResponseTimes, DigestSource, DigestWindow } from './sources.js';
import {
  computeWeekStats,
  type FirstResponse,
  firstResponders,
  firstResponses,
  guildInfo,
  latestPulsePeriod,
  linkedOnBoth,
  liveliestThreads,
  memberInfo,
  memberNames,
  memberWeek,
  newMemberRows,
  newMembers,
  type PulseSummary,
  pulseOf,
  recentStoredWeeks,
  storedWeek,
  storeWeek,
  subscribers,
  type WeekStats,
  waitingThreads,
} from './store.js';

/** A feature's digest source, with the feature's name for the log. */
export interface NamedSource {
  feature: string;
  source: DigestSource;
}

/** Which seven days a digest covers, and the period (ISO week) it counts as. */
export interface DigestTarget {
  /** The window is the seven local days before this date. */
  endDate: LocalDate;
  period: string;
}

const WEEKS = 8;
/** How far back an unanswered thread still counts as "waiting" (older ones are a backlog, not news). */
const WAITING_DAYS = 28;
/** How many of each list the digest gathers: compose.ts shows a handful, "Full lists" the rest. */
const NAMES_SHOWN = 40;
const QUESTIONS_SHOWN = 25;
/** …and for "Full lists": as many as one message can carry (composeLists cuts to Discord's limits). */
const NAMES_LISTED = 600;
const QUESTIONS_LISTED = 100;
const THREADS_SHOWN = 5;
const HELPERS_SHOWN = 8;

export const digestKey = (guildId: GuildId, period: string) => `digest:${guildId}:${period}`;
export const personalKey = (guildId: GuildId, period: string, memberId: MemberId) =>
  `digest-me:${guildId}:${period}:${memberId}`;

export const digestTimezone = (settings: GuildSettings): string => settings.digest.timezone ?? settings.core.timezone;

/** Croner's day-of-week numbers (0 = Sunday). */
const CRON_DAY: Record<(typeof WEEKDAYS)[number], number> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 0,
};

/** The guild's digest schedule, or null while the digest is off (no channel). */
export function scheduleOf(settings: GuildSettings): GuildSchedule | null {
  const d = settings.digest;
  if (!d.channelId) return null;
  const [hour, minute] = d.time.split(':').map(Number);
  return {
    cron: `${minute} ${hour} * * ${CRON_DAY[d.day]}`,
    timezone: digestTimezone(settings),
    ...(d.scheduledSince !== null ? { since: d.scheduledSince } : {}),
  };
}

/** The scheduled digest of ISO week `period` covers the seven days before its due day. */
export function scheduledTarget(settings: GuildSettings, period: string): DigestTarget | null {
  const endDate = dateInIsoWeek(period, WEEKDAYS.indexOf(settings.digest.day) + 1);
  return endDate ? { endDate, period } : null;
}

/** A digest made now (preview, post-now) covers the seven whole days before today. */
export function currentTarget(settings: GuildSettings, now: number): DigestTarget {
  const tz = digestTimezone(settings);
  return { endDate: dateOf(now, tz), period: isoWeek(now, tz) };
}

export interface BuiltDigest {
  body: MessageBody;
  data: DigestData;
  window: Window;
  /** The eight weeks, oldest first (the last is the digest's week). */
  weeks: WeekStats[];
  /** Weeks computed now that have ended: stored with the post so later digests read, not recompute. */
  toStore: WeekStats[];
}

/** Call a source hook; a failing source is logged and skipped so the digest still goes out. */
async function ask<T>(
  deps: Deps,
  named: NamedSource,
  hook: string,
  call: () => T | Promise<T> | undefined,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    deps.log.warn({ err: error, feature: named.feature, hook }, 'digest source failed; that section is left out');
    return undefined;
  }
}

const health = (w: WeekStats): HealthNumbers => ({
  activeMembers: w.activeMembers,
  messages: w.messages,
  asked: w.asked,
  answered: w.answered,
  answeredWithin24h: w.answeredWithin24h,
  medianFirstResponseMs: w.medianFirstResponseMs,
  retentionCohort: w.retentionCohort,
  retained: w.retained,
});

/**
 * One guild's week: the core numbers, with what the features measure better laid over them. The
 * response numbers (and their waits, when known) are kept beside the stats to combine a pair's week.
 */
async function sideWeek(
  deps: Deps,
  side: Side,
  w: Window,
  dw: DigestWindow,
  now: number,
  sources: readonly NamedSource[],
  threads?: FirstResponse[],
): Promise<SideWeek> {
  const rows = threads ?? firstResponses(deps.db, side.guildId, w.start, w.end, now, side.bots);
  const stats = computeWeekStats(deps.db, side.guildId, w, now, side.bots, rows);
  let responses: DigestResponseTimes = coreResponses(rows);
  const sourceGoals: WeekStats['goals'] = {};
  for (const named of sources) {
    const s = named.source;
    if (s.responseTimes) {
      const rt = await ask(deps, named, 'responseTimes', () => s.responseTimes!(deps, dw));
      if (rt) {
        // The five numbers only: the week is stored as JSON, and the waits are not part of it.
        stats.asked = rt.asked;
        stats.answered = rt.answered;
        stats.answeredWithin24h = rt.answeredWithin24h;
        stats.medianFirstResponseMs = rt.medianFirstResponseMs;
        stats.peerAnswered = rt.peerAnswered;
        stats.goals['peer-answered'] = rt.answered > 0 ? rt.peerAnswered / rt.answered : null;
        stats.goals['first-response'] = rt.medianFirstResponseMs;
        responses = rt;
      }
    }
    if (s.goalMetrics) {
      const values = await ask(deps, named, 'goalMetrics', () => s.goalMetrics!(deps, dw));
      for (const [metric, value] of Object.entries(values ?? {})) {
        if (value === undefined) continue;
        stats.goals[metric as keyof WeekStats['goals']] = value;
        sourceGoals[metric as keyof WeekStats['goals']] = value;
      }
    }
  }
  return { stats, responses, sourceGoals };
}

/** The community's week: the guild's own, or both guilds of a pair combined (a linked person once). */
async function weekWithSources(
  deps: Deps,
  community: Community,
  w: Window,
  windowOf: (w: Window, side: Side) => DigestWindow,
  now: number,
  sources: readonly NamedSource[],
  threads?: FirstResponse[][],
): Promise<{ stats: WeekStats; parts: SideWeek[] }> {
  const parts: SideWeek[] = [];
  for (const [i, side] of community.sides.entries()) {
    parts.push(await sideWeek(deps, side, w, windowOf(w, side), now, sources, threads?.[i]));
  }
  const pair = pairSides(community);
  if (!pair || community.partnerId === null) return { stats: parts[0]!.stats, parts };
  const stats = combineWeeks(parts, linkedOnBoth(deps.db, pair, w.start, w.end), community.partnerId);
  return { stats, parts };
}

/** Build the digest of `target` for a guild: every section, the chart, the message body. */
export async function buildDigest(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
  options: { preview?: boolean; lists?: boolean } = {},
): Promise<BuiltDigest> {
  const namesCap = options.lists ? NAMES_LISTED : NAMES_SHOWN;
  const questionsCap = options.lists ? QUESTIONS_LISTED : QUESTIONS_SHOWN;
  const { db } = deps;
  const settings = getSettings(db, guildId);
  const tz = digestTimezone(settings);
  const info = guildInfo(db, guildId);
  if (!info) throw new Error(`unknown guild ${guildId}`);
  const window = weekEndingAt(target.endDate, tz);
  const windows = previousWindows(window, WEEKS, tz);
  // The digest's own guild, and its partner when the community spans Discord and the forum: every
  // number below is counted over these guilds, in the digest's own timezone, and no other.
  const community = communityOf(db, guildId, info.platform);
  const { sides } = community;
  const digestWindow = (w: Window, side: Side = sides[0]): DigestWindow => ({
    guildId: side.guildId,
    platform: side.platform,
    start: w.start,
    end: w.end,
    timezone: tz,
    now,
  });
  // The week's first responses serve both its numbers and, without a helpers source, its thanks.
  const threads = sides.map((side) => firstResponses(db, side.guildId, window.start, window.end, now, side.bots));

  const weeks: WeekStats[] = [];
  const toStore: WeekStats[] = [];
  let thisWeekParts: SideWeek[] = [];
  for (const w of windows) {
    const isCurrent = w.start === window.start;
    const stored = isCurrent ? null : storedWeek(db, guildId, w);
    // A week stored before the guild was paired (or while paired, once unpaired) counted other
    // guilds than the digest does now: it is counted again.
    if (stored && (stored.stats.pairedWith ?? null) === community.partnerId) {
      weeks.push(stored.stats);
      continue;
    }
    const { stats, parts } = await weekWithSources(
      deps,
      community,
      w,
      digestWindow,
      now,
      sources,
      isCurrent ? threads : undefined,
    );
    if (isCurrent) thisWeekParts = parts;
    weeks.push(stats);
    // A week is stored once it has ended. Every week is first stored by the digest right after it,
    // so week-over-week changes compare weeks seen at the same distance from their end.
    if (now >= w.end) toStore.push(stats);
  }
  const thisWeek = weeks.at(-1)!;
  const lastWeek = weeks.at(-2) ?? null;

  // Linked people on the partner are named as they are known on the digest's own platform.
  const ownNames = memberNames(db, guildId, [...community.linked.values()]);
  const nameOf = (side: number, memberId: string, name: string) => {
    const own = ownIdOf(community, side, memberId);
    return (side > 0 && own !== null ? ownNames.get(own) : undefined) ?? name;
  };

  // Sections from the features, each with a core fallback where the core tables can say something.
  // Every hook is asked once per guild of the community, with that guild's window.
  const milestones: { name: string; milestone: string; at: number }[] = [];
  const intros = { made: 0, met: 0, metPairs: [] as { a: string; b: string }[] };
  let introsFound = false;
  const waitingBySide: ({ title: string; url?: string; askedAt: number; threadId: string }[] | null)[] = sides.map(
    () => null,
  );
  const helpersById = new Map<string, DigestHelper>();
  const milestonePeople = new Set<string>();
  for (const [i, side] of sides.entries()) {
    const current = digestWindow(window, side);
    const seenHere = new Set<string>();
    for (const named of sources) {
      const s = named.source;
      if (s.milestones) {
        for (const m of (await ask(deps, named, 'milestones', () => s.milestones!(deps, current))) ?? []) {
          const person = personKey(community, i, m.memberId);
          // A linked person's journey moves on both platforms at once: named once, as on the own platform.
          if (milestonePeople.has(person)) continue;
          seenHere.add(person);
          milestones.push({ ...m, name: nameOf(i, m.memberId, m.name) });
        }
      }
      if (s.intros) {
        const found = await ask(deps, named, 'intros', () => s.intros!(deps, current));
        if (found) {
          introsFound = true;
          intros.made += found.made;
          intros.met += found.met;
          intros.metPairs.push(...(found.metPairs ?? []));
        }
      }
      if (s.waitingQuestions) {
        const list = await ask(deps, named, 'waitingQuestions', () => s.waitingQuestions!(deps, current));
        if (list) waitingBySide[i] = [...(waitingBySide[i] ?? []), ...list];
      }
      if (s.topHelpers) {
        for (const h of (await ask(deps, named, 'topHelpers', () => s.topHelpers!(deps, current))) ?? []) {
          const person = personKey(community, i, h.memberId);
          const before = helpersById.get(person);
          helpersById.set(person, {
            ...h,
            // The same person from the partner keeps the name (and id) they have on the own platform.
            ...(i > 0 && before ? { memberId: before.memberId } : {}),
            name: i === 0 ? h.name : (before?.name ?? nameOf(i, h.memberId, h.name)),
            solved: (before?.solved ?? 0) + h.solved,
            thanked: (before?.thanked ?? 0) + h.thanked,
          });
        }
      }
    }
    for (const person of seenHere) milestonePeople.add(person);
  }
  const waiting = sides.flatMap((side, i) =>
    (
      waitingBySide[i] ??
      waitingThreads(db, side.guildId, now - WAITING_DAYS * 86_400_000, now, side.bots).map((t) => ({
        title: t.name,
        url: threadUrl(side.platform, side.guildId, t.threadId),
        askedAt: t.askedAt,
        threadId: t.threadId,
      }))
    ).map((q) => ({ ...q, side: i })),
  );
  // Thread ids are unique within a guild only: a forum topic and a Discord thread may share one.
  const uniqueWaiting = [...new Map(waiting.map((q) => [`${q.side}:${q.threadId}`, q])).values()]
    .sort((a, b) => a.askedAt - b.askedAt || a.threadId.localeCompare(b.threadId))
    .map(({ side: _side, ...q }) => q);

  // Thanks go first to the members whose answers solved questions or were thanked (the features'
  // sources: /solved's pick, an accepted answer), then to those who were first to reply.
  const byPerson = new Map<string, { side: number; memberId: string; count: number }>();
  for (const [i, side] of sides.entries()) {
    for (const [id, k] of firstResponders(threads[i]!)) {
      if (side.bots.includes(id)) continue;
      const person = personKey(community, i, id);
      const before = byPerson.get(person);
      // Named from the own platform's account when the person has one.
      byPerson.set(person, before ? { ...before, count: before.count + k } : { side: i, memberId: id, count: k });
    }
  }
  const credited = [...helpersById].filter(([, h]) => h.solved + h.thanked > 0);
  const firstOnly = [...byPerson]
    .filter(
      ([person]) =>
        !helpersById.has(person) || helpersById.get(person)!.solved + helpersById.get(person)!.thanked === 0,
    )
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, Math.max(0, HELPERS_SHOWN - credited.length));
  const names = sides.map((side, i) =>
    memberNames(
      db,
      side.guildId,
      firstOnly.flatMap(([, p]) => (p.side === i ? [p.memberId] : [])),
    ),
  );
  const helpers: DigestData['helpers'] = [
    ...credited
      .map(([person, h]) => ({
        name: h.name,
        solved: h.solved,
        thanked: h.thanked,
        firstReplies: byPerson.get(person)?.count ?? 0,
      }))
      .sort((a, b) => b.solved - a.solved || b.thanked - a.thanked || a.name.localeCompare(b.name)),
    ...firstOnly.map(([, p]) => {
      const name = names[p.side]!.get(p.memberId) ?? p.memberId;
      return { name: nameOf(p.side, p.memberId, name), solved: 0, thanked: 0, firstReplies: p.count };
    }),
  ].slice(0, HELPERS_SHOWN);

  const fresh =
    sides.length === 1
      ? newMembers(db, guildId, window.start, window.end, namesCap)
      : welcomeOfPair(deps, community, window, thisWeek.newMembers, nameOf, namesCap);
  const lively = sides
    .flatMap((side) =>
      liveliestThreads(db, side.guildId, window.start, window.end, THREADS_SHOWN, side.bots).map((t) => ({
        title: t.name,
        url: threadUrl(side.platform, side.guildId, t.threadId),
        messages: t.messages,
        people: t.people,
      })),
    )
    // Stable: one guild's list keeps its own order, and the own guild's thread wins a tie.
    .sort((a, b) => b.messages - a.messages)
    .slice(0, THREADS_SHOWN);
  milestones.sort((a, b) => a.at - b.at);

  let chartAttachment: string | null = null;
  let chartPng: Buffer | null = null;
  // The lists alone (a "Full lists" click) need no chart.
  if (!options.lists)
    try {
      chartPng = renderDigestChart({
        dailyMessages: weeks.flatMap((w) => w.dailyMessages),
        weeklyMedianMs: weeks.map((w) => w.medianFirstResponseMs),
        weekLabels: windows.map((w) => shortDate(w.firstDate)),
        ...(sides.length > 1 ? { scope: BOTH_PLATFORMS } : {}),
      });
      chartAttachment = `digest-${target.period}.png`;
    } catch (error) {
      // The numbers are in the text too: a digest without its chart beats no digest.
      deps.log.error({ err: error, guildId }, 'digest chart failed; posting without it');
    }

  const pulsePeriod = options.preview ? latestPulsePeriod(db, guildId) : null;
  const data: DigestData = {
    guildName: info.name,
    postedOn: info.platform,
    period: target.period,
    windowEnd: `${target.endDate.year}-${String(target.endDate.month).padStart(2, '0')}-${String(target.endDate.day).padStart(2, '0')}`,
    windowLabel: windowLabel(window),
    why: settings.core.why,
    newMembers: fresh,
    milestones: { total: milestones.length, items: options.lists ? milestones : milestones.slice(0, 30) },
    intros: introsFound ? intros : null,
    liveliestThreads: lively,
    waitingQuestions: { total: uniqueWaiting.length, items: uniqueWaiting.slice(0, questionsCap) },
    helpers,
    health: { current: health(thisWeek), previous: lastWeek ? health(lastWeek) : null },
    goals: settings.digest.goals.map((g) => ({
      metric: g.metric,
      target: g.target,
      values: weeks.map((w) => w.goals[g.metric] ?? null),
    })),
    chartAttachment,
    ...(sides.length > 1
      ? { platforms: thisWeekParts.map((p, i) => ({ platform: sides[i]!.platform, messages: p.stats.messages })) }
      : {}),
    ...(options.preview
      ? {
          moderator: {
            pulse: pulsePeriod ? pulseForModerators(pulseOf(db, guildId, pulsePeriod)) : null,
          },
        }
      : {}),
  };
  const composed = composeDigest(data, now);
  const body: MessageBody =
    chartPng && chartAttachment
      ? {
          ...composed,
          attachments: [{ name: chartAttachment, contentType: 'image/png', dataBase64: chartPng.toString('base64') }],
        }
      : composed;
  return { body, data, window, weeks, toStore };
}

/** Said on the chart of a community that spans both platforms. */
const BOTH_PLATFORMS = 'Discord + forum';

/**
 * The welcome list of a pair: who joined either guild in the week, a linked person once (named as
 * on the digest's own platform), by joining time. `count` is the pair's week count (linked people
 * who joined both already taken off).
 */
function welcomeOfPair(
  deps: Deps,
  community: Community,
  window: Window,
  count: number,
  nameOf: (side: number, memberId: string, name: string) => string,
  shown: number,
): { count: number; names: string[] } {
  const seen = new Set<string>();
  const rows = community.sides
    .flatMap((side, i) =>
      // Enough rows that the names shown survive taking the linked people seen twice off.
      newMemberRows(deps.db, side.guildId, window.start, window.end, 2 * shown).map((r) => ({ ...r, side: i })),
    )
    .sort((a, b) => a.joinedAt - b.joinedAt || a.side - b.side || a.memberId.localeCompare(b.memberId))
    .filter((r) => {
      const person = personKey(community, r.side, r.memberId);
      if (seen.has(person)) return false;
      seen.add(person);
      return true;
    });
  return { count, names: rows.slice(0, shown).map((r) => nameOf(r.side, r.memberId, r.name)) };
}

const pulseForModerators = (p: PulseSummary) => ({
  period: p.period,
  helped: p.helped,
  notReally: p.notReally,
  notes: p.notes.map((n) => n.text),
});

function writeDigest(deps: Deps, guildId: GuildId, built: BuiltDigest, items: OutboxItem[], now: number): number {
  const { db } = deps;
  const added = db.transaction(() => {
    for (const w of built.toStore) storeWeek(db, guildId, w, now);
    return enqueue(db, items, now);
  });
  if (added > 0) deps.wakeOutbox();
  return added;
}

function channelOf(settings: GuildSettings): ChannelId {
  const channelId = settings.digest.channelId;
  if (!channelId) {
    throw new UserFacingError('The digest has no channel yet: choose one with /convene digest set channel:');
  }
  return channelId as ChannelId;
}

/**
 * The scheduled weekly digest for `period` (the scheduler's job). Exactly once per guild and
 * period: the outbox key is `digest:<guild>:<ISO week>`, and a key already there (a run that
 * crashed after enqueueing, or a post-now earlier that week) means there is nothing to do.
 */
export async function postScheduledDigest(
  deps: Deps,
  guildId: GuildId,
  period: string,
  now: number,
  sources: readonly NamedSource[],
): Promise<'posted' | 'already' | 'off'> {
  const settings = getSettings(deps.db, guildId);
  if (!settings.digest.channelId) return 'off';
  const key = digestKey(guildId, period);
  const target = scheduledTarget(settings, period) ?? currentTarget(settings, now);
  if (hasKey(deps.db, key)) {
    await sendPersonalDigests(deps, guildId, target, now, sources);
    return 'already';
  }
  const built = await buildDigest(deps, guildId, target, now, sources);
  const info = guildInfo(deps.db, guildId)!;
  const action: Action = { type: 'message.send', channelId: channelOf(settings), body: built.body };
  writeDigest(deps, guildId, built, [{ platform: info.platform, guildId, key, action }], now);
  await sendPersonalDigests(deps, guildId, target, now, sources);
  return 'posted';
}

/**
 * /convene digest post-now: the seven days before today, posted now. It takes this week's key when
 * the scheduled digest has not gone out yet (so the channel does not get two), else an extra key.
 */
export async function postDigestNow(
  deps: Deps,
  guildId: GuildId,
  now: number,
  sources: readonly NamedSource[],
): Promise<{ channelId: ChannelId; replacesScheduled: boolean }> {
  const settings = getSettings(deps.db, guildId);
  const channelId = channelOf(settings);
  const target = currentTarget(settings, now);
  const weekKey = digestKey(guildId, target.period);
  const replacesScheduled = !hasKey(deps.db, weekKey);
  const key = replacesScheduled ? weekKey : `${weekKey}:now:${now}`;
  const built = await buildDigest(deps, guildId, target, now, sources);
  const info = guildInfo(deps.db, guildId)!;
  writeDigest(
    deps,
    guildId,
    built,
    [{ platform: info.platform, guildId, key, action: { type: 'message.send', channelId, body: built.body } }],
    now,
  );
  return { channelId, replacesScheduled };
}

/** /convene digest preview: the digest as it would look now, plus the pulse, for the moderator only. */
export async function previewDigest(
  deps: Deps,
  guildId: GuildId,
  now: number,
  sources: readonly NamedSource[],
): Promise<MessageBody> {
  const settings = getSettings(deps.db, guildId);
  const built = await buildDigest(deps, guildId, currentTarget(settings, now), now, sources, { preview: true });
  // Weeks that have ended are kept, so the next preview or post reads them instead of recomputing.
  deps.db.transaction(() => {
    for (const w of built.toStore) storeWeek(deps.db, guildId, w, now);
  });
  return built.body;
}

/**
 * "Full lists" under a digest (and /digest lists): every newcomer, milestone and waiting question of
 * the week of `target` (the waiting list as of now), for the member who asked. Reads only.
 */
export async function digestLists(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
): Promise<MessageBody> {
  const built = await buildDigest(deps, guildId, target, now, sources, { lists: true });
  return composeLists(built.data, now);
}

/** The personal weekly DMs for everyone who asked (/digest me on); members with nothing to read get none. */
export async function sendPersonalDigests(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
): Promise<number> {
  const { db } = deps;
  const members = subscribers(db, guildId);
  if (members.length === 0) return 0;
  const settings = getSettings(db, guildId);
  const info = guildInfo(db, guildId);
  if (!info) return 0;
  const tz = digestTimezone(settings);
  const window = weekEndingAt(target.endDate, tz);
  const dw: DigestWindow = {
    guildId,
    platform: info.platform,
    start: window.start,
    end: window.end,
    timezone: tz,
    now,
  };
  const items: OutboxItem[] = [];
  for (const memberId of members) {
    const key = personalKey(guildId, target.period, memberId);
    if (hasKey(db, key)) continue;
    const body = await personalDigest(deps, guildId, memberId, dw, window, info.name, sources);
    if (body) items.push({ platform: info.platform, guildId, key, action: { type: 'dm.send', memberId, body } });
  }
  const added = items.length ? db.transaction(() => enqueue(db, items, now)) : 0;
  if (added > 0) deps.wakeOutbox();
  return added;
}

export async function personalDigest(
  deps: Deps,
  guildId: GuildId,
  memberId: MemberId,
  dw: DigestWindow,
  window: Window,
  guildName: string,
  sources: readonly NamedSource[],
): Promise<MessageBody | null> {
  const me = memberInfo(deps.db, guildId, memberId);
  if (!me?.here || me.bot) return null;
  const mine = memberWeek(deps.db, guildId, memberId, window.start, window.end);
  const questions: { title: string; url?: string }[] = [];
  const people: { name: string; why: string }[] = [];
  let journey: { stage: string; next?: string } | null = null;
  for (const named of sources) {
    const s = named.source;
    if (!s.personal) continue;
    const part = await ask(deps, named, 'personal', () => s.personal!(deps, dw, memberId));
    if (!part) continue;
    questions.push(...(part.questionsYouCouldAnswer ?? []).map((q) => ({ title: q.title, url: q.url })));
    people.push(...(part.peopleToMeet ?? []).map((p) => ({ name: p.name, why: p.why })));
    journey = part.journey ?? journey;
  }
  const data = {
    guildName,
    windowLabel: windowLabel(window),
    memberName: me.name,
    messages: mine.messages,
    repliedTo: mine.repliedTo,
    questionsYouCouldAnswer: questions,
    peopleToMeet: people,
    journey,
  };
  return personalHasContent(data) ? composePersonal(data) : null;
}

/** For /convene status: the pulse of the most recent digest that got answers, or null. */
export function latestPulse(deps: Pick<Deps, 'db'>, guildId: GuildId): PulseSummary | null {
  const period = latestPulsePeriod(deps.db, guildId);
  return period ? pulseOf(deps.db, guildId, period) : null;
}

/** One line for /convene status: "Digest pulse (2026-W48): 12 helped, 3 not really, 2 notes (see /convene digest preview)". */
export function renderPulseLine(pulse: PulseSummary | null): string {
  if (!pulse) return 'Digest pulse: no answers yet.';
  const notes = pulse.notes.length
    ? `, ${pulse.notes.length} ${pulse.notes.length === 1 ? 'note' : 'notes'} (read them in /convene digest preview)`
    : '';
  return `Digest pulse (${pulse.period}): ${pulse.helped} helped, ${pulse.notReally} not really${notes}.`;
}

/** When the next scheduled digest is due, or null while it is off. */
export function nextDigestAt(settings: GuildSettings, now: number): number | null {
  const schedule = scheduleOf(settings);
  if (!schedule) return null;
  const next = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(now));
  return next ? next.getTime() : null;
}

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "every Monday at 09:00 (Europe/Berlin); next on Mon 30 Nov" */
export function describeSchedule(settings: GuildSettings, now: number): string {
  const d = settings.digest;
  const tz = digestTimezone(settings);
  const day = DAY_NAMES[WEEKDAYS.indexOf(d.day)]!;
  const next = nextDigestAt(settings, now);
  const nextText = next === null ? '' : `; next on ${day.slice(0, 3)} ${shortDate(dateOf(next, tz))}`;
  return `every ${day} at ${d.time} (${tz})${nextText}`;
}

/** /convene goals show: each goal with its latest stored weeks (no recomputation), and the why. */
export function goalsReport(deps: Pick<Deps, 'db'>, guildId: GuildId, _now: number): string {
  const settings = getSettings(deps.db, guildId);
  const goals = settings.digest.goals;
  const why = settings.core.why ? `Why: *${safeText(settings.core.why, 500)}*\n\n` : '';
  if (goals.length === 0) {
    const options = GOAL_METRICS.map((m) => `• \`${m}\`: ${METRICS[m].meaning} (e.g. ${METRICS[m].example})`).join(
      '\n',
    );
    return `${why}No goals yet. Set one with /convene goals set metric: target:\n${options}`;
  }
  const weeks = recentStoredWeeks(deps.db, guildId, WEEKS).reverse();
  const pad: null[] = Array.from({ length: WEEKS - weeks.length }, () => null);
  const lines = goals.map((g) =>
    goalLine({ metric: g.metric, target: g.target, values: [...pad, ...weeks.map((w) => w.goals[g.metric] ?? null)] }),
  );
  const note = weeks.length === 0 ? '\n\nValues appear once the first digest (or preview) has run.' : '';
  return `${why}**Goals** (the last ${WEEKS} weeks, newest on the right)\n${lines.join('\n')}${note}`;
}
