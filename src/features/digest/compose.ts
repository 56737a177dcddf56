/**
 * The weekly digest as a message (pure): DigestData → MessageBody. It fits one screen (budget.ts):
 * every list opens with its count and shows a handful of items (SHOWN), never every item; the rest
 * is one click away ("Full lists", composeLists.ts; the personal DM is composePersonal.ts). It also fits Discord's limits by construction:
 * every section gets a character budget out of what is left of the 6000-character embed total and
 * fills it with as many lines as fit, ending with "and N more". It pings nobody (`mentions` absent)
 * and writes names, never mentions. Sections appear only when they have content.
 */
import type { Button, Embed, EmbedField, MessageBody } from '../../actions.js';
import type { Platform } from '../../events.js';
import { fitList, LIMITS, link, safeText } from '../../text/fit.js';
import { formatCount, plural } from '../../text/plural.js';
import { countChange, durationChange, formatDuration, formatShare, shareChange, sparkline } from './format.js';
import { formatMetric, formatTarget, type GoalMetric, goalStatus, METRICS } from './goals.js';
import { ago, andMore, Budget, COLOR, guardLimits, TOTAL_BUDGET } from './message.js';

export const PULSE_BUTTON = 'digest-pulse';
export const NOTE_BUTTON = 'digest-note';
export const LISTS_BUTTON = 'digest-lists';

/**
 * How many items each list of the digest shows: a handful a reader takes in at a glance. Together
 * they keep the busiest week within budget.ts's screen (five waiting questions first: they are what
 * a reader can act on).
 */
export const SHOWN = { newMembers: 5, milestones: 3, waiting: 5, helpers: 5, threads: 3, metPairs: 3 } as const;

/** One week's community health, for the health section (current and previous week). */
export interface HealthNumbers {
  activeMembers: number;
  messages: number;
  asked: number;
  answered: number;
  answeredWithin24h: number;
  medianFirstResponseMs: number | null;
  retentionCohort: number;
  retained: number;
}

export interface DigestData {
  guildName: string;
  /** ISO week of the digest ("2026-W48"): the pulse buttons count answers per period. */
  period: string;
  /**
   * The local day the digest's window ends before ("2026-12-03"): "Full lists" shows the same seven
   * days (a post-now digest's window is not its ISO week's). Absent: the period's scheduled window.
   */
  windowEnd?: string;
  /** Where it is posted: the forum shows no buttons, so its footer names the command instead. */
  postedOn?: Platform;
  /** "17–23 Nov 2026" */
  windowLabel: string;
  /** The community's why (/convene why set); '' = none. */
  why: string;
  newMembers: { count: number; names: string[] };
  milestones: { total: number; items: { name: string; milestone: string }[] };
  intros: { made: number; met: number; metPairs: { a: string; b: string }[] } | null;
  liveliestThreads: { title: string; url?: string; messages: number; people: number }[];
  /** Oldest first; `total` may exceed the items given. */
  waitingQuestions: { total: number; items: { title: string; url?: string; askedAt: number }[] };
  helpers: { name: string; solved: number; thanked: number; firstReplies: number }[];
  health: { current: HealthNumbers; previous: HealthNumbers | null };
  /** Each goal with its weekly values, oldest first, this week last (null = no data that week). */
  goals: { metric: GoalMetric; target: number; values: (number | null)[] }[];
  /** Name of the chart attachment to show as the embed image, when there is one. */
  chartAttachment: string | null;
  /**
   * Only for a community paired across Discord and the forum (absent otherwise): the week's messages
   * on each platform. The other numbers already count both, a linked person once.
   */
  platforms?: { platform: Platform; messages: number }[];
  /** Only in /convene digest preview: what members said through the last digest's pulse. */
  moderator?: { pulse: { period: string; helped: number; notReally: number; notes: string[] } | null };
}

