/**
 * What each question is called where it is listed or nudged (the read side of title.ts). In order:
 * - a thread's current name (a renamed thread shows its new name);
 * - the title kept when the question was detected;
 * - for rows kept before titles were (an existing database), derived from what is stored: the
 *   message's text when the guild keeps text, else who asked and the question's own topic words as
 *   they wrote them ("cy asked about grub and xorg"), else who asked where.
 * Never "A question in #help": a list of those helps nobody pick one.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { andList } from '../../text/list.js';
import { type CommunityWords, isTopicWord } from '../../text/topicWords.js';
import { readCommunityWords } from '../core/vocabulary.js';
import { channelNames } from './communityStore.js';
import type { QuestionRow } from './store.js';
import { cutTitle, questionTitle } from './title.js';
import { questionForms } from './why.js';

/** "27 Feb": the day is enough beside "waiting 3 days" (UTC: a title is the same for every reader). */
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
/** Topic words named in a derived title. */
const WORDS_SHOWN = 3;

/** Titles of `rows` (one guild's), by question id. */
export async function questionNames(
  db: Database,
  guildId: string,
  rows: readonly QuestionRow[],
  now: number,
): Promise<Map<string, string>> {
  const { members, messages } = db.tables;
  const names = await channelNames(db, guildId, [...new Set(rows.flatMap((r) => [r.channelId, r.parentChannelId]))]);
  const out = new Map<string, string>();
  const untitled: QuestionRow[] = [];
  for (const r of rows) {
    const own = r.channelId === r.questionId ? names.get(r.channelId)?.trim() : undefined;
    const title = own || r.title?.trim();
    if (title) out.set(r.questionId, title);
    else untitled.push(r);
  }
  if (untitled.length === 0) return out;

  const ids = untitled.map((r) => r.questionId);
  const texts = new Map(
    (
      await db
        .select({ id: messages.messageId, content: messages.content })
        .from(messages)
        .where(and(eq(messages.guildId, guildId), inArray(messages.messageId, ids)))
    ).map((m) => [m.id, m.content] as const),
  );
  const askers = new Map(
    (
      await db
        .select({ id: members.memberId, name: members.displayName })
        .from(members)
        .where(
          and(eq(members.guildId, guildId), inArray(members.memberId, [...new Set(untitled.map((r) => r.askerId))])),
        )
    ).map((m) => [m.id, m.name] as const),
  );
  let community: CommunityWords | null = null;
  for (const r of untitled) {
    const text = texts.get(r.questionId);
    const fromText = text ? questionTitle(text) : null;
    if (fromText) {
      out.set(r.questionId, fromText);
      continue;
    }
    community ??= await readCommunityWords(db, guildId, now);
    const words: string[] = [];
    for (const [stem, form] of await questionForms(db, r)) {
      if (words.length === WORDS_SHOWN) break;
      if (isTopicWord(stem, form, community)) words.push(form);
    }
    const who = askers.get(r.askerId)?.trim() || 'Someone';
    const where = names.get(r.parentChannelId);
    out.set(
      r.questionId,
      cutTitle(
        words.length > 0
          ? `${who} asked about ${andList(words)}`
          : `${who} asked${where ? ` in #${where}` : ''} on ${DAY.format(r.askedAt)}`,
      ),
    );
  }
  return out;
}
