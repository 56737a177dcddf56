/**
 * The journey's words, pure: welcome, congratulation, nudge and /journey texts as MessageBodies.
 * Every body mentions at most the member it is for (explicit `mentions`), and any text a person
 * typed (server name, thread titles, a moderator's custom welcome) has @everyone/@here/role
 * mentions defused, so nothing reads like a mass ping even where a client renders it.
 */
import type { MessageBody } from '../../actions.js';
import type { MemberId } from '../../events.js';
import { safeText, stripControls } from '../../text/fit.js';
import { andList } from '../../text/list.js';
import { formatCount, nounFor, plural } from '../../text/plural.js';
import type { Progress } from './evaluate.js';
import type { Criterion, Stage, Track } from './track.js';

export interface ChannelRef {
  channelId: string;
  name: string;
}

/**
 * A moderator's own text (a custom welcome, stage names): their markdown and links stay, mass and role
 * mentions are defused (a zero-width space after "@") and bidi controls removed.
 */
export const neutralize = (text: string): string =>
  stripControls(text)
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/<@&/g, '<@\u200b&');

/** A name someone chose (server, member, thread): shown as text (../../text/fit.ts safeText). */
const named = (text: string, max = 100) => safeText(text, max);

const member = (id: string) => `<@${id}>`;
const channel = (id: string) => `<#${id}>`;
const role = (id: string) => `<@&${id}>`;
const date = (ms: number) => `<t:${Math.floor(ms / 1000)}:D>`;
const quoted = (text: string, max = 80) => `“${named(text, max)}”`;

const forMember = (memberId: string, content: string): MessageBody => ({
  content,
  mentions: { members: [memberId as MemberId] },
});

// ---------------------------------------------------------------------------------------------
// Criteria

export interface Places {
  introductions: ChannelRef | null;
}

/** A count in words of the criterion's own ("a day" / "30 days"), singular as plural.ts decides. */
const times = (n: number, one: string, many: string) => nounFor(n, one, many.replace('{n}', formatCount(n)));

