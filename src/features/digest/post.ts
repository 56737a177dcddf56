/**
 * Posting the digest: the scheduled weekly post, post-now, the moderator's preview and the "Full
 * lists". Each builds the digest from its facts (build.ts), then writes the post and the weeks it
 * counted in one transaction.
 */
import type { Action, MessageBody, OutboxItem } from '../../actions.js';
import { type Deps, databaseOf, UserFacingError } from '../../commands.js';
import { transaction } from '../../db/database.js';
import type { ChannelId, GuildId } from '../../events.js';
import { type GuildSettings, readSettings } from '../../guildSettings.js';
import { enqueueOn, hasKeyOn } from '../../outbox/store.js';
import { type BuiltDigest, buildDigest } from './build.js';
import { composeLists } from './composeLists.js';
import type { NamedSource } from './gather.js';
import { sendPersonalDigests } from './personal.js';
import { currentTarget, type DigestTarget, digestKey, scheduledTarget } from './schedule.js';
import { guildInfo, storeWeek } from './store.js';

async function writeDigest(
  deps: Deps,
  guildId: GuildId,
  built: BuiltDigest,
  items: OutboxItem[],
  now: number,
): Promise<number> {
  const added = await transaction(databaseOf(deps), async (tx) => {
    for (const w of built.toStore) await storeWeek(tx, guildId, w, now);
    return enqueueOn(tx, items, now);
  });
  if (added > 0) deps.wakeOutbox();
  return added;
}

function channelOf(settings: GuildSettings): ChannelId {
  const channelId = settings.digest.channelId;
  if (!channelId) {
    throw new UserFacingError('The digest has no channel yet: choose one with /convene digest set channel:');
  }
  return channelId as ChannelId;
}

/**
 * The scheduled weekly digest for `period` (the scheduler's job). Exactly once per guild and
 * period: the outbox key is `digest:<guild>:<ISO week>`, and a key already there (a run that
 * crashed after enqueueing, or a post-now earlier that week) means there is nothing to do.
 */
export async function postScheduledDigest(
  deps: Deps,
  guildId: GuildId,
  period: string,
  now: number,
  sources: readonly NamedSource[],
): Promise<'posted' | 'already' | 'off'> {
  const db = databaseOf(deps);
  const settings = await readSettings(db, guildId);
  if (!settings.digest.channelId) return 'off';
  const key = digestKey(guildId, period);
  const target = scheduledTarget(settings, period) ?? currentTarget(settings, now);
  if (await hasKeyOn(db, key)) {
    await sendPersonalDigests(deps, guildId, target, now, sources);
    return 'already';
  }
  const built = await buildDigest(deps, guildId, target, now, sources);
  const info = (await guildInfo(db, guildId))!;
  const action: Action = { type: 'message.send', channelId: channelOf(settings), body: built.body };
  await writeDigest(deps, guildId, built, [{ platform: info.platform, guildId, key, action }], now);
  await sendPersonalDigests(deps, guildId, target, now, sources);
  return 'posted';
}

/**
 * /convene digest post-now: the seven days before today, posted now. It takes this week's key when
 * the scheduled digest has not gone out yet (so the channel does not get two), else an extra key.
 */
export async function postDigestNow(
  deps: Deps,
  guildId: GuildId,
  now: number,
  sources: readonly NamedSource[],
): Promise<{ channelId: ChannelId; replacesScheduled: boolean }> {
  const db = databaseOf(deps);
  const settings = await readSettings(db, guildId);
  const channelId = channelOf(settings);
  const target = currentTarget(settings, now);
  const weekKey = digestKey(guildId, target.period);
  const replacesScheduled = !(await hasKeyOn(db, weekKey));
  const key = replacesScheduled ? weekKey : `${weekKey}:now:${now}`;
  const built = await buildDigest(deps, guildId, target, now, sources);
  const info = (await guildInfo(db, guildId))!;
  await writeDigest(
    deps,
    guildId,
    built,
    [{ platform: info.platform, guildId, key, action: { type: 'message.send', channelId, body: built.body } }],
    now,
  );
  return { channelId, replacesScheduled };
}

/** /convene digest preview: the digest as it would look now, plus the pulse, for the moderator only. */
export async function previewDigest(
  deps: Deps,
  guildId: GuildId,
  now: number,
  sources: readonly NamedSource[],
): Promise<MessageBody> {
  const db = databaseOf(deps);
  const settings = await readSettings(db, guildId);
  const built = await buildDigest(deps, guildId, currentTarget(settings, now), now, sources, { preview: true });
  // Weeks that have ended are kept, so the next preview or post reads them instead of recomputing.
  await transaction(db, async (tx) => {
    for (const w of built.toStore) await storeWeek(tx, guildId, w, now);
  });
  return built.body;
}

/**
 * "Full lists" under a digest (and /digest lists): every newcomer, milestone and waiting question of
 * the week of `target` (the waiting list as of now), for the member who asked. Reads only.
 */
export async function digestLists(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
): Promise<MessageBody> {
  const built = await buildDigest(deps, guildId, target, now, sources, { lists: true });
  return composeLists(built.data, now);
}