function welcomeLine(data: DigestData, max: number): string {
  const { count, names } = data.newMembers;
  if (count === 0) return '';
  const head = `👋 **Welcome** to the ${plural(count, 'new member')}: `;
  const listed = names
    .slice(0, SHOWN.newMembers)
    .map((n) => safeText(n, 40))
    .filter(Boolean);
  const hidden = Math.max(0, count - listed.length);
  const more = (k: number) => `and ${formatCount(k + hidden)} more`;
  const body = fitList(listed, max - head.length - 1, more, ', ', hidden);
  if (body) return `${head}${body}.`;
  // No room for names (or none given): the count alone still welcomes them.
  const short = `${head.slice(0, -2)}!`;
  return short.length <= max ? short : '';
}

function milestonesLine(data: DigestData, max: number): string {
  const { total, items } = data.milestones;
  if (total === 0 || items.length === 0) return '';
  const head = `🏅 **${plural(total, 'milestone')}**: `;
  const shown = items.slice(0, SHOWN.milestones);
  const listed = shown.map((m) => `${safeText(m.name, 40)} ${safeText(m.milestone, 60)}`);
  const hidden = Math.max(0, total - shown.length);
  const more = (k: number) => `and ${formatCount(k + hidden)} more`;
  const body = fitList(listed, max - head.length - 1, more, '; ', hidden);
  return body ? `${head}${body}.` : '';
}

function introsLine(data: DigestData, max: number): string {
  const intros = data.intros;
  if (!intros || (intros.made === 0 && intros.met === 0)) return '';
  const head = `🤝 **Introductions**: ${formatCount(intros.made)} made, ${formatCount(intros.met)} met`;
  if (head.length > max) return '';
  const pairs = intros.metPairs.slice(0, SHOWN.metPairs).map((p) => `${safeText(p.a, 32)} & ${safeText(p.b, 32)}`);
  if (pairs.length === 0) return `${head}.`;
  const body = fitList(pairs, max - head.length - 3, andMore, ', ');
  return body ? `${head} — ${body}.` : `${head}.`;
}

function threadsValue(data: DigestData, max: number): string {
  const lines = data.liveliestThreads
    .slice(0, SHOWN.threads)
    .map(
      (t, i) =>
        `${i + 1}. ${link(t.title, t.url, 80)} — ${plural(t.messages, 'message')}${t.people > 0 ? `, ${plural(t.people, 'person', 'people')}` : ''}`,
    );
  return fitList(lines, max, andMore);
}

function waitingValue(data: DigestData, now: number, max: number): string {
  const { total, items } = data.waitingQuestions;
  const shown = items.slice(0, SHOWN.waiting);
  const lines = shown.map((q) => `${link(q.title, q.url, 80)} · waiting ${ago(now - q.askedAt)}`);
  const hidden = Math.max(0, total - shown.length);
  const more = (k: number) => andMore(k + hidden);
  return fitList(lines, max, more, '\n', hidden);
}

function helpersValue(data: DigestData, max: number): string {
  const lines = data.helpers.slice(0, SHOWN.helpers).map((h) => {
    const what = [
      h.solved > 0 ? `${plural(h.solved, 'solution')}` : '',
      h.thanked > 0 ? `thanked ${h.thanked === 1 ? 'once' : `${formatCount(h.thanked)} times`}` : '',
      h.firstReplies > 0 && h.solved === 0 && h.thanked === 0
        ? `first to reply ${h.firstReplies === 1 ? 'once' : `${formatCount(h.firstReplies)} times`}`
        : '',
    ].filter(Boolean);
    return `**${safeText(h.name, 40)}**${what.length ? ` (${what.join(', ')})` : ''}`;
  });
  return fitList(lines, max, andMore);
}

/** "🔗 Discord + forum: 14 messages on Discord, 6 posts on the forum" (Discord first, whichever side posts). */
function platformsLine(platforms: NonNullable<DigestData['platforms']>): string {
  const order: Platform[] = ['discord', 'discourse'];
  const parts = [...platforms]
    .sort((a, b) => order.indexOf(a.platform) - order.indexOf(b.platform))
    .map((p) =>
      p.platform === 'discord'
        ? `${plural(p.messages, 'message')} on Discord`
        : `${plural(p.messages, 'post')} on the forum`,
    );
  return `🔗 Discord + forum: ${parts.join(', ')}`;
}

