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
  composeDigest,
  composePersonal,
  type DigestData,
  goalLine,
  type HealthNumbers,
  personalHasContent,
} from './compose.js';
import { safeText } from './fit.js';
import { GOAL_METRICS, METRICS } from './goals.js';
import { threadUrl } from './links.js';
import type { DigestHelper, DigestSource, DigestWindow } from './sources.js';
import {
  botIds,
  computeWeekStats,
  type FirstResponse,
  firstResponders,
  firstResponses,
  guildInfo,
  latestPulsePeriod,
  liveliestThreads,
  memberInfo,
  memberNames,
  memberWeek,
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
const NAMES_SHOWN = 40;
const QUESTIONS_SHOWN = 25;
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

/** The core numbers of a week, with what the features measure better laid over them. */
async function weekWithSources(
  deps: Deps,
  guildId: GuildId,
  w: Window,
  dw: DigestWindow,
  now: number,
  bots: string[],
  sources: readonly NamedSource[],
  threads?: FirstResponse[],
): Promise<WeekStats> {
  const stats = computeWeekStats(deps.db, guildId, w, now, bots, threads);
  for (const named of sources) {
    const s = named.source;
    if (s.responseTimes) {
      const rt = await ask(deps, named, 'responseTimes', () => s.responseTimes!(deps, dw));
      if (rt) {
        Object.assign(stats, rt);
        stats.goals['peer-answered'] = rt.answered > 0 ? rt.peerAnswered / rt.answered : null;
        stats.goals['first-response'] = rt.medianFirstResponseMs;
      }
    }
    if (s.goalMetrics) {
      const values = await ask(deps, named, 'goalMetrics', () => s.goalMetrics!(deps, dw));
      for (const [metric, value] of Object.entries(values ?? {})) {
        if (value !== undefined) stats.goals[metric as keyof WeekStats['goals']] = value;
      }
    }
  }
  return stats;
}

/** Build the digest of `target` for a guild: every section, the chart, the message body. */
export async function buildDigest(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
  options: { preview?: boolean } = {},
): Promise<BuiltDigest> {
  const { db } = deps;
  const settings = getSettings(db, guildId);
  const tz = digestTimezone(settings);
  const info = guildInfo(db, guildId);
  if (!info) throw new Error(`unknown guild ${guildId}`);
  const window = weekEndingAt(target.endDate, tz);
  const windows = previousWindows(window, WEEKS, tz);
  const bots = botIds(db, guildId);
  const digestWindow = (w: Window): DigestWindow => ({
    guildId,
    platform: info.platform,
    start: w.start,
    end: w.end,
    timezone: tz,
    now,
  });
  const current = digestWindow(window);
  const helperSources = sources.filter((s) => s.source.topHelpers);
  // The week's first responses serve both its numbers and, without a helpers source, its thanks.
  const threads = firstResponses(db, guildId, window.start, window.end, now, bots);

  const weeks: WeekStats[] = [];
  const toStore: WeekStats[] = [];
  for (const w of windows) {
    const isCurrent = w.start === window.start;
    const stored = isCurrent ? null : storedWeek(db, guildId, w);
    if (stored) {
      weeks.push(stored.stats);
      continue;
    }
    const stats = await weekWithSources(
      deps,
      guildId,
      w,
      digestWindow(w),
      now,
      bots,
      sources,
      isCurrent ? threads : undefined,
    );
    weeks.push(stats);
    // A week is stored once it has ended. Every week is first stored by the digest right after it,
    // so week-over-week changes compare weeks seen at the same distance from their end.
    if (now >= w.end) toStore.push(stats);
  }
  const thisWeek = weeks.at(-1)!;
  const lastWeek = weeks.at(-2) ?? null;

  // Sections from the features, each with a core fallback where the core tables can say something.
  const milestones: { name: string; milestone: string; at: number }[] = [];
  const intros = { made: 0, met: 0, metPairs: [] as { a: string; b: string }[] };
  let introsFound = false;
  let waiting: { title: string; url?: string; askedAt: number; threadId: string }[] | null = null;
  const helpersById = new Map<string, DigestHelper>();
  for (const named of sources) {
    const s = named.source;
    if (s.milestones)
      milestones.push(...((await ask(deps, named, 'milestones', () => s.milestones!(deps, current))) ?? []));
    if (s.intros) {
      const i = await ask(deps, named, 'intros', () => s.intros!(deps, current));
      if (i) {
        introsFound = true;
        intros.made += i.made;
        intros.met += i.met;
        intros.metPairs.push(...(i.metPairs ?? []));
      }
    }
    if (s.waitingQuestions) {
      const list = await ask(deps, named, 'waitingQuestions', () => s.waitingQuestions!(deps, current));
      if (list) waiting = [...(waiting ?? []), ...list];
    }
    if (s.topHelpers) {
      for (const h of (await ask(deps, named, 'topHelpers', () => s.topHelpers!(deps, current))) ?? []) {
        const before = helpersById.get(h.memberId);
        helpersById.set(h.memberId, {
          ...h,
          solved: (before?.solved ?? 0) + h.solved,
          thanked: (before?.thanked ?? 0) + h.thanked,
        });
      }
    }
  }
  if (waiting === null) {
    waiting = waitingThreads(db, guildId, now - WAITING_DAYS * 86_400_000, now, bots).map((t) => ({
      title: t.name,
      url: threadUrl(info.platform, guildId, t.threadId),
      askedAt: t.askedAt,
      threadId: t.threadId,
    }));
  }
  const uniqueWaiting = [...new Map(waiting.map((q) => [q.threadId, q])).values()].sort(
    (a, b) => a.askedAt - b.askedAt || a.threadId.localeCompare(b.threadId),
  );

  let helpers: DigestData['helpers'];
  if (helperSources.length > 0) {
    helpers = [...helpersById.values()]
      .filter((h) => h.solved + h.thanked > 0)
      .sort((a, b) => b.solved - a.solved || b.thanked - a.thanked || a.name.localeCompare(b.name))
      .slice(0, HELPERS_SHOWN)
      .map((h) => ({ name: h.name, solved: h.solved, thanked: h.thanked, firstReplies: 0 }));
  } else {
    const counts = [...firstResponders(threads)]
      .filter(([id]) => !bots.includes(id))
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, HELPERS_SHOWN);
    const names = memberNames(
      db,
      guildId,
      counts.map(([id]) => id),
    );
    helpers = counts.map(([id, k]) => ({ name: names.get(id) ?? id, solved: 0, thanked: 0, firstReplies: k }));
  }

  const fresh = newMembers(db, guildId, window.start, window.end, NAMES_SHOWN);
  const lively = liveliestThreads(db, guildId, window.start, window.end, THREADS_SHOWN, bots);
  milestones.sort((a, b) => a.at - b.at);

  let chartAttachment: string | null = null;
  let chartPng: Buffer | null = null;
  try {
    chartPng = renderDigestChart({
      dailyMessages: weeks.flatMap((w) => w.dailyMessages),
      weeklyMedianMs: weeks.map((w) => w.medianFirstResponseMs),
      weekLabels: windows.map((w) => shortDate(w.firstDate)),
    });
    chartAttachment = `digest-${target.period}.png`;
  } catch (error) {
    // The numbers are in the text too: a digest without its chart beats no digest.
    deps.log.error({ err: error, guildId }, 'digest chart failed; posting without it');
  }

  const pulsePeriod = options.preview ? latestPulsePeriod(db, guildId) : null;
  const data: DigestData = {
    guildName: info.name,
    period: target.period,
    windowLabel: windowLabel(window),
    why: settings.core.why,
    newMembers: fresh,
    milestones: { total: milestones.length, items: milestones.slice(0, 30) },
    intros: introsFound ? intros : null,
    liveliestThreads: lively.map((t) => ({
      title: t.name,
      url: threadUrl(info.platform, guildId, t.threadId),
      messages: t.messages,
      people: t.people,
    })),
    waitingQuestions: { total: uniqueWaiting.length, items: uniqueWaiting.slice(0, QUESTIONS_SHOWN) },
    helpers,
    health: { current: health(thisWeek), previous: lastWeek ? health(lastWeek) : null },
    goals: settings.digest.goals.map((g) => ({
      metric: g.metric,
      target: g.target,
      values: weeks.map((w) => w.goals[g.metric] ?? null),
    })),
    chartAttachment,
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
