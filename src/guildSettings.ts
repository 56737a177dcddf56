/**
 * A guild's settings: one JSON document in guilds.settings, validated by one zod schema made of a
 * section per feature. Read with readSettings, change with changeSettings (which writes the audit log).
 * `/convene config export|import` use the same schema, so an import error names the bad field's path.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { bumpCacheIn } from './db/cacheWatch.js';
import { type Database, transaction } from './db/database.js';
import type { GuildId, MemberId } from './events.js';
import { digestSettings } from './features/digest/settings.js';
import { introsSettings } from './features/intros/settings.js';
import { journeySettings } from './features/journey/settings.js';
import { questionsSettings } from './features/questions/settings.js';

export const isTimezone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    // Intl throws RangeError for an unknown zone: that is the answer, not an error to report.
    return false;
  }
};

export const timezone = z.string().refine(isTimezone, 'expected an IANA timezone such as Europe/Berlin');

export const coreSettings = z
  .object({
    /** Keep raw message text (off by default: only derived terms are stored). */
    storeMessageText: z.boolean().default(false),
    /** Days to keep message metadata and terms; 0 = forever. */
    retentionDays: z.number().int().min(0).max(3650).default(365),
    /** The guild's timezone (schedules, "today" for caps). */
    timezone: timezone.default('UTC'),
    /** The community's purpose in a sentence or two (/convene why set). */
    why: z.string().max(500).default(''),
    /** Extra roles whose members count as moderators besides Manage Server. */
    moderatorRoleIds: z.array(z.string()).default([]),
    /** Erase a member's data when they leave the server, as /privacy delete would (off by default). */
    forgetOnLeave: z.boolean().default(false),
    /** Days a sent message keeps its rendered text in the outbox (then only its key and result stay). */
    sentRetentionDays: z.number().int().min(0).max(365).default(7),
  })
  .default({
    storeMessageText: false,
    retentionDays: 365,
    timezone: 'UTC',
    why: '',
    moderatorRoleIds: [],
    forgetOnLeave: false,
    sentRetentionDays: 7,
  });

export const settingsSchema = z
  .object({
    core: coreSettings,
    journey: journeySettings,
    intros: introsSettings,
    questions: questionsSettings,
    digest: digestSettings,
  })
  .strict();

export type GuildSettings = z.infer<typeof settingsSchema>;

/** Parse a settings document; throws SettingsError naming the path of the first bad field. */
export function parseSettings(value: unknown): GuildSettings {
  const result = settingsSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new SettingsError(issue.path.join('.') || '(root)', issue.message);
}

export class SettingsError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'SettingsError';
  }
}

/** A guild's settings (defaults for what was never set). */
export async function readSettings(db: Database, guildId: GuildId): Promise<GuildSettings> {
  const { guilds } = db.tables;
  const [row] = await db.select({ settings: guilds.settings }).from(guilds).where(eq(guilds.id, guildId)).limit(1);
  return settingsSchema.parse(row?.settings ?? {});
}

/**
 * Read-modify-write of a guild's settings: `changeSettings(db, g, actor, 'questions.set', s => ({...s,
 * questions: {...}}), now)`. The result is validated and the change recorded in the audit log
 * (`action` names what changed). The read, the change and the write are one transaction, the guild's
 * row locked on PostgreSQL (READ COMMITTED would let two changes of different sections read the same
 * settings and the second write lose the first; SQLite's transactions take the write lock first).
 */
export function changeSettings(
  db: Database,
  guildId: GuildId,
  actorId: MemberId | 'system',
  action: string,
  change: (current: GuildSettings) => GuildSettings,
  now: number,
): Promise<GuildSettings> {
  return transaction(db, async (tx) => {
    const { guilds, auditLog } = tx.tables;
    if (tx.engine === 'postgres') await tx.run(sql`SELECT 1 FROM guilds WHERE id = ${guildId} FOR UPDATE`);
    const [before] = await tx.select({ settings: guilds.settings }).from(guilds).where(eq(guilds.id, guildId)).limit(1);
    if (!before) throw new Error(`unknown guild ${guildId}`);
    const valid = parseSettings(change(settingsSchema.parse(before.settings ?? {})));
    await tx.update(guilds).set({ settings: valid, updatedAt: now }).where(eq(guilds.id, guildId));
    await tx.insert(auditLog).values({ guildId, actorId, action, before: before.settings, after: valid, at: now });
    // Caches of the settings in every process (ingest's policy) drop this guild's.
    await bumpCacheIn(tx, 'settings', guildId);
    return valid;
  });
}