function healthValue(h: DigestData['health'], platforms?: DigestData['platforms']): string {
  const { current: c, previous: p } = h;
  const change = (text: string | null) => (text ? ` (${text})` : '');
  const share24 = (x: HealthNumbers) => (x.asked > 0 ? x.answeredWithin24h / x.asked : null);
  const retention = (x: HealthNumbers) => (x.retentionCohort > 0 ? x.retained / x.retentionCohort : null);
  const lines = [
    ...(platforms && platforms.length > 1 ? [platformsLine(platforms)] : []),
    `**${formatCount(c.activeMembers)}** active ${c.activeMembers === 1 ? 'member' : 'members'}${change(countChange(c.activeMembers, p?.activeMembers))}`,
    `**${formatCount(c.messages)}** ${c.messages === 1 ? 'message' : 'messages'}${change(countChange(c.messages, p?.messages))}`,
  ];
  if (c.medianFirstResponseMs !== null) {
    lines.push(
      `**${formatDuration(c.medianFirstResponseMs)}** median time to a first response${change(durationChange(c.medianFirstResponseMs, p?.medianFirstResponseMs))}`,
    );
  }
  const s = share24(c);
  if (s !== null) {
    lines.push(
      `**${formatShare(s)}** of ${plural(c.asked, 'question')} answered within 24 h${change(shareChange(s, p ? share24(p) : null))}`,
    );
  }
  const r = retention(c);
  if (r !== null) {
    lines.push(
      `**${formatShare(r)}** of the ${formatCount(c.retentionCohort)} who joined 4 weeks ago were active${change(shareChange(r, p ? retention(p) : null))}`,
    );
  }
  return lines.join('\n');
}

export function goalLine(goal: DigestData['goals'][number]): string {
  const info = METRICS[goal.metric];
  const current = goal.values.at(-1) ?? null;
  const status = goalStatus(goal.metric, goal.target, goal.values);
  const verdict =
    status.kind === 'met'
      ? '✅ on track'
      : status.kind === 'closing'
        ? `↗ on track (about ${plural(status.weeks, 'week')} to go)`
        : status.kind === 'behind'
          ? '⚠️ off track'
          : 'no data yet';
  const value = current === null ? '—' : formatMetric(goal.metric, current);
  return `**${info.label}**: ${value} · target ${formatTarget(goal.metric, goal.target)} · \`${sparkline(goal.values)}\` · ${verdict}`;
}

function pulseButtons(period: string): Button[] {
  return [
    { id: `${PULSE_BUTTON}:${period}:yes`, label: 'This week helped me', style: 'success' },
    { id: `${PULSE_BUTTON}:${period}:no`, label: 'Not really', style: 'secondary' },
    { id: `${NOTE_BUTTON}:${period}`, label: 'Tell the moderators…', style: 'secondary' },
  ];
}

function moderatorEmbed(m: NonNullable<DigestData['moderator']>, budget: Budget): Embed | null {
  const title = 'For moderators: the pulse of the last digest';
  const footer = 'Only you can see this. Answers are anonymous: counted once per member and digest.';
  const pulse = m.pulse;
  const head = pulse
    ? `Digest ${safeText(pulse.period, 12)}: 👍 ${formatCount(pulse.helped)} helped · 👎 ${formatCount(pulse.notReally)} not really`
    : 'No pulse answers yet.';
  if (budget.left < title.length + footer.length + head.length) return null;
  budget.charge(title, footer, head);
  let description = head;
  if (pulse && pulse.notes.length > 0) {
    const notes = pulse.notes.map((n) => `> ${safeText(n, 300)}`);
    const max = Math.min(LIMITS.description - head.length - 2, budget.left - 2);
    const list = fitList(notes, max, (k) => `…and ${plural(k, 'more note')}`);
    if (list) {
      description = `${head}\n\n${list}`;
      budget.charge('\n\n', list);
    }
  }
  return { title, description, color: 0x99aab5, footer };
}

/**
 * Compose the digest. `now` dates the "waiting 3 d" ages. Budget order: the fixed frame first,
 * then the why, health and goals (short, bounded), then the lists by how much they matter to a
 * member reading it: who is waiting for help, who is new, who helped, what was lively.
 */
