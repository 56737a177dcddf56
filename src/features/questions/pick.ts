/**
 * Which reply solved a question (pure): the candidates /solved offers the asker, likeliest first,
 * like Discourse Solved's "this reply solved it" but proposed. One candidate per member (their
 * best reply); the asker's own words, bots and people who left are never candidates.
 */

export interface ReplyFact {
  messageId: string;
  /** Where it was posted (the thread, or the question's channel). */
  channelId: string;
  authorId: string;
  authorName: string;
  /** The handle a command takes ("@cyd" on the forum). */
  username: string;
  bot: boolean;
  left: boolean;
  createdAt: number;
  replyToId: string | null;
  /** The text, only where the guild stores it (storeMessageText); null otherwise. */
  content: string | null;
}

export interface SolveFacts {
  askerId: string;
  askedAt: number;
  /** Every message of the question's thread (or replying to it), the asker's included, oldest first. */
  messages: ReplyFact[];
}

export interface Candidate {
  messageId: string;
  memberId: string;
  name: string;
  username: string;
  at: number;
  content: string | null;
  /** Why it ranks where it does, for the asker: "you replied to it", "the latest reply", "3 replies". */
  hint: string;
}

/** Discord: five buttons a row; one is "Someone else / nobody", so four people. */
export const MAX_CANDIDATES = 4;

/**
 * Rank: a reply the asker answered (a "thanks, that worked" is a reply to it) first, then the
 * member's reply closest to the end of the conversation; among equals, the member who wrote more.
 */
export function rankCandidates(facts: SolveFacts): Candidate[] {
  const answeredByAsker = new Set(
    facts.messages.flatMap((m) => (m.authorId === facts.askerId && m.replyToId ? [m.replyToId] : [])),
  );
  const perMember = new Map<string, { best: ReplyFact; score: number; count: number }>();
  const lastAt = facts.messages.at(-1)?.createdAt ?? facts.askedAt;
  for (const m of facts.messages) {
    if (m.authorId === facts.askerId || m.bot || m.left) continue;
    const repliedTo = answeredByAsker.has(m.messageId);
    // Later replies are likelier to be the one that worked: 0..1 by position in the conversation.
    const recency = lastAt > facts.askedAt ? (m.createdAt - facts.askedAt) / (lastAt - facts.askedAt) : 1;
    const score = (repliedTo ? 2 : 0) + recency;
    const before = perMember.get(m.authorId);
    if (!before) perMember.set(m.authorId, { best: m, score, count: 1 });
    else {
      before.count++;
      if (score >= before.score) Object.assign(before, { best: m, score });
    }
  }
  const latest = [...facts.messages].reverse().find((m) => perMember.get(m.authorId)?.best === m);
  return [...perMember.values()]
    .sort((a, b) => b.score - a.score || b.count - a.count || a.best.messageId.localeCompare(b.best.messageId))
    .slice(0, MAX_CANDIDATES)
    .map(({ best, count }) => ({
      messageId: best.messageId,
      memberId: best.authorId,
      name: best.authorName,
      username: best.username,
      at: best.createdAt,
      content: best.content,
      hint: answeredByAsker.has(best.messageId)
        ? 'you replied to it'
        : best === latest
          ? 'the latest reply'
          : count > 1
            ? `${count} replies`
            : 'an earlier reply',
    }));
}
