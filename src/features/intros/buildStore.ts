/**
 * The profile build's reads and writes: the messages, threads and names a build reads (the source)
 * and the profiles, term index and build row it writes; accepted answers for helpfulness.
 */
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
// The same function as sqlite-core's (drizzle's table-alias proxy), typed for db.tables.
import { alias } from 'drizzle-orm/pg-core';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { formsOf, splitTerms } from '../../text/tokenize.js';
import { chunk } from './chunk.js';
import { byCodePoint, consenting } from './consentStore.js';
import { lockMembers } from './introStore.js';
import {
  type DeclaredProfile,
  type Profile,
  type ProfileMessage,
  type ProfileSource,
  type ThreadInfo,
  titleForms,
  titleTerms,
} from './profile.js';
import { consentingProfiles, INDEXED_TERMS } from './profileStore.js';
import { storeProfile } from './storedProfile.js';

/** A build's source without its messages, and the messages in pages (see messagePages). */
export interface StoredSource {
  source: Omit<ProfileSource, 'messages'>;
  pages: AsyncGenerator<ProfileMessage[]>;
}

/** Everything a profile build needs, read from the core tables (terms, never text). */
export async function profileSource(db: Database, guildId: GuildId, since: number, now: number): Promise<StoredSource> {
  const { introsMembers, members, journeyMembers, channels, introsAccepted } = db.tables;
  const pool = await db
    .select({ id: introsMembers.memberId, joinedAt: members.joinedAt, stage: journeyMembers.stage })
    .from(introsMembers)
    .leftJoin(members, and(eq(members.guildId, introsMembers.guildId), eq(members.memberId, introsMembers.memberId)))
    // The journey's stage, read-only, when that feature tracks the member: an optional input.
    .leftJoin(
      journeyMembers,
      and(eq(journeyMembers.guildId, introsMembers.guildId), eq(journeyMembers.memberId, introsMembers.memberId)),
    )
    .where(and(consenting(db, guildId), or(isNull(members.profilingOff), eq(members.profilingOff, false))));
  // Members in one order on both engines (SQLite's key order), as the build's maps keep it.
  pool.sort((x, y) => byCodePoint(x.id, y.id));
  const declared = new Map<string, DeclaredProfile>();
  for (const row of (await consentingProfiles(db, guildId)).values())
    if (row.declared) declared.set(row.memberId, row.declared);

  const threads = new Map<string, ThreadInfo>();
  const threadRows = await db
    .select({ id: channels.channelId, name: channels.name, tags: channels.tags, ownerId: channels.ownerId })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.kind, 'thread')));
  const wanted = new Set(pool.map((m) => m.id));
  for (const t of threadRows) {
    threads.set(t.id, {
      titleTerms: titleTerms(t.name),
      // The title's words are the opener's: kept only where they may be shown as theirs.
      ...(t.ownerId && wanted.has(t.ownerId) ? { titleForms: titleForms(t.name) } : {}),
      tags: t.tags,
      openerId: t.ownerId,
    });
  }

  const accepted = new Set(
    (
      await db
        .select({ id: introsAccepted.messageId })
        .from(introsAccepted)
        .where(and(eq(introsAccepted.guildId, guildId), isNotNull(introsAccepted.messageId)))
    ).map((r) => r.id!),
  );

  return {
    source: {
      members: pool.map((m) => ({
        memberId: m.id,
        declared: declared.get(m.id) ?? null,
        stage: m.stage ?? null,
        joinedAt: m.joinedAt ?? null,
      })),
      threads,
      names: await memberNameList(db, guildId),
    },
    pages: messagePages(db, guildId, since, now, threads, accepted, wanted),
  };
}

/** Every username and display name of the guild's members (bots too: never a topic either). */
async function memberNameList(db: Database, guildId: GuildId): Promise<string[]> {
  const { members } = db.tables;
  const out: string[] = [];
  for (const r of await db
    .select({ username: members.username, displayName: members.displayName })
    .from(members)
    .where(eq(members.guildId, guildId))) {
    out.push(r.username);
    if (r.displayName !== r.username) out.push(r.displayName);
  }
  return out;
}

/** Messages in pages (keyset on time, id) so a large guild never sits in memory twice. */
async function* messagePages(
  db: Database,
  guildId: GuildId,
  since: number,
  now: number,
  threads: Map<string, ThreadInfo>,
  accepted: Set<string>,
  /** Members whose words may be shown (the forms of their messages are read). */
  wanted: ReadonlySet<string>,
): AsyncGenerator<ProfileMessage[]> {
  const { messages, members } = db.tables;
  const replied = alias(messages, 'replied');
  const PAGE = 20_000;
  let after = { at: since - 1, id: '' };
  const seenThread = new Set<string>();
  for (;;) {
    const rows = await db
      .select({
        id: messages.messageId,
        channelId: messages.channelId,
        parentChannelId: messages.parentChannelId,
        authorId: messages.authorId,
        mentionIds: messages.mentionIds,
        createdAt: messages.createdAt,
        terms: messages.terms,
        repliedAuthor: replied.authorId,
        bot: members.bot,
        profilingOff: members.profilingOff,
      })
      .from(messages)
      .leftJoin(replied, and(eq(replied.guildId, messages.guildId), eq(replied.messageId, messages.replyToId)))
      .leftJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
      .where(
        and(
          eq(messages.guildId, guildId),
          isNull(messages.deletedAt),
          lt(messages.createdAt, now),
          or(gt(messages.createdAt, after.at), and(eq(messages.createdAt, after.at), gt(messages.messageId, after.id))),
        ),
      )
      // The keyset's comparison and this order use the same collation on each engine: no page
      // skips or repeats a message.
      .orderBy(asc(messages.createdAt), asc(messages.messageId))
      .limit(PAGE);
    const page: ProfileMessage[] = [];
    for (const r of rows) {
      if (r.bot) continue;
      const thread = threads.get(r.channelId);
      const opensThread = thread !== undefined && !seenThread.has(r.channelId) && thread.openerId === r.authorId;
      if (thread) seenThread.add(r.channelId);
      const repliesTo = r.repliedAuthor ?? (thread && !opensThread ? thread.openerId : null);
      page.push({
        authorId: r.authorId,
        channelId: r.parentChannelId,
        threadId: thread ? r.channelId : null,
        createdAt: r.createdAt,
        // Members who asked to be left out of profiling keep their graph ties but no topics.
        terms: r.profilingOff ? [] : splitTerms(r.terms),
        ...(r.profilingOff || !wanted.has(r.authorId) ? {} : { forms: formsOf(r.terms) }),
        repliesToId: repliesTo && repliesTo !== r.authorId ? repliesTo : null,
        mentionIds: r.mentionIds.filter((m) => m !== r.authorId),
        opensThread,
        accepted: accepted.has(r.id),
      });
    }
    yield page;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.createdAt, id: last.id };
  }
}

