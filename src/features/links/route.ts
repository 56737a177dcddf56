/**
 * Cross-platform routing (pure): which linked member answered this forum question's topic on the
 * other platform, and where to reach them. Answers are their messages in threads/channels someone
 * else opened; "the topic" is a shared term with the question (at least MIN_SHARED of them).
 */
export const MIN_SHARED = 2;
export const MIN_ANSWERS = 1;

export interface LinkedCandidate {
  /** The member on the other platform (Discord). */
  memberId: string;
  /** Their forum account. */
  forumMemberId: string;
  nudgesOff: boolean;
  /** Term strings of their answers on the other platform. */
  answers: readonly string[];
  lastActiveThere: number | null;
  lastActiveOnForum: number | null;
}

export interface CrossPick {
  memberId: string;
  forumMemberId: string;
  answers: number;
  terms: string[];
  /** Where they are active: contact them there. */
  via: 'discord' | 'discourse';
}

export function pickLinkedAnswerer(
  questionTerms: readonly string[],
  askerForumId: string,
  candidates: readonly LinkedCandidate[],
): CrossPick | null {
  const wanted = new Set(questionTerms);
  let best: CrossPick | null = null;
  for (const c of candidates) {
    if (c.nudgesOff || c.forumMemberId === askerForumId) continue;
    let answers = 0;
    const shared = new Map<string, number>();
    for (const text of c.answers) {
      const hits = [...new Set(text.split(' '))].filter((t) => wanted.has(t));
      if (hits.length < MIN_SHARED) continue;
      answers++;
      for (const t of hits) shared.set(t, (shared.get(t) ?? 0) + 1);
    }
    if (answers < MIN_ANSWERS || (best && answers <= best.answers)) continue;
    const terms = [...shared.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
    const via = (c.lastActiveOnForum ?? 0) > (c.lastActiveThere ?? 0) ? 'discourse' : 'discord';
    best = { memberId: c.memberId, forumMemberId: c.forumMemberId, answers, terms: terms.slice(0, 3), via };
  }
  return best;
}
