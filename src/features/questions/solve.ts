/**
 * /solved that credits the helper, like Discourse Solved: the asker (or a moderator) picks which
 * reply solved the question, from the likeliest replies the bot proposes (pick.ts). The pick marks
 * it solved, thanks the helper once in the thread, counts them (expertise, journey, the digest's
 * thanks), and tags the forum post "Solved" where its forum has that tag — all in one transaction.
 */
import type { Button, MessageBody, OutboxItem } from '../../actions.js';
import { UserFacingError } from '../../commands.js';
import { type Database, transaction } from '../../db/database.js';
import type { ChannelId, GuildId, MemberId } from '../../events.js';
import { enqueueOn } from '../../outbox/store.js';
import { safeText } from '../../text/fit.js';
import { recordAnswerPicked } from '../journey/service.js';
import { channelNames, guildPlatform } from './communityStore.js';
import { questionLink } from './links.js';
import { type Candidate, rankCandidates } from './pick.js';
import { solve, whereToPost } from './service.js';
import { conversationOf } from './solveStore.js';
import { getQuestion, type QuestionRow } from './store.js';

export const SOLVED_BUTTON = 'solved-by';
/** The button arg of "nobody in particular". */
const NOBODY = 'none';

interface Member {
  id: MemberId;
  moderator: boolean;
}

export type SolveReply =
  | { kind: 'already' }
  | {
      kind: 'pick';
      title: string;
      candidates: (Candidate & { url: string | null })[];
      questionId: string;
      /** Discourse has no buttons: the asker names the helper with the command instead. */
      buttons: boolean;
    }
  | { kind: 'solved'; helper: string | null };

async function questionHere(
  db: Database,
  guildId: string,
  channelId: string | null,
  member: Member,
): Promise<QuestionRow> {
  if (!channelId) throw new UserFacingError("Run /solved inside the question's thread.");
  const q = await getQuestion(db, guildId, channelId);
  if (!q) {
    throw new UserFacingError(
      "This isn't a question thread I'm following. Run /solved inside the thread of the question.",
    );
  }
  assertMayMark(q, member);
  return q;
}

function assertMayMark(q: QuestionRow, member: Member): void {
  if (member.id !== q.askerId && !member.moderator) {
    throw new UserFacingError('Only the person who asked (or a moderator) can mark this question solved.');
  }
}

/**
 * /solved [helper]: with a helper named, their latest reply is the answer; without, the replies
 * most likely to have solved it are offered to pick from (none: solved with nobody credited).
 */
export async function offerSolve(
  db: Database,
  guildId: GuildId,
  channelId: ChannelId | null,
  member: Member,
  now: number,
  helperId?: MemberId,
): Promise<SolveReply> {
  const q = await questionHere(db, guildId, channelId, member);
  if (q.solvedAt !== null) return { kind: 'already' };
  const conversation = await conversationOf(db, guildId, q);
  if (helperId) {
    const theirs = conversation.filter((m) => m.authorId === helperId && !m.bot).at(-1);
    if (!theirs || helperId === q.askerId) {
      throw new UserFacingError(
        'That member has not replied to this question. Name someone who did, or run /solved alone to pick from the replies.',
      );
    }
    return solveWith(db, guildId, q.questionId, theirs.messageId, member, now);
  }
  const candidates = rankCandidates({ askerId: q.askerId, askedAt: q.askedAt, messages: conversation });
  if (candidates.length === 0) return solveWith(db, guildId, q.questionId, null, member, now);
  const platform = await guildPlatform(db, guildId);
  const title =
    q.channelId === q.questionId ? (await channelNames(db, guildId, [q.channelId])).get(q.channelId) : undefined;
  return {
    kind: 'pick',
    buttons: platform === 'discord',
    title: title ?? 'your question',
    questionId: q.questionId,
    candidates: candidates.map((c) => ({
      ...c,
      url: questionLink(
        platform,
        guildId,
        conversation.find((m) => m.messageId === c.messageId)!.channelId,
        c.messageId,
      ),
    })),
  };
}

/**
 * Mark the question solved by the reply `messageId` (null: nobody in particular). Returns what was
 * done; 'already' when it was solved meanwhile (a second click, another moderator).
 */
