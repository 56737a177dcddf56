/**
 * The questions feature's reaction to one stored event: detect questions, mark them answered (a
 * reply by someone else) and solved (the asker's ✅, a "solved" tag, an accepted answer), keep the
 * expertise index current.
 */
import { type Database, transaction } from '../../db/database.js';
import { opsOf } from '../../db/handle.js';
import type {
  AnswerAccepted,
  CommunityEvent,
  GuildId,
  MessageCreated,
  ReactionAdded,
  ReactionRemoved,
  ThreadUpserted,
} from '../../events.js';
import { readSettings } from '../../guildSettings.js';
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

/**
 * Parsed questions settings per guild, reused while the stored document is unchanged (the per-message
 * path); one cache per connection (SQLite) or pool (PostgreSQL), shared by its transactions.
 */
const settingsCache = new WeakMap<object, Map<string, { text: string; settings: QuestionsSettings }>>();

export async function questionSettings(db: Database, guildId: string): Promise<QuestionsSettings> {
  const text = (await settingsText(db, guildId)) ?? '';
  const root = opsOf(db).root;
  let byGuild = settingsCache.get(root);
  if (!byGuild) {
    byGuild = new Map();
    settingsCache.set(root, byGuild);
  }
  const hit = byGuild.get(guildId);
  if (hit && hit.text === text) return hit.settings;
  const settings = (await readSettings(db, guildId as GuildId)).questions;
  byGuild.set(guildId, { text, settings });
  return settings;
}

/** ✅ by the asker marks solved (Discord's unicode name, and the shortcode other platforms use). */
const CHECK = new Set(['✅', 'white_check_mark']);
export const isSolvedMark = (emoji: string) => CHECK.has(emoji);
const SOLVED_TAG = /solved/i;

/** React to one stored event. Call only for fresh events (a replay must not count twice). */
export async function handleEvent(db: Database, event: CommunityEvent): Promise<void> {
  switch (event.kind) {
    case 'message.created':
      return onMessage(db, event);
    case 'thread.upserted':
      return onThread(db, event);
    case 'reaction.added':
    case 'reaction.removed':
      return onReaction(db, event);
    case 'answer.accepted':
      return onAccepted(db, event);
    case 'member.left':
      (await cachedIndex(db, event.guildId))?.setGone(event.memberId, true);
      return;
    case 'member.joined':
      (await cachedIndex(db, event.guildId))?.setGone(event.memberId, false);
      return;
    default:
      return;
  }
}

