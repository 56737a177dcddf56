/** /convene intros set and off: the schedule in the guild's settings, and the "join intros" post. */
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { changeSettings, readSettings } from '../../guildSettings.js';
import { enqueueOn } from '../../outbox/store.js';
import { announceItem } from './messages.js';
import type { IntrosSettings } from './settings.js';

export interface IntrosConfig {
  channelId: string;
  every: IntrosSettings['every'];
  day: IntrosSettings['day'];
  time: string;
  timezone: string | null;
  size: 2 | 3;
}

/** /convene intros set: save the schedule and post the "join intros" invitation in the channel once. */
export async function configure(
  db: Database,
  platform: Platform,
  guildId: GuildId,
  actorId: MemberId,
  config: IntrosConfig,
  now: number,
): Promise<IntrosSettings> {
  return transaction(db, async (tx) => {
    const saved = await changeSettings(
      tx,
      guildId,
      actorId,
      'intros.set',
      (s) => ({ ...s, intros: { ...s.intros, ...config, enabled: true, since: now } }),
      now,
    );
    await enqueueOn(tx, [announceItem(platform, guildId, config.channelId)], now);
    return saved.intros;
  });
}

export async function turnOff(db: Database, guildId: GuildId, actorId: MemberId, now: number): Promise<boolean> {
  const was = (await readSettings(db, guildId)).intros.enabled;
  await changeSettings(
    db,
    guildId,
    actorId,
    'intros.off',
    (s) => ({ ...s, intros: { ...s.intros, enabled: false } }),
    now,
  );
  return was;
}