export function solveWith(
  db: Database,
  guildId: GuildId,
  questionId: string,
  messageId: string | null,
  member: Member,
  now: number,
): Promise<SolveReply> {
  return transaction(db, async (tx): Promise<SolveReply> => {
    const q = await getQuestion(tx, guildId, questionId);
    if (!q) throw new UserFacingError('This question is no longer followed: nothing was marked.');
    assertMayMark(q, member);
    if (q.solvedAt !== null) return { kind: 'already' } as const;
    const answer = messageId
      ? (await conversationOf(tx, guildId, q)).find((m) => m.messageId === messageId)
      : undefined;
    if (messageId && (!answer || answer.authorId === q.askerId)) {
      throw new UserFacingError('That reply is gone or is not an answer to this question: run /solved again.');
    }
    const helper = answer ? { messageId: answer.messageId, memberId: answer.authorId } : null;
    if (!(await solve(tx, q, 'command', member.id, helper, now))) return { kind: 'already' } as const;
    const platform = await guildPlatform(tx, guildId);
    const items: OutboxItem[] = [];
    const where = await whereToPost(tx, q);
    if (answer) {
      await recordAnswerPicked(
        tx,
        guildId,
        {
          messageId: answer.messageId,
          memberId: answer.authorId as MemberId,
          byMemberId: member.id,
          askerId: q.askerId as MemberId,
          at: now,
        },
        now,
      );
      items.push({
        platform,
        guildId,
        // Once per question: solving it again after an undo does not thank twice.
        key: `questions:solved-thanks:${guildId}:${q.questionId}`,
        action: {
          type: 'message.send',
          channelId: where.channelId as ChannelId,
          ...(where.replyTo ? { replyTo: where.replyTo as never } : {}),
          body: thanksBody(
            answer.authorId as MemberId,
            questionLink(platform, guildId, answer.channelId, answer.messageId),
          ),
        },
      });
    }
    if (q.channelId === q.questionId) {
      items.push({
        platform,
        guildId,
        key: `questions:solved-tag:${guildId}:${q.questionId}`,
        action: { type: 'thread.tag', threadId: q.channelId as ChannelId, tag: 'solved' },
      });
    }
    await enqueueOn(tx, items, now);
    return { kind: 'solved', helper: answer?.authorName ?? null } as const;
  });
}

function thanksBody(helperId: MemberId, answerUrl: string | null): MessageBody {
  const answer = answerUrl ? `[the answer](${answerUrl})` : 'the answer';
  return {
    content: `✅ Solved. Thank you <@${helperId}> for ${answer}!`,
    mentions: { members: [helperId] },
  };
}

// ---------------------------------------------------------------------------------------------
// What the asker reads

export function pickBody(reply: Extract<SolveReply, { kind: 'pick' }>): MessageBody {
  const lines = reply.candidates.map((c, i) => {
    const snippet = c.content ? ` — “${safeText(c.content, 90)}”` : '';
    const jump = c.url ? ` · [their reply](${c.url})` : '';
    return `${i + 1}. **${safeText(c.name, 40)}** (${c.hint})${snippet}${jump}`;
  });
  const buttons: Button[] = [
    ...reply.candidates.map((c, i) => ({
      id: `${SOLVED_BUTTON}:${reply.questionId}:${c.messageId}`,
      label: `${i === 0 ? '✅ ' : ''}${c.name.replace(/\s+/g, ' ').trim().slice(0, 70) || 'this reply'}`,
      style: (i === 0 ? 'success' : 'secondary') as Button['style'],
    })),
    { id: `${SOLVED_BUTTON}:${reply.questionId}:${NOBODY}`, label: 'Nobody in particular', style: 'secondary' },
  ];
  return {
    content: [
      `Whose reply solved **${safeText(reply.title, 100)}**? The likeliest first:`,
      ...lines,
      reply.buttons
        ? 'Pick one: they are thanked in the thread and counted as its helper.'
        : `Name one with \`/solved helper:@${reply.candidates[0]!.username}\` (or mark their post as the solution): they are thanked and counted as its helper.`,
    ].join('\n'),
    ...(reply.buttons ? { buttons } : {}),
  };
}

export function solvedText(reply: SolveReply): string {
  if (reply.kind === 'already') return 'This question was already marked solved.';
  if (reply.kind === 'pick') return '';
  return reply.helper
    ? `Marked solved. **${safeText(reply.helper, 40)}** is thanked in the thread and counted as its helper.`
    : 'Marked solved. Thanks for closing the loop!';
}

/** Parse a button arg "<questionId>:<messageId|none>". */
export function parsePick(arg: string): { questionId: string; messageId: string | null } | null {
  const [questionId, messageId] = arg.split(':');
  if (!questionId || !messageId) return null;
  return { questionId, messageId: messageId === NOBODY ? null : messageId };
}
