/**
 * Synchronous twins of the profile reads and writes that links/service.ts (not ported yet) calls
 * inside its own synchronous transaction: delete this file when it moves to the async ones
 * (readProfileRow, readMemberTimezone, writeMemberTimezone, setDeclared / declareProfile).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { introsProfiles, members } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import type { DeclaredProfile } from './profile.js';
import { type ProfileRow, toRow } from './profileStore.js';

export function memberTimezone(db: Db, guildId: string, memberId: string): string | null {
  return (
    db
      .select({ timezone: members.timezone })
      .from(members)
      .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
      .get()?.timezone ?? null
  );
}

export function setMemberTimezone(db: Db, guildId: string, memberId: string, zone: string | null, now: number) {
  db.update(members)
    .set({ timezone: zone, updatedAt: now })
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .run();
}

export function profileRow(db: Db, guildId: GuildId, memberId: string): ProfileRow | null {
  const r = db
    .select({
      memberId: introsProfiles.memberId,
      interests: introsProfiles.interests,
      about: introsProfiles.about,
      timezone: introsProfiles.timezone,
      derived: introsProfiles.derived,
      degree: introsProfiles.degree,
      community: introsProfiles.community,
      builtAt: introsProfiles.builtAt,
    })
    .from(introsProfiles)
    .where(and(eq(introsProfiles.guildId, guildId), eq(introsProfiles.memberId, memberId)))
    .get();
  return r ? toRow(r) : null;
}

/** A member's declared profile (/profile set, or shared from a linked account). */
export function setProfile(db: Db, guildId: GuildId, memberId: MemberId, declared: DeclaredProfile, now: number) {
  db.insert(introsProfiles)
    .values({
      guildId,
      memberId,
      interests: [...declared.interests],
      about: declared.about,
      timezone: declared.timezone,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [introsProfiles.guildId, introsProfiles.memberId],
      set: { interests: [...declared.interests], about: declared.about, timezone: declared.timezone, updatedAt: now },
    })
    .run();
}
