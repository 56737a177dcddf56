/**
 * A guild's settings on the async store (readSettings, changeSettings), on SQLite and on a real
 * PostgreSQL: defaults for an unknown guild, the change and its audit row in one transaction, the
 * cache generation bumped, and two changes of different sections at once both kept.
 */
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { changeSettings, readSettings } from '../../../src/guildSettings.js';
import { ENGINES, testConnections, testDatabase } from '../../helpers/engines.js';

const GUILD = asGuildId('g1');
const MOD = asMemberId('mod');

async function addGuild(db: Database): Promise<void> {
  const { guilds } = db.tables;
  await db.insert(guilds).values({ id: GUILD, platform: 'discord', name: 'Shader Club', createdAt: 0, updatedAt: 0 });
}

describe.each(ENGINES)('guild settings on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN a guild never configured THEN its settings are the defaults', async () => {
    const settings = await readSettings(db, GUILD);
    expect(settings.core).toMatchObject({ storeMessageText: false, timezone: 'UTC', retentionDays: 365 });
  });

  it('GIVEN a change THEN it is stored with its audit row and the settings cache generation moves', async () => {
    await addGuild(db);
    const next = await changeSettings(
      db,
      GUILD,
      MOD,
      'core.set',
      (s) => ({ ...s, core: { ...s.core, timezone: 'Europe/Berlin' } }),
      5_000,
    );
    expect(next.core.timezone).toBe('Europe/Berlin');
    expect((await readSettings(db, GUILD)).core.timezone).toBe('Europe/Berlin');
    const { auditLog, cacheGenerations } = db.tables;
    const audit = await db.select().from(auditLog).where(eq(auditLog.guildId, GUILD));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: 'mod', action: 'core.set', at: 5_000 });
    expect((audit[0]!.after as { core: { timezone: string } }).core.timezone).toBe('Europe/Berlin');
    const generations = await db.select().from(cacheGenerations).where(eq(cacheGenerations.guildId, GUILD));
    expect(generations.map((g) => g.scope)).toEqual(['settings']);
  });

  it('GIVEN an invalid change THEN nothing is stored and the error names the field', async () => {
    await addGuild(db);
    const bad = changeSettings(
      db,
      GUILD,
      MOD,
      'core.set',
      (s) => ({ ...s, core: { ...s.core, timezone: 'Mars/Olympus' } }),
      1,
    );
    await expect(bad).rejects.toThrow(/timezone/);
    const { auditLog } = db.tables;
    expect(await db.select().from(auditLog)).toEqual([]);
    expect((await readSettings(db, GUILD)).core.timezone).toBe('UTC');
  });
});

describe('guild settings on postgres, two processes at once', () => {
  it('GIVEN two changes of different sections at the same moment THEN both are kept', async () => {
    const [a, b] = await testConnections('postgres', 2);
    await addGuild(a!);
    for (let round = 0; round < 10; round++) {
      await Promise.all([
        changeSettings(
          a!,
          GUILD,
          MOD,
          'core.set',
          (s) => ({ ...s, core: { ...s.core, retentionDays: 100 + round } }),
          round,
        ),
        changeSettings(
          b!,
          GUILD,
          MOD,
          'core.set',
          (s) => ({ ...s, core: { ...s.core, sentRetentionDays: round } }),
          round,
        ),
      ]);
      const settings = await readSettings(a!, GUILD);
      expect([settings.core.retentionDays, settings.core.sentRetentionDays]).toEqual([100 + round, round]);
    }
  });
});
