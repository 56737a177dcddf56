/**
 * The questions feature's reaction to one stored event: detect questions, mark them answered (a
 * reply by someone else) and solved (the asker's ✅, a "solved" tag, an accepted answer), keep the
 * expertise index current.
 */
import type { Db } from '../../db/connection.js';
import type {
  AnswerAccepted,
  CommunityEvent,
  GuildId,
  MessageCreated,
  ReactionAdded,
  ReactionRemoved,
  ThreadUpserted,
} from '../../events.js';
import { getSettings } from '../../guildSettings.js';
import { termsOf } from '../../text/tokenize.js';
import { channelFacts, isProfilingOff, messageFacts, settingsText, threadHasEarlierMessage } from './communityStore.js';
import { isQuestion, isWatched, questionTerms, type WatchRules } from './detect.js';
import type { ExpertiseIndex } from './expertise.js';
import { askerThere, cachedIndex, twinOf } from './expertiseCache.js';
import { solvedCredit } from './expertiseStore.js';
import type { QuestionsSettings } from './settings.js';
import {
  getQuestion,
  insertQuestion,
  markSolved,
  markUnsolved,
  type QuestionRow,
  recordResponse,
  type SolvedVia,
  setQuestionBody,
} from './store.js';
import { questionTitle } from './title.js';

export const rulesOf = (s: QuestionsSettings): WatchRules => ({ auto: s.auto, channels: s.channels });

/** Parsed questions settings per guild, reused while the stored document is unchanged (the per-message path). */
const settingsCache = new WeakMap<Db, Map<string, { text: string; settings: QuestionsSettings }>>();

export function questionSettings(db: Db, guildId: string): QuestionsSettings {
  const text = settingsText(db, guildId) ?? '';
  let byGuild = settingsCache.get(db);
  if (!byGuild) {
    byGuild = new Map();
    settingsCache.set(db, byGuild);
  }
  const hit = byGuild.get(guildId);
  if (hit && hit.text === text) return hit.settings;
  const settings = getSettings(db, guildId as GuildId).questions;
  byGuild.set(guildId, { text, settings });
  return settings;
}

/** ✅ by the asker marks solved (Discord's unicode name, and the shortcode other platforms use). */
const CHECK = new Set(['✅', 'white_check_mark']);
export const isSolvedMark = (emoji: string) => CHECK.has(emoji);
const SOLVED_TAG = /solved/i;

/** React to one stored event. Call only for fresh events (a replay must not count twice). */
export function handleEvent(db: Db, event: CommunityEvent): void {
  switch (event.kind) {
    case 'message.created':
      onMessage(db, event);
      return;
    case 'thread.upserted':
      onThread(db, event);
      return;
    case 'reaction.added':
    case 'reaction.removed':
      onReaction(db, event);
      return;
    case 'answer.accepted':
      onAccepted(db, event);
      return;
    case 'member.left':
      cachedIndex(db, event.guildId)?.setGone(event.memberId, true);
      return;
    case 'member.joined':
      cachedIndex(db, event.guildId)?.setGone(event.memberId, false);
      return;
    default:
      return;
  }
}

function onMessage(db: Db, event: MessageCreated): void {
  // The bot's own nudges (and other bots) are neither questions nor answers.
  if (event.authorIsBot) return;
  const g = event.guildId;
  const channel = channelFacts(db, g, event.channelId);
  const inThread = channel?.kind === 'thread';
  const topId = inThread && channel?.parentId ? channel.parentId : event.channelId;
  const index = cachedIndex(db, g);
  index?.noteActivity(event.authorId, event.at);
  const twin = twinOf(db, g, event.authorId);
  twin?.index.noteActivity(twin.id, event.at);
  const quiet = isProfilingOff(db, g, event.authorId);
  // Tokenized only when the message turns out to matter (a question or an answer).
  const termsNow = () => (quiet ? [] : termsOf(event.content).split(' ').filter(Boolean));

  db.transaction(() => {
    const q =
      getQuestion(db, g, event.channelId) ?? (event.replyToId ? getQuestion(db, g, event.replyToId) : undefined);
    if (q) {
      if (event.authorId === q.askerId) {
        // The opening post of a thread known so far by its title only.
        if (
          !q.hasBody &&
          (event.messageId === q.questionId || !threadHasEarlierMessage(db, g, q.channelId, event.messageId, event.at))
        ) {
          const title = channel?.name ?? '';
          setQuestionBody(
            db,
            g,
            q.questionId,
            questionTerms(quiet ? '' : title, termsNow()),
            event.mentionIds,
            event.at,
          );
        }
        return;
      }
      onResponse(db, q, event, termsNow(), quiet, index);
      return;
    }
    const settings = questionSettings(db, g);
    if (!settings.enabled) return;
    const parent = inThread && channel?.parentId ? channelFacts(db, g, channel.parentId) : undefined;
    const opensThread =
      inThread &&
      ((event.messageId as string) === event.channelId ||
        !threadHasEarlierMessage(db, g, event.channelId, event.messageId, event.at));
    const asks = isQuestion(
      {
        content: event.content,
        channel: { id: event.channelId, name: channel?.name ?? '', kind: channel?.kind ?? 'text' },
        parent: parent ? { id: parent.channelId, name: parent.name, kind: parent.kind } : null,
        opensThread,
      },
      rulesOf(settings),
    );
    if (!asks) return;
    const title = inThread && !quiet ? (channel?.name ?? '') : '';
    insertQuestion(
      db,
      {
        guildId: g,
        questionId: inThread ? event.channelId : event.messageId,
        channelId: event.channelId,
        parentChannelId: topId,
        askerId: inThread ? (channel?.ownerId ?? event.authorId) : event.authorId,
        askedAt: inThread ? Math.min(channel?.createdAt ?? event.at, event.at) : event.at,
        // A thread is named by its name; a message by its first line, kept only while the asker lets us keep things.
        title: inThread ? channel?.name || null : quiet ? null : questionTitle(event.content),
        terms: questionTerms(title, termsNow()),
        hasBody: true,
        mentionIds: event.mentionIds,
      },
      event.at,
    );
  });
}