/** A criterion as a checklist line, e.g. "Post in 3 of the last 4 weeks". */
export function criterionLabel(c: Criterion, places: Places): string {
  const n = c.atLeast;
  if (c.kind === 'memberDays') return `Be a member for ${times(n, 'a day', '{n} days')}`;
  if (c.withinWeeks !== undefined && c.distinctWeeks) {
    const verb = c.kind === 'message' ? 'Post' : `${criterionLabel({ kind: c.kind, atLeast: 1 }, places)} —`;
    return `${verb} in ${n} of the last ${times(c.withinWeeks, 'week', '{n} weeks')}`;
  }
  const window = c.withinWeeks !== undefined ? ` in the last ${times(c.withinWeeks, 'week', '{n} weeks')}` : '';
  switch (c.kind) {
    case 'message':
      return `${times(n, 'Post your first message', 'Post {n} messages')}${window}`;
    case 'introduction': {
      const where = places.introductions ? channel(places.introductions.channelId) : 'the introductions channel';
      return `Introduce yourself in ${where}${n > 1 ? ` (${n} posts)` : ''}${window}`;
    }
    case 'profile':
      return `Set up your profile${window}`;
    case 'question':
      return `${times(n, 'Ask your first question', 'Ask {n} questions')}${window}`;
    case 'reply':
      return `${times(n, "Reply to someone else's question", 'Reply to {n} questions from others')}${window}`;
    case 'solved':
      return `Have ${times(n, 'an answer', '{n} answers')} marked as solving or helpful (✅/👍 from the asker, or accepted)${window}`;
    case 'welcomedNewcomer':
      return `Be the first to reply to a newcomer's first post${n > 1 ? ` (${n} times)` : ''}${window}`;
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The next concrete step toward `next`: its first unmet criterion. */
export function nextStep(next: Stage | null, progress: Progress[], places: Places): string | null {
  if (!next) return null;
  const todo = progress.find((p) => !p.done) ?? progress[0];
  if (!todo) return null;
  const left = todo.need - todo.have;
  const label = lowerFirst(criterionLabel(todo.criterion, places));
  return todo.need > 1 && left > 0 && left < todo.need ? `${label} (${left} to go)` : label;
}

// ---------------------------------------------------------------------------------------------
// Welcome

export interface WelcomeInput {
  memberId: string;
  serverName: string;
  /** Busiest topic channels, at most 3 are named. */
  topicChannels: ChannelRef[];
  introductions: ChannelRef | null;
  help: ChannelRef | null;
  /** A moderator's text with {member}, {server}, {channels}, {first_step}; '' = the default. */
  customText: string;
}

function firstStep(input: WelcomeInput): string {
  if (input.introductions) {
    return `introduce yourself in ${channel(input.introductions.channelId)} — a line about who you are and what you're working on is plenty.`;
  }
  if (input.help) return `ask your first question in ${channel(input.help.channelId)} — no question is too small.`;
  const first = input.topicChannels[0];
  if (first) return `say hi in ${channel(first.channelId)}.`;
  return 'say hi — people here are glad you came.';
}

export function renderWelcome(input: WelcomeInput): MessageBody {
  const server = named(input.serverName);
  const topics = input.topicChannels.slice(0, 3).map((c) => channel(c.channelId));
  const step = firstStep(input);
  if (input.customText.trim() !== '') {
    const values: Record<string, string> = {
      member: member(input.memberId),
      server,
      channels: andList(topics),
      first_step: step,
    };
    // Defuse the moderator's text first, then fill the placeholders with our own safe values.
    const content = neutralize(input.customText).replace(
      /\{(member|server|channels|first_step)\}/g,
      (_, key: string) => values[key]!,
    );
    return forMember(input.memberId, content);
  }
  const lines = [`👋 Welcome to **${server}**, ${member(input.memberId)}!`];
  if (topics.length > 0) lines.push(`People here talk in ${andList(topics)}.`);
  lines.push(`**First step:** ${step}`);
  lines.push('Type `/journey` any time to see where you are and what comes next.');
  return forMember(input.memberId, lines.join('\n'));
}

export const WELCOME_PLACEHOLDERS = ['member', 'server', 'channels', 'first_step'] as const;

/**
 * The longest a custom welcome can become once its placeholders are filled with the longest values
 * Discord allows: a 20-digit member id, a 100-character server name whose every character needs a
 * markdown escape, three topic channels with 20-digit ids, the longest first step. Checked when a
 * moderator sets the text, so that no newcomer's welcome is cut (or refused) later.
 */
export function welcomeWorstCase(customText: string): { length: number; uses: Record<string, number> } {
  const id = '9'.repeat(20);
  const body = renderWelcome({
    memberId: id,
    serverName: '_'.repeat(100),
    topicChannels: [1, 2, 3].map((n) => ({ channelId: String(n).repeat(20), name: '' })),
    introductions: { channelId: id, name: '' },
    help: null,
    customText,
  });
  const uses: Record<string, number> = {};
  for (const key of WELCOME_PLACEHOLDERS) {
    const n = customText.split(`{${key}}`).length - 1;
    if (n > 0) uses[key] = n;
  }
  return { length: body.content.length, uses };
}

// ---------------------------------------------------------------------------------------------
// Milestones

export interface CongratsInput {
  memberId: string;
  serverName: string;
  stage: Stage;
  next: Stage | null;
  progress: Progress[];
  places: Places;
}

export function renderCongrats(input: CongratsInput): MessageBody {
  const server = named(input.serverName);
  const head = `🎉 ${member(input.memberId)}, you're now **${neutralize(input.stage.name)}** in **${server}**!`;
  const step = nextStep(input.next, input.progress, input.places);
  if (!step) {
    return forMember(input.memberId, `${head} That's the whole journey — thank you for making this place what it is.`);
  }
  const why = input.stage.unlocks ? ` ${neutralize(input.stage.unlocks)}` : '';
  return forMember(input.memberId, `${head}${why}\nNext: ${step} — \`/journey\` shows your progress.`);
}

// ---------------------------------------------------------------------------------------------
// Silent-newcomer nudge

export type Invitation =
  | { kind: 'openQuestion'; thread: ChannelRef }
  | { kind: 'busiestThread'; thread: ChannelRef; messages: number }
  | { kind: 'introductions'; channel: ChannelRef }
  | { kind: 'channel'; channel: ChannelRef };

export function renderNudge(memberId: string, serverName: string, invitation: Invitation): MessageBody {
  const hello = `👋 Hi ${member(memberId)}, how are you finding **${named(serverName)}**?`;
  let offer: string;
  switch (invitation.kind) {
    case 'openQuestion':
      offer = `Someone asked ${quoted(invitation.thread.name)} in ${channel(invitation.thread.channelId)} and is still waiting for a first reply — if you know a little about it, your answer would really help.`;
      break;
    case 'busiestThread':
      offer = `This week's liveliest conversation is ${quoted(invitation.thread.name)} in ${channel(invitation.thread.channelId)} (${plural(invitation.messages, 'message')}) — jump in, even just to say what you think.`;
      break;
    case 'introductions':
      offer = `A good first step: say hello in ${channel(invitation.channel.channelId)} — a line about what you're working on is plenty.`;
      break;
    case 'channel':
      offer = `A good first step: say hi in ${channel(invitation.channel.channelId)} — people here are glad you came.`;
      break;
  }
  return forMember(memberId, `${hello} ${offer}\n-# Just this once. Don't want nudges? \`/nudges off\``);
}

// ---------------------------------------------------------------------------------------------
// /journey and /convene journey show

export interface JourneyView {
  serverName: string;
  /** null: the member asking about themselves. */
  aboutName: string | null;
  track: Track;
  index: number;
  stageAt: number | null;
  next: Stage | null;
  progress: Progress[];
  places: Places;
}

export function renderJourney(view: JourneyView): string {
  const stage = view.track.stages[view.index]!;
  const whose = view.aboutName === null ? 'Your' : `${named(view.aboutName, 32)}'s`;
  const lines = [`**${whose} journey in ${named(view.serverName)}**`];
  const since = view.stageAt !== null && view.index > 0 ? ` — since ${date(view.stageAt)}` : '';
  lines.push(`Stage ${view.index + 1} of ${view.track.stages.length}: **${neutralize(stage.name)}**${since}`);
  if (!view.next) {
    lines.push("That's the last stage — thank you for everything you do here.");
    return lines.join('\n');
  }
  const unlocks = [
    view.next.unlocks ? neutralize(view.next.unlocks) : '',
    view.next.roleId ? `Role: ${role(view.next.roleId)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  lines.push(
    `Next: **${neutralize(view.next.name)}**${view.next.optional ? ' (optional)' : ''}${unlocks ? ` — ${unlocks}` : ''}`,
  );
  if (view.next.match === 'any' && view.progress.length > 1) lines.push('Any one of these:');
  for (const p of view.progress) {
    lines.push(
      `${p.done ? '✅' : '⬜'} ${criterionLabel(p.criterion, view.places)} (${Math.min(p.have, p.need)}/${p.need})`,
    );
  }
  const after = view.track.stages[view.index + 2];
  if (view.next.optional && after)
    lines.push(`You can also skip it: **${neutralize(after.name)}** comes next either way.`);
  return lines.join('\n');
}

export interface TrackView {
  track: Track;
  silent: boolean;
  congratulateVia: 'dm' | 'channel';
  congratulateChannelId: string | null;
  counts: Map<string, number>;
  places: Places;
}

export function renderTrack(view: TrackView): string {
  const where =
    view.congratulateVia === 'channel' && view.congratulateChannelId
      ? `in ${channel(view.congratulateChannelId)}`
      : 'by DM';
  const lines = [
    `**Journey track** — ${view.silent ? 'silent (roles only)' : `congratulations ${where}`}; previous stage's role ${view.track.removePreviousRole ? 'removed' : 'kept'}`,
  ];
  view.track.stages.forEach((stage, i) => {
    const criteria =
      stage.criteria.length === 0
        ? 'everyone starts here'
        : stage.criteria
            .map((c) => lowerFirst(criterionLabel(c, view.places)))
            .join(stage.match === 'any' ? ' or ' : ' and ');
    const roleText = stage.roleId ? role(stage.roleId) : 'no role';
    const n = view.counts.get(stage.id) ?? 0;
    lines.push(
      `${i + 1}. **${neutralize(stage.name)}** \`${stage.id}\`${stage.optional ? ' (optional)' : ''} — ${criteria} · ${roleText} · ${plural(n, 'member')} here`,
    );
  });
  lines.push(
    'Change a role with `/convene journey set-role`; edit the whole track with `/convene config export` and `import`.',
  );
  return lines.join('\n');
}
