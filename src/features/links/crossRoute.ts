/**
 * The smallest cross-platform step: an open, unanswered question on the forum, past the questions
 * feature's `after`, is offered once to a linked member who answered that topic on Discord — by
 * Discord DM when they are active on Discord, else by forum PM. Idempotent on the outbox key.
 */
import { and, desc, eq, isNull, lte, ne, or } from 'drizzle-orm';
import type { OutboxItem } from '../../actions.js';
import type { Deps } from '../../commands.js';
import { channels, members, messages, questions } from '../../db/schema.js';
import { asGuildId, asMemberId } from '../../events.js';
import { getSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { forumGuildId } from './code.js';
import { type LinkedCandidate, pickLinkedAnswerer } from './route.js';
import { confirmedLinksOfForum } from './store.js';

const MINUTE = 60_000;
const STALE_MS = 7 * 24 * 60 * MINUTE;
const ANSWERS_READ = 500;

function lastActive(deps: Deps, guildId: string, memberId: string): number | null {
  return (
    deps.db
      .select({ at: messages.createdAt })
      .from(messages)
      .where(and(eq(messages.guildId, guildId), eq(messages.authorId, memberId), isNull(messages.deletedAt)))
      .orderBy(desc(messages.createdAt))
      .limit(1)
      .get()?.at ?? null
  );
}

/** Their messages in threads someone else opened (answers), newest first. */
function answerTerms(deps: Deps, guildId: string, memberId: string): string[] {
  return deps.db
    .select({ terms: messages.terms })
    .from(messages)
    .innerJoin(channels, and(eq(channels.guildId, messages.guildId), eq(channels.channelId, messages.channelId)))
    .where(
      and(
        eq(messages.guildId, guildId),
        eq(messages.authorId, memberId),
        isNull(messages.deletedAt),
        or(isNull(channels.ownerId), ne(channels.ownerId, memberId)),
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(ANSWERS_READ)
    .all()
    .map((r) => r.terms);
}

export function crossRoute(deps: Deps, guildId: string, now: number): number {
  const forum = deps.config.discourse;
  if (!forum || guildId !== forumGuildId(forum.url)) return 0;
  const links = confirmedLinksOfForum(deps.db, guildId);
  if (links.length === 0) return 0;
  const s = getSettings(deps.db, asGuildId(guildId)).questions;
  if (!s.enabled) return 0;
  const open = deps.db
    .select()
    .from(questions)
    .where(
      and(
        eq(questions.guildId, guildId),
        eq(questions.answered, false),
        isNull(questions.solvedAt),
        lte(questions.askedAt, now - s.afterMinutes * MINUTE),
      ),
    )
    .all()
    .filter((q) => q.askedAt >= now - STALE_MS);
  if (open.length === 0) return 0;

  const candidates: LinkedCandidate[] = links.map((l) => {
    const m = deps.db
      .select({ nudgesOff: members.nudgesOff })
      .from(members)
      .where(and(eq(members.guildId, l.guildId), eq(members.memberId, l.memberId)))
      .get();
    return {
      memberId: l.memberId,
      forumMemberId: l.otherMemberId,
      nudgesOff: m?.nudgesOff ?? false,
      answers: answerTerms(deps, l.guildId, l.memberId),
      lastActiveThere: lastActive(deps, l.guildId, l.memberId),
      lastActiveOnForum: lastActive(deps, guildId, l.otherMemberId),
    };
  });
  const discordGuildOf = new Map(links.map((l) => [l.memberId, l.guildId]));

  const items: OutboxItem[] = [];
  for (const q of open) {
    const pick = pickLinkedAnswerer(q.terms.split(' ').filter(Boolean), q.askerId, candidates);
    if (!pick) continue;
    const title = deps.db
      .select({ name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), eq(channels.channelId, q.channelId)))
      .get()?.name;
    const url = `${forum.url}/t/${q.channelId}`;
    const about = pick.terms.join(', ');
    const content = [
      `A question on the forum is still waiting, and it is about what you answered on Discord (${about}):`,
      `“${(title ?? 'a question').replace(/@/g, '@\u200D')}” — ${url}`,
      'If you have a minute, your answer would help. No pressure if not.',
      '-# Convene sent this because you linked your accounts. `/nudges off` if you would rather not be asked.',
    ].join('\n');
    items.push(
      pick.via === 'discord'
        ? {
            platform: 'discord',
            guildId: asGuildId(discordGuildOf.get(pick.memberId)!),
            key: `links:route:${guildId}:${q.questionId}`,
            action: { type: 'dm.send', memberId: asMemberId(pick.memberId), body: { content } },
          }
        : {
            platform: 'discourse',
            guildId: asGuildId(guildId),
            key: `links:route:${guildId}:${q.questionId}`,
            action: { type: 'dm.send', memberId: asMemberId(pick.forumMemberId), body: { content } },
          },
    );
  }
  if (items.length === 0) return 0;
  const added = deps.db.transaction(() => enqueue(deps.db, items, now));
  if (added > 0) deps.wakeOutbox();
  return added;
}
