/**
 * An erased member in other members' derived profiles: as a neighbour ("who they talk with") and,
 * when others wrote their name, as a term. The profiles job would rebuild these within a day; an
 * erasure cannot wait for it.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import { contains } from '../../db/contains.js';
import type { Database } from '../../db/database.js';
import type { ErasedMember } from '../core/erasure.js';
import type { Reason } from './score.js';
import type { StoredProfile } from './storedProfile.js';

/** A stored profile without the member (as neighbour) and without terms that are their name; null: unchanged. */
export function withoutMember(
  p: StoredProfile,
  memberId: string,
  nameTerms: ReadonlySet<string>,
): StoredProfile | null {
  const keep = <T extends readonly [string, ...unknown[]]>(rows: readonly T[] | undefined) =>
    rows?.filter(([term]) => !nameTerms.has(term));
  const next: StoredProfile = {
    ...p,
    terms: keep(p.terms) ?? [],
    asked: keep(p.asked) ?? [],
    answered: keep(p.answered) ?? [],
    ...(p.forms
      ? { forms: p.forms.filter(([t, form]) => !nameTerms.has(t) && !nameTerms.has(form.toLowerCase())) }
      : {}),
    neighbours: p.neighbours.filter(([m]) => m !== memberId),
  };
  const same =
    next.terms.length === p.terms.length &&
    next.asked.length === p.asked.length &&
    next.answered.length === p.answered.length &&
    (next.forms?.length ?? 0) === (p.forms?.length ?? 0) &&
    next.neighbours.length === p.neighbours.length;
  return same ? null : next;
}

export async function scrubOthersProfiles(
  db: Database,
  guildId: string,
  memberId: string,
  who: ErasedMember | undefined,
): Promise<void> {
  const { introsProfiles, introsTerms } = db.tables;
  const nameTerms = who?.nameTerms ?? new Set<string>();
  const rows = await db
    .select({ memberId: introsProfiles.memberId, derived: introsProfiles.derived })
    .from(introsProfiles)
    .where(
      and(
        eq(introsProfiles.guildId, guildId),
        or(
          contains(introsProfiles.derived, JSON.stringify(memberId)),
          ...[...nameTerms].map((t) => contains(introsProfiles.derived, JSON.stringify(t))),
        ),
      ),
    );
  for (const row of rows) {
    if (!row.derived) continue;
    const next = withoutMember(row.derived as unknown as StoredProfile, memberId, nameTerms);
    if (!next) continue;
    await db
      .update(introsProfiles)
      .set({ derived: next as unknown as Record<string, unknown> })
      .where(and(eq(introsProfiles.guildId, guildId), eq(introsProfiles.memberId, row.memberId)));
  }
  await scrubOthersIntros(db, guildId, memberId);
  if (nameTerms.size > 0)
    await db
      .delete(introsTerms)
      .where(and(eq(introsTerms.guildId, guildId), inArray(introsTerms.term, [...nameTerms])));
}

/** Other pairs' reasons that name the member among the people both talk with ("mutuals"). */
async function scrubOthersIntros(db: Database, guildId: string, memberId: string): Promise<void> {
  const { intros } = db.tables;
  const rows = await db
    .select({ introId: intros.introId, reasons: intros.reasons })
    .from(intros)
    .where(and(eq(intros.guildId, guildId), contains(intros.reasons, JSON.stringify(memberId))));
  for (const row of rows) {
    const reasons = (row.reasons as Reason[]).map((r) =>
      r.kind === 'mutuals' && r.memberIds ? { ...r, memberIds: r.memberIds.filter((m) => m !== memberId) } : r,
    );
    await db
      .update(intros)
      .set({ reasons })
      .where(and(eq(intros.guildId, guildId), eq(intros.introId, row.introId)));
  }
}