/** Replace the derived profiles and the term index of a guild (one transaction). */
export async function saveProfiles(
  db: Database,
  guildId: GuildId,
  profiles: ReadonlyMap<string, Profile>,
  facts: { degree: ReadonlyMap<string, number>; community: ReadonlyMap<string, number>; hubDegree: number },
  now: number,
): Promise<void> {
  // Only the members still in intros when the write runs (see below).
  const rowsOf = (kept: ReadonlySet<string>) => {
    const saved = [...profiles.values()].filter((p) => kept.has(p.memberId));
    const profileRows = saved.map((p) => ({
      guildId,
      memberId: p.memberId,
      derived: storeProfile(p) as unknown as Record<string, unknown>,
      degree: facts.degree.get(p.memberId) ?? 0,
      community: facts.community.get(p.memberId) ?? null,
      builtAt: now,
      updatedAt: now,
    }));
    const termRows = saved.flatMap((p) =>
      [...p.terms]
        .sort((x, y) => y[1] - x[1])
        .slice(0, INDEXED_TERMS)
        .map(([term, weight]) => ({ guildId, term, memberId: p.memberId, weight })),
    );
    return { profileRows, termRows };
  };
  await transaction(db, async (tx) => {
    const { introsTerms, introsProfiles, introsBuilds } = tx.tables;
    // The build read its members before this transaction: one erased (or opted out of profiling)
    // meanwhile gets no profile back. On PostgreSQL their intros rows stay locked until this commits:
    // an erasure that comes later waits, then deletes what was written; one that came first is seen.
    const built = [...profiles.keys()];
    await lockMembers(tx, guildId, built);
    const { profileRows, termRows } = rowsOf(await stillProfiled(tx, guildId, built));
    await tx.delete(introsTerms).where(eq(introsTerms.guildId, guildId));
    // Many rows per statement (7 and 4 parameters a row: far under both engines' limits).
    for (const part of chunk(profileRows, 1000)) {
      await tx
        .insert(introsProfiles)
        .values(part)
        .onConflictDoUpdate({
          target: [introsProfiles.guildId, introsProfiles.memberId],
          set: {
            derived: sql`excluded.derived`,
            degree: sql`excluded.degree`,
            community: sql`excluded.community`,
            builtAt: now,
          },
        });
    }
    for (const part of chunk(termRows, 2000)) await tx.insert(introsTerms).values(part);
    await tx
      .insert(introsBuilds)
      .values({ guildId, builtAt: now, memberCount: profileRows.length, hubDegree: facts.hubDegree })
      .onConflictDoUpdate({
        target: introsBuilds.guildId,
        set: { builtAt: now, memberCount: profileRows.length, hubDegree: facts.hubDegree },
      });
  });
}

/** Which of `ids` may have a profile right now: consenting, not opted out of profiling. */
async function stillProfiled(db: Database, guildId: GuildId, ids: readonly string[]): Promise<Set<string>> {
  const { introsMembers, members } = db.tables;
  const out = new Set<string>();
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .select({ id: introsMembers.memberId })
      .from(introsMembers)
      .leftJoin(members, and(eq(members.guildId, introsMembers.guildId), eq(members.memberId, introsMembers.memberId)))
      .where(
        and(
          consenting(db, guildId),
          inArray(introsMembers.memberId, part),
          or(isNull(members.profilingOff), eq(members.profilingOff, false)),
        ),
      );
    for (const r of rows) out.add(r.id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Accepted answers (helpfulness)

export async function recordAccepted(
  db: Database,
  guildId: GuildId,
  threadId: string,
  messageId: string | null,
  accepted: boolean,
  at: number,
): Promise<void> {
  const { introsAccepted, messages } = db.tables;
  if (!accepted) {
    await db
      .delete(introsAccepted)
      .where(and(eq(introsAccepted.guildId, guildId), eq(introsAccepted.threadId, threadId)));
    return;
  }
  // One statement (the author looked up inside it): ingest runs this for every accepted answer.
  const author = messageId
    ? sql`(${db
        .select({ id: messages.authorId })
        .from(messages)
        .where(and(eq(messages.guildId, guildId), eq(messages.messageId, messageId)))
        .limit(1)})`
    : null;
  await db
    .insert(introsAccepted)
    .values({ guildId, threadId, messageId, authorId: author, at })
    .onConflictDoUpdate({
      target: [introsAccepted.guildId, introsAccepted.threadId],
      set: { messageId, authorId: sql`excluded.author_id`, at },
    });
}