export function composeDigest(data: DigestData, now: number): MessageBody {
  const reserveForModerator = data.moderator ? 900 : 0;
  const budget = new Budget(TOTAL_BUDGET - reserveForModerator);
  const title = `This week in ${safeText(data.guildName, 100) || 'your community'}`;
  const footer =
    data.postedOn === 'discourse'
      ? 'Did this week help you? Tell the moderators with `/digest tell`: they see the words, not your name.'
      : 'Did this week help you? Tell us below: answers are anonymous.';
  // Separators between the description's paragraphs ("\n\n", "\n") are charged up front.
  budget.charge(title, footer, '          ');

  const values = new Map<string, string>();
  const put = (name: string, value: string) => {
    if (!value) return;
    values.set(name, value);
    budget.charge(name, value);
  };
  const share = (parts: number) => Math.max(0, Math.floor(budget.left / parts));

  // The why leads: it is what the numbers below are measured against.
  const why = data.why.trim() ? `*${safeText(data.why, 500)}*` : '';
  budget.charge(why);

  const HEALTH = '📊 Community health (vs last week)';
  put(HEALTH, healthValue(data.health, data.platforms));
  const GOALS = '🎯 Goals';
  if (data.goals.length > 0) {
    put(GOALS, fitList(data.goals.map(goalLine), Math.min(LIMITS.fieldValue, budget.left - GOALS.length), andMore));
  }

  // The lists, by how much they matter to a member reading: who waits for help, who is new, who
  // helped, what was lively. Each gets at most the field limit and a fair share of what is left.
  const WAITING = `🙋 ${plural(data.waitingQuestions.total, 'question')} still waiting for help`;
  put(WAITING, waitingValue(data, now, Math.min(LIMITS.fieldValue, share(4) - WAITING.length)));
  const welcome = welcomeLine(data, Math.min(700, share(4)));
  budget.charge(welcome);
  const HELPERS = '💛 Thanks to the members who helped most';
  put(HELPERS, helpersValue(data, Math.min(LIMITS.fieldValue, share(4) - HELPERS.length)));
  const milestones = milestonesLine(data, Math.min(500, share(4)));
  budget.charge(milestones);
  const intros = introsLine(data, Math.min(400, share(3)));
  budget.charge(intros);
  const THREADS = '🔥 Liveliest threads';
  put(THREADS, threadsValue(data, Math.min(LIMITS.fieldValue, budget.left - THREADS.length)));

  // Where the rest is: the button on Discord, the command on both (the forum has no buttons).
  const rest = hasMore(data) ? '-# Everyone new, every milestone and waiting question: `/digest lists`' : '';
  budget.charge(rest);
  const story = [welcome, milestones, intros, rest].filter(Boolean).join('\n');
  const quiet = !why && !story && data.health.current.messages === 0 ? 'A quiet week.' : '';
  budget.charge(quiet);
  const description = [why, story, quiet].filter(Boolean).join('\n\n');

  const fields: EmbedField[] = [WAITING, HELPERS, THREADS, HEALTH, GOALS].flatMap((name) => {
    const value = values.get(name);
    return value ? [{ name, value }] : [];
  });
  const main: Embed = {
    title,
    color: COLOR,
    ...(description ? { description } : {}),
    fields,
    footer,
    ...(data.chartAttachment ? { imageAttachment: data.chartAttachment } : {}),
  };
  const embeds: Embed[] = [main];
  if (data.moderator) {
    const mod = moderatorEmbed(data.moderator, new Budget(reserveForModerator + budget.left));
    if (mod) embeds.push(mod);
  }
  return guardLimits({
    content: `📬 **Weekly digest · ${safeText(data.windowLabel, 60)}**`,
    embeds,
    buttons: [...pulseButtons(data.period), ...(hasMore(data) ? [listsButton(data.windowEnd ?? data.period)] : [])],
  });
}

/** True when a list of the digest has more than it shows: the "Full lists" button is worth a click. */
export function hasMore(data: DigestData): boolean {
  return (
    data.newMembers.count > SHOWN.newMembers ||
    data.milestones.total > SHOWN.milestones ||
    data.waitingQuestions.total > SHOWN.waiting
  );
}

const listsButton = (window: string): Button => ({
  id: `${LISTS_BUTTON}:${window}`,
  label: 'Full lists',
  style: 'secondary',
});