async function onMessage(db: Database, event: MessageCreated): Promise<void> {
  // The bot's own nudges (and other bots) are neither questions nor answers.
  if (event.authorIsBot) return;
  const g = event.guildId;
  const channel = await channelFacts(db, g, event.channelId);
  const inThread = channel?.kind === 'thread';
  const topId = inThread && channel?.parentId ? channel.parentId : event.channelId;
  const index = await cachedIndex(db, g);
  index?.noteActivity(event.authorId, event.at);
  const twin = await twinOf(db, g, event.authorId);
  twin?.index.noteActivity(twin.id, event.at);
  // Whether the author erased their data: read only when the message matters (a question or an answer).
  let quiet: boolean | undefined;
  const isQuiet = async (tx: Database) => (quiet ??= await isProfilingOff(tx, g, event.authorId));
  // Tokenized only when the message turns out to matter (a question or an answer).
  const termsNow = () => (quiet ? [] : termsOf(event.content).split(' ').filter(Boolean));

  await within(db, async (tx) => {
    const q =
      (await getQuestion(tx, g, event.channelId)) ??
      (event.replyToId ? await getQuestion(tx, g, event.replyToId) : undefined);
    if (q) {
      if (event.authorId === q.askerId) {
        // The opening post of a thread known so far by its title only.
        if (
          !q.hasBody &&
          (event.messageId === q.questionId ||
            !(await threadHasEarlierMessage(tx, g, q.channelId, event.messageId, event.at)))
        ) {
          const title = channel?.name ?? '';
          const off = await isQuiet(tx);
          await setQuestionBody(
            tx,
            g,
            q.questionId,
            questionTerms(off ? '' : title, termsNow()),
            event.mentionIds,
            event.at,
          );
        }
        return;
      }
      const off = await isQuiet(tx);
      await onResponse(tx, q, event, termsNow(), off, index, twin);
      return;
    }
    const settings = await questionSettings(tx, g);
    if (!settings.enabled) return;
    const parent = inThread && channel?.parentId ? await channelFacts(tx, g, channel.parentId) : undefined;
    const opensThread =
      inThread &&
      ((event.messageId as string) === event.channelId ||
        !(await threadHasEarlierMessage(tx, g, event.channelId, event.messageId, event.at)));
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
    await isQuiet(tx);
    const title = inThread && !quiet ? (channel?.name ?? '') : '';
    await insertQuestion(
      tx,
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

/**
 * Run `body` in a transaction of its own, or in the one `db` already is: ingest runs each feature in a
 * savepoint of its batch, and a failure there rolls the feature's work back all the same, so a savepoint
 * of our own would only cost two statements per event.
 */
function within<T>(db: Database, body: (tx: Database) => Promise<T>): Promise<T> {
  return opsOf(db).scope ? body(db) : transaction(db, body);
}

async function onResponse(
  db: Database,
  q: QuestionRow,
  event: MessageCreated,
  terms: readonly string[],
  quiet: boolean,
  index: ExpertiseIndex | undefined,
  twin: Awaited<ReturnType<typeof twinOf>>,
): Promise<void> {
  // A member who erased their data still answers the question, but nothing is kept about them.
  const r = await recordResponse(
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
  const targets: [ExpertiseIndex, string, string][] = [];
  if (index) targets.push([index, event.authorId, q.askerId]);
  if (twin) targets.push([twin.index, twin.id, await askerThere(db, q.guildId, q.askerId)]);
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

async function onThread(db: Database, event: ThreadUpserted): Promise<void> {
  const g = event.guildId;
  const solvedTag = event.tags.some((t) => SOLVED_TAG.test(t));
  await within(db, async (tx) => {
    let q = await getQuestion(tx, g, event.threadId);
    if (!q) {
      const settings = await questionSettings(tx, g);
      if (!settings.enabled || !event.ownerId) return;
      const parent = await channelFacts(tx, g, event.parentId);
      // Threads under text channels become questions by their opening post (it has to ask).
      if (parent?.kind !== 'forum') return;
      if (!isWatched({ id: parent.channelId, name: parent.name, kind: parent.kind }, rulesOf(settings))) return;
      const quiet = await isProfilingOff(tx, g, event.ownerId);
      await insertQuestion(
        tx,
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
      q = await getQuestion(tx, g, event.threadId);
      if (!q) return;
    }
    if (solvedTag && q.solvedAt === null) await solve(tx, q, 'tag', null, null, event.at);
    else if (!solvedTag && q.solvedVia === 'tag') await markUnsolved(tx, g, q.questionId, 'tag', event.at);
  });
}

async function onReaction(db: Database, event: ReactionAdded | ReactionRemoved): Promise<void> {
  if (!CHECK.has(event.emoji)) return;
  const g = event.guildId;
  await within(db, async (tx) => {
    const m = await messageFacts(tx, g, event.messageId);
    const q =
      (await getQuestion(tx, g, event.channelId)) ??
      (await getQuestion(tx, g, event.messageId)) ??
      (m?.replyToId ? await getQuestion(tx, g, m.replyToId) : undefined);
    if (!q || event.memberId !== q.askerId) return;
    if (event.kind === 'reaction.removed') {
      await markUnsolved(tx, g, q.questionId, 'reaction', event.at);
      return;
    }
    const answerer = m && m.authorId !== q.askerId ? m.authorId : null;
    await solve(
      tx,
      q,
      'reaction',
      event.memberId,
      answerer ? { messageId: event.messageId, memberId: answerer } : null,
      event.at,
    );
  });
}

async function onAccepted(db: Database, event: AnswerAccepted): Promise<void> {
  const g = event.guildId;
  await within(db, async (tx) => {
    const q = await getQuestion(tx, g, event.threadId);
    if (!q) return;
    if (!event.accepted) {
      await markUnsolved(tx, g, q.questionId, 'accepted', event.at);
      return;
    }
    const m = event.messageId ? await messageFacts(tx, g, event.messageId) : undefined;
    const answerer = m && m.authorId !== q.askerId ? m.authorId : null;
    await solve(
      tx,
      q,
      'accepted',
      event.byMemberId,
      answerer && event.messageId ? { messageId: event.messageId, memberId: answerer } : null,
      event.at,
    );
  });
}

export async function solve(
  db: Database,
  q: QuestionRow,
  via: SolvedVia,
  byId: string | null,
  accepted: { messageId: string; memberId: string } | null,
  at: number,
): Promise<boolean> {
  const done = await markSolved(db, q.guildId, q.questionId, {
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
    (await cachedIndex(db, q.guildId))?.noteSolved(credit, terms, q.askedAt);
    const twin = await twinOf(db, q.guildId, credit);
    twin?.index.noteSolved(twin.id, terms, q.askedAt);
  }
  return true;
}
