/**
 * The facts behind one peer's "why" in a nudge or in /unanswered (nudgePolicy reasonText): the topic
 * of their expertise as the question wrote it, how many questions about it they answered and when
 * the last one was, the asker's and the channel's names. Each helper gets their own numbers.
 *
 * The word comes from the question itself (its title and its opening post's stored forms) and is
 * shown only when it is a topic in this community (text/topicWords.ts): never a stem, a member's
 * name or a word everyone here uses.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { formsOf, words } from '../../text/tokenize.js';
import { isTopicWord } from '../../text/topicWords.js';
import { readCommunityWords } from '../core/vocabulary.js';
import { answeredAbout, answeredIn } from './communityStore.js';
import type { PeerWhy } from './nudgePolicy.js';
import type { Reason } from './route.js';
import type { QuestionRow } from './store.js';

/** The question's words as written: its title's (a thread's name), then its opening post's. */
export async function questionForms(db: Database, row: QuestionRow): Promise<Map<string, string>> {
  const { channels, messages } = db.tables;
  const out = new Map<string, string>();
  const inThread = row.channelId === row.questionId;
  if (inThread) {
    const [channel] = await db
      .select({ name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, row.guildId), eq(channels.channelId, row.channelId)))
      .limit(1);
    const name = channel?.name;
    for (const w of words(name ?? '')) if (!out.has(w.stem)) out.set(w.stem, w.form);
  }
  const [opening] = await db
    .select({ terms: messages.terms })
    .from(messages)
    .where(
      inThread
        ? and(
            eq(messages.guildId, row.guildId),
            eq(messages.channelId, row.channelId),
            eq(messages.authorId, row.askerId),
          )
        : and(eq(messages.guildId, row.guildId), eq(messages.messageId, row.questionId)),
    )
    .orderBy(asc(messages.createdAt))
    .limit(1);
  for (const [stem, form] of formsOf(opening?.terms ?? '')) if (!out.has(stem)) out.set(stem, form);
  return out;
}

/** Display names of members (for "you helped Ana before"). */
async function displayName(db: Database, guildId: string, memberId: string): Promise<string | undefined> {
  const { members } = db.tables;
  const [row] = await db
    .select({ name: members.displayName })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .limit(1);
  return row?.name ?? undefined;
}

/** The facts for one peer's why. `forms`: the question's words (questionForms), read once per question. */
export async function peerWhy(
  db: Database,
  row: QuestionRow,
  memberId: string,
  reasons: readonly Reason[],
  forms: ReadonlyMap<string, string>,
  now: number,
): Promise<PeerWhy> {
  const { channels } = db.tables;
  const why: PeerWhy = {};
  const expertise = reasons.find((r) => r.kind === 'expertise');
  if (expertise?.terms?.length) {
    const community = await readCommunityWords(db, row.guildId, now);
    for (const stem of expertise.terms) {
      const form = forms.get(stem);
      if (!form || !isTopicWord(stem, form, community)) continue;
      const about = await answeredAbout(db, row.guildId, memberId, stem);
      why.word = form;
      why.answered = about.count;
      why.lastAt = about.lastAt;
      break;
    }
  }
  if (reasons.some((r) => r.kind === 'asker')) {
    const name = await displayName(db, row.guildId, row.askerId);
    if (name) why.asker = name;
  }
  if (reasons.some((r) => r.kind === 'channel')) {
    const [channel] = await db
      .select({ name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, row.guildId), eq(channels.channelId, row.parentChannelId)))
      .limit(1);
    const name = channel?.name;
    if (name) {
      why.channel = name;
      const answered = await answeredIn(db, row.guildId, memberId, row.parentChannelId);
      why.channelAnswered = answered.count;
      why.channelLastAt = answered.lastAt;
    }
  }
  return why;
}
