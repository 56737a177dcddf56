/**
 * The profile build's reads and writes: the messages, threads and names a build reads (the source)
 * and the profiles, term index and build row it writes; accepted answers for helpfulness.
 */
import { and, asc, eq, gt, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../db/connection.js';
import {
  channels,
  introsAccepted,
  introsBuilds,
  introsMembers,
  introsProfiles,
  introsTerms,
  journeyMembers,
  members,
  messages,
} from '../../db/schema.js';
import type { GuildId } from '../../events.js';
import { formsOf, splitTerms } from '../../text/tokenize.js';
import { consenting } from './consentStore.js';
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

/** Everything a profile build needs, read from the core tables (terms, never text). */
export function profileSource(db: Db, guildId: GuildId, since: number, now: number): ProfileSource {
  const pool = db
    .select({ id: introsMembers.memberId, joinedAt: members.joinedAt, stage: journeyMembers.stage })
    .from(introsMembers)
    .leftJoin(members, and(eq(members.guildId, introsMembers.guildId), eq(members.memberId, introsMembers.memberId)))
    // The journey's stage, read-only, when that feature tracks the member: an optional input.
    .leftJoin(
      journeyMembers,
      and(eq(journeyMembers.guildId, introsMembers.guildId), eq(journeyMembers.memberId, introsMembers.memberId)),
    )
    .where(and(consenting(db, guildId), or(isNull(members.profilingOff), eq(members.profilingOff, false))))
    .all();
  const declared = new Map<string, DeclaredProfile>();
  for (const row of consentingProfiles(db, guildId).values())
    if (row.declared) declared.set(row.memberId, row.declared);

  const threads = new Map<string, ThreadInfo>();
  const threadRows = db
    .select({ id: channels.channelId, name: channels.name, tags: channels.tags, ownerId: channels.ownerId })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.kind, 'thread')))
    .all();
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
    db
      .select({ id: introsAccepted.messageId })
      .from(introsAccepted)
      .where(and(eq(introsAccepted.guildId, guildId), isNotNull(introsAccepted.messageId)))
      .all()
      .map((r) => r.id!),
  );

  return {
    members: pool.map((m) => ({
      memberId: m.id,
      declared: declared.get(m.id) ?? null,
      stage: m.stage ?? null,
      joinedAt: m.joinedAt ?? null,
    })),
    messages: readMessages(db, guildId, since, now, threads, accepted, wanted),
    threads,
    names: memberNameList(db, guildId),
  };
}

/** Every username and display name of the guild's members (bots too: never a topic either). */
function memberNameList(db: Db, guildId: GuildId): string[] {
  const out: string[] = [];
  for (const r of db
    .select({ username: members.username, displayName: members.displayName })
    .from(members)
    .where(eq(members.guildId, guildId))
    .all()) {
    out.push(r.username);
    if (r.displayName !== r.username) out.push(r.displayName);
  }
  return out;
}

/** Messages in pages (keyset on time, id) so a large guild never sits in memory twice. */
function* readMessages(
  db: Db,
  guildId: GuildId,
  since: number,
  now: number,
  threads: Map<string, ThreadInfo>,
  accepted: Set<string>,
  /** Members whose words may be shown (the forms of their messages are read). */
  wanted: ReadonlySet<string>,
): Generator<ProfileMessage> {
  const replied = alias(messages, 'replied');
  const PAGE = 20_000;
  let after = { at: since - 1, id: '' };
  const seenThread = new Set<string>();
  for (;;) {
    const rows = db
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
      .orderBy(asc(messages.createdAt), asc(messages.messageId))
      .limit(PAGE)
      .all();
    for (const r of rows) {
      if (r.bot) continue;
      const thread = threads.get(r.channelId);
      const opensThread = thread !== undefined && !seenThread.has(r.channelId) && thread.openerId === r.authorId;
      if (thread) seenThread.add(r.channelId);
      const repliesTo = r.repliedAuthor ?? (thread && !opensThread ? thread.openerId : null);
      yield {
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
      };
    }
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.createdAt, id: last.id };
  }
}

/** Replace the derived profiles and the term index of a guild (one transaction). */
export function saveProfiles(
  db: Db,
  guildId: GuildId,
  profiles: ReadonlyMap<string, Profile>,
  facts: { degree: ReadonlyMap<string, number>; community: ReadonlyMap<string, number>; hubDegree: number },
  now: number,
): void {
  db.transaction((tx) => {
    tx.delete(introsTerms).where(eq(introsTerms.guildId, guildId)).run();
    const upsert = tx
      .insert(introsProfiles)
      .values({
        guildId,
        memberId: sql.placeholder('memberId'),
        derived: sql.placeholder('derived'),
        degree: sql.placeholder('degree'),
        community: sql.placeholder('community'),
        builtAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [introsProfiles.guildId, introsProfiles.memberId],
        set: {
          derived: sql`excluded.derived`,
          degree: sql`excluded.degree`,
          community: sql`excluded.community`,
          builtAt: now,
        },
      })
      .prepare();
    const term = tx
      .insert(introsTerms)
      .values({
        guildId,
        term: sql.placeholder('term'),
        memberId: sql.placeholder('memberId'),
        weight: sql.placeholder('weight'),
      })
      .prepare();
    for (const p of profiles.values()) {
      upsert.run({
        memberId: p.memberId,
        derived: storeProfile(p),
        degree: facts.degree.get(p.memberId) ?? 0,
        community: facts.community.get(p.memberId) ?? null,
      });
      const top = [...p.terms].sort((x, y) => y[1] - x[1]).slice(0, INDEXED_TERMS);
      for (const [t, w] of top) term.run({ term: t, memberId: p.memberId, weight: w });
    }
    tx.insert(introsBuilds)
      .values({ guildId, builtAt: now, memberCount: profiles.size, hubDegree: facts.hubDegree })
      .onConflictDoUpdate({
        target: introsBuilds.guildId,
        set: { builtAt: now, memberCount: profiles.size, hubDegree: facts.hubDegree },
      })
      .run();
  });
}

// ---------------------------------------------------------------------------------------------
// Accepted answers (helpfulness)

export function recordAccepted(
  db: Db,
  guildId: GuildId,
  threadId: string,
  messageId: string | null,
  accepted: boolean,
  at: number,
): void {
  if (!accepted) {
    db.delete(introsAccepted)
      .where(and(eq(introsAccepted.guildId, guildId), eq(introsAccepted.threadId, threadId)))
      .run();
    return;
  }
  const author = messageId
    ? (db
        .select({ id: messages.authorId })
        .from(messages)
        .where(and(eq(messages.guildId, guildId), eq(messages.messageId, messageId)))
        .get()?.id ?? null)
    : null;
  db.insert(introsAccepted)
    .values({ guildId, threadId, messageId, authorId: author, at })
    .onConflictDoUpdate({
      target: [introsAccepted.guildId, introsAccepted.threadId],
      set: { messageId, authorId: author, at },
    })
    .run();
}
