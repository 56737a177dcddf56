/**
 * What nudges and escalations say (pure): the "why" for each peer, the message bodies, the actions
 * and their idempotency keys. The decisions of who and when are in nudgePolicy.ts.
 */
import type { Action, MessageBody } from '../../actions.js';
import type { ChannelId, MemberId, MessageId, RoleId } from '../../events.js';
import { ago } from '../../text/ago.js';
import { link, safeText } from '../../text/fit.js';
import type { EscalationTarget, OpenQuestion, PeerPick, Stage } from './nudgePolicy.js';
import type { Reason } from './route.js';

const HOUR_MS = 3_600_000;

/** A question as it is named in a message: its title and a link that opens it (null: none can be made). */
export interface NamedQuestion {
  title: string;
  url: string | null;
}

/** Characters of a title shown in a nudge line (the whole title is in the thread). */
const TITLE_SHOWN = 100;
const named = (q: NamedQuestion) => link(q.title, q.url ?? undefined, TITLE_SHOWN);

/**
 * What the service looked up for one peer's "why" (why.ts): the topic word of their expertise as the
 * question wrote it (absent: no word of it is worth showing), how many questions they answered about
 * it and when the last one was, the asker's and the channel's names.
 */
export interface PeerWhy {
  word?: string;
  answered?: number;
  lastAt?: number | null;
  asker?: string;
  channel?: string;
  /** Questions they answered in that channel, and when the last one was. */
  channelAnswered?: number;
  channelLastAt?: number | null;
}
export type AnsweredAbout = ReadonlyMap<string, PeerWhy>;

/** Member words and names in a reason: shown as text (markup escaped, never a ping), kept short. */
const plain = (text: string) => safeText(text, 40);

function hoursText(hours: number): string {
  if (hours < 1) return 'within the hour';
  const h = Math.ceil(hours);
  return h < 48 ? `within ${h} hour${h === 1 ? '' : 's'}` : `within ${Math.ceil(h / 24)} days`;
}

/** One reason as a sentence, or null when it has nothing true and specific to say. */
function reasonLine(r: Reason, why: PeerWhy, now: number | undefined): string | null {
  const since = (at: number | null | undefined) =>
    at !== undefined && at !== null && Number.isFinite(at) && now !== undefined ? ago(now - at) : null;
  switch (r.kind) {
    case 'expertise': {
      if (!why.word) return null;
      const word = plain(why.word);
      const n = why.answered ?? 0;
      const last = since(why.lastAt);
      if (n > 1) return `you answered ${n} questions about ${word}${last ? `, the last one ${last}` : ''}`;
      if (n === 1) return `you answered a question about ${word}${last ? ` ${last}` : ''}`;
      return `you have written about ${word} in your answers`;
    }
    case 'asker': {
      const who = why.asker ? plain(why.asker) : 'them';
      return (r.count ?? 0) > 1 ? `you helped ${who} ${r.count} times before` : `you helped ${who} before`;
    }
    case 'first':
      if ((r.count ?? 0) > 1) return `you were the first to answer ${r.count} questions here`;
      return r.count === 1 ? 'you were the first to answer a question here' : 'you often pick up new questions';
    case 'replies': {
      const last = since(r.lastAt);
      return (r.count ?? 0) > 1
        ? `you answered ${r.count} questions here${last ? `, the last one ${last}` : ''}`
        : 'you answer questions here';
    }
    case 'channel': {
      if (!why.channel) return 'you answer a lot in this channel';
      const where = `#${plain(why.channel)}`;
      const n = why.channelAnswered ?? 0;
      const last = since(why.channelLastAt);
      if (n > 1) return `you answered ${n} questions in ${where}${last ? `, the last one ${last}` : ''}`;
      if (n === 1) return `you answered a question in ${where}${last ? ` ${last}` : ''}`;
      return `you answer a lot in ${where}`;
    }
    case 'fast':
      return r.hours !== undefined ? `you usually reply ${hoursText(r.hours)}` : 'you usually reply quickly';
    case 'around':
      return 'you are often around at this time';
    case 'recent': {
      const last = since(r.lastAt);
      return last ? `you were last here ${last}` : null;
    }
  }
}

/**
 * The "why" for one peer, in the second person, from their strongest reason that has something
 * true and specific to say (a topic word as the question wrote it, the asker's name, counts).
 */
export function reasonText(reasons: readonly Reason[], why: PeerWhy = {}, now?: number): string {
  return whyLine(reasons, why, now) ?? 'you have been helping out lately';
}

/**
 * What they know about the question's topic first (the most specific thing to tell), else the
 * strongest reason with something true and specific to say; null when none has.
 */
export function whyLine(reasons: readonly Reason[], why: PeerWhy = {}, now?: number): string | null {
  const expertise = reasons.find((r) => r.kind === 'expertise');
  const topic = expertise ? reasonLine(expertise, why, now) : null;
  if (topic) return topic;
  for (const r of reasons) {
    const line = reasonLine(r, why, now);
    if (line) return line;
  }
  return null;
}

