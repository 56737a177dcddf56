/** /convene intros set and off: the schedule in the guild's settings, and the "join intros" post. */
import type { Db } from '../../db/connection.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { getSettings, updateSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
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
export function configure(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  actorId: MemberId,
  config: IntrosConfig,
  now: number,
) {
  let saved!: IntrosSettings;
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    saved = updateSettings(
      t,
      guildId,
      actorId,
      'intros.set',
      (s) => ({ ...s, intros: { ...s.intros, ...config, enabled: true, since: now } }),
      now,
    ).intros;
    enqueue(t, [announceItem(platform, guildId, config.channelId)], now);
  });
  return saved;
}

export function turnOff(db: Db, guildId: GuildId, actorId: MemberId, now: number): boolean {
  const was = getSettings(db, guildId).intros.enabled;
  updateSettings(db, guildId, actorId, 'intros.off', (s) => ({ ...s, intros: { ...s.intros, enabled: false } }), now);
  return was;
}