function onResponse(
  db: Db,
  q: QuestionRow,
  event: MessageCreated,
  terms: readonly string[],
  quiet: boolean,
  index: ExpertiseIndex | undefined,
): void {
  // A member who erased their data still answers the question, but nothing is kept about them.
  const r = recordResponse(
    db,
    {
      guildId: q.guildId,
      questionId: q.questionId,
      memberId: event.authorId,
      messageId: event.messageId,
      at: event.at,
    },
    event.at,
    quiet,
  );
  if (quiet) return;
  const twin = twinOf(db, q.guildId, event.authorId);
  const targets: [ExpertiseIndex, string, string][] = [];
  if (index) targets.push([index, event.authorId, q.askerId]);
  if (twin) targets.push([twin.index, twin.id, askerThere(db, q.guildId, q.askerId)]);
  for (const [into, memberId, askerId] of targets) {
    if (r.added) {
      into.noteResponse({
        memberId,
        askerId,
        terms: q.terms ? q.terms.split(' ') : [],
        at: event.at,
        askedAt: q.askedAt,
        first: r.first,
        channelId: q.parentChannelId,
      });
    }
    into.noteReplyTerms(memberId, terms, event.at);
  }
}

function onThread(db: Db, event: ThreadUpserted): void {
  const g = event.guildId;
  const solvedTag = event.tags.some((t) => SOLVED_TAG.test(t));
  db.transaction(() => {
    let q = getQuestion(db, g, event.threadId);
    if (!q) {
      const settings = questionSettings(db, g);
      if (!settings.enabled || !event.ownerId) return;
      const parent = channelFacts(db, g, event.parentId);
      // Threads under text channels become questions by their opening post (it has to ask).
      if (parent?.kind !== 'forum') return;
      if (!isWatched({ id: parent.channelId, name: parent.name, kind: parent.kind }, rulesOf(settings))) return;
      const quiet = isProfilingOff(db, g, event.ownerId);
      insertQuestion(
        db,
        {
          guildId: g,
          questionId: event.threadId,
          channelId: event.threadId,
          parentChannelId: event.parentId,
          askerId: event.ownerId,
          askedAt: event.createdAt,
          title: event.name || null,
          terms: quiet ? [] : questionTerms(event.name, []),
          hasBody: false,
          mentionIds: [],
        },
        event.at,
      );
      q = getQuestion(db, g, event.threadId);
      if (!q) return;
    }
    if (solvedTag && q.solvedAt === null) solve(db, q, 'tag', null, null, event.at);
    else if (!solvedTag && q.solvedVia === 'tag') markUnsolved(db, g, q.questionId, 'tag', event.at);
  });
}

function onReaction(db: Db, event: ReactionAdded | ReactionRemoved): void {
  if (!CHECK.has(event.emoji)) return;
  const g = event.guildId;
  db.transaction(() => {
    const m = messageFacts(db, g, event.messageId);
    const q =
      getQuestion(db, g, event.channelId) ??
      getQuestion(db, g, event.messageId) ??
      (m?.replyToId ? getQuestion(db, g, m.replyToId) : undefined);
    if (!q || event.memberId !== q.askerId) return;
    if (event.kind === 'reaction.removed') {
      markUnsolved(db, g, q.questionId, 'reaction', event.at);
      return;
    }
    const answerer = m && m.authorId !== q.askerId ? m.authorId : null;
    solve(
      db,
      q,
      'reaction',
      event.memberId,
      answerer ? { messageId: event.messageId, memberId: answerer } : null,
      event.at,
    );
  });
}

function onAccepted(db: Db, event: AnswerAccepted): void {
  const g = event.guildId;
  db.transaction(() => {
    const q = getQuestion(db, g, event.threadId);
    if (!q) return;
    if (!event.accepted) {
      markUnsolved(db, g, q.questionId, 'accepted', event.at);
      return;
    }
    const m = event.messageId ? messageFacts(db, g, event.messageId) : undefined;
    const answerer = m && m.authorId !== q.askerId ? m.authorId : null;
    solve(
      db,
      q,
      'accepted',
      event.byMemberId,
      answerer && event.messageId ? { messageId: event.messageId, memberId: answerer } : null,
      event.at,
    );
  });
}

export function solve(
  db: Db,
  q: QuestionRow,
  via: SolvedVia,
  byId: string | null,
  accepted: { messageId: string; memberId: string } | null,
  at: number,
): boolean {
  const done = markSolved(db, q.guildId, q.questionId, {
    at,
    via,
    byId,
    acceptedMessageId: accepted?.messageId ?? null,
    acceptedAnswererId: accepted?.memberId ?? null,
  });
  if (!done) return false;
  const credit = solvedCredit({
    solvedAt: at,
    acceptedAnswererId: accepted?.memberId ?? null,
    firstResponderId: q.firstResponderId,
  });
  if (credit && credit !== q.askerId) {
    const terms = q.terms ? q.terms.split(' ') : [];
    cachedIndex(db, q.guildId)?.noteSolved(credit, terms, q.askedAt);
    const twin = twinOf(db, q.guildId, credit);
    twin?.index.noteSolved(twin.id, terms, q.askedAt);
  }
  return true;
}