const mention = (memberId: string) => `<@${memberId}>`;
const roleMention = (roleId: string) => `<@&${roleId}>`;

function waited(ms: number): string {
  // A server may nudge after 10 minutes (`after:10m`): under an hour, say the minutes, not "0 hours".
  if (ms < HOUR_MS) {
    const minutes = Math.max(1, Math.floor(ms / 60_000));
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  const hours = Math.floor(ms / HOUR_MS);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.floor(hours / 24)} days`;
}

/** The peer nudge: mentions exactly the chosen peers, each with why. */
export function peerNudgeBody(
  q: Pick<OpenQuestion, 'askedAt'>,
  peers: readonly PeerPick[],
  answeredAbout: AnsweredAbout,
  now: number,
  question: NamedQuestion,
): MessageBody {
  const lines = peers.map(
    (p) => `${mention(p.memberId)} — ${reasonText(p.reasons, answeredAbout.get(p.memberId), now)}.`,
  );
  const ask = peers.length > 1 ? 'Could one of you take a look?' : 'Could you take a look?';
  return {
    content: [
      `This question has been waiting ${waited(now - q.askedAt)} without a reply: ${named(question)}`,
      ...lines,
      `${ask} No pressure if not.`,
      '-# Convene asks a couple of people at most, once. `/nudges off` if you would rather not be asked.',
    ].join('\n'),
    mentions: { members: peers.map((p) => p.memberId as MemberId) },
  };
}

/** The escalation in the question's thread: mentions exactly the helpers role(s) or the moderators listed. */
export function escalationBody(
  q: Pick<OpenQuestion, 'askedAt'>,
  target: EscalationTarget,
  now: number,
  question: NamedQuestion,
): MessageBody {
  const who = [...target.roleIds.map(roleMention), ...target.memberIds.map(mention)].join(' ');
  return {
    content: `${who} this question is still open after ${waited(now - q.askedAt)}: ${named(question)}\nCould someone have a look, or point the asker somewhere useful?`,
    mentions: {
      ...(target.memberIds.length > 0 ? { members: target.memberIds as MemberId[] } : {}),
      ...(target.roleIds.length > 0 ? { roles: target.roleIds as RoleId[] } : {}),
    },
  };
}

/**
 * The moderators' summary of one scan's escalations (no helpers role): every question once, with
 * its title, link and age, in one private message, instead of a ping per moderator per question.
 */
export function escalationSummaryBody(
  questions: readonly (NamedQuestion & { askedAt: number })[],
  guildName: string,
  now: number,
): MessageBody {
  const n = questions.length;
  const where = safeText(guildName, 100);
  return {
    content: [
      `${n === 1 ? 'This question' : `These ${n} questions`}${where ? ` in ${where}` : ''} ${n === 1 ? 'is' : 'are'} still waiting for a first reply:`,
      ...[...questions]
        .sort((a, b) => a.askedAt - b.askedAt)
        .map((q) => `• ${named(q)} — waiting ${waited(now - q.askedAt)}`),
      n === 1
        ? 'Could you have a look, or point the asker somewhere useful?'
        : 'Could you have a look, or point the askers somewhere useful?',
      '-# Sent to the moderators because no helpers role is set: `/convene questions set helpers:` sends these to a role instead. One message per scan at most.',
    ].join('\n'),
  };
}

/** The message action for a decision: a reply in the thread, or a reply to the question message. */
export function nudgeAction(q: Pick<OpenQuestion, 'channelId' | 'replyTo'>, body: MessageBody): Action {
  return {
    type: 'message.send',
    channelId: q.channelId as ChannelId,
    body,
    ...(q.replyTo ? { replyTo: q.replyTo as MessageId } : {}),
  };
}

/** Idempotency key of a question's nudge at a stage: the outbox refuses a second one. */
export const nudgeKey = (guildId: string, questionId: string, stage: Stage): string =>
  `questions:${stage === 'peer' ? 'nudge' : 'escalate'}:${guildId}:${questionId}`;

/**
 * A linked peer who is active on the other platform is asked there, by private message, instead of
 * being mentioned in the thread (one person, contacted where they are).
 */
export function awayNudgeBody(
  q: Pick<OpenQuestion, 'askedAt'>,
  where: { title: string; url: string | null; platformName: string },
  peer: PeerPick,
  why: PeerWhy,
  now: number,
): MessageBody {
  return {
    content: [
      `A question on ${where.platformName} has been waiting ${waited(now - q.askedAt)} without a reply, and you are one of the people most likely to know: ${reasonText(peer.reasons, why, now)}.`,
      named(where),
      'If you have a minute, your answer would help. No pressure if not.',
      '-# Convene sent this here because you linked your accounts and are active here. `/nudges off` if you would rather not be asked.',
    ].join('\n'),
  };
}
