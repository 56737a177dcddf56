/**
 * Moderators' journey settings: a stage's role (given to the members already there), silence, the
 * welcome, and a preview of the welcome sent to the moderator.
 */
import type { MessageBody } from '../../actions.js';
import { UserFacingError } from '../../commands.js';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { asMemberId, asRoleId } from '../../events.js';
import { changeSettings, readSettings } from '../../guildSettings.js';
import { enqueueOn } from '../../outbox/store.js';
import { safeText } from '../../text/fit.js';
import { loadContext } from './context.js';
import { busiestChannels } from './facts.js';
import { contextItem as item } from './guild.js';
import type { JourneySettings } from './settings.js';
import { membersAtStage } from './sweepStore.js';
import type { Stage } from './track.js';
import { welcomeBody } from './welcome.js';

/**
 * Give `stageId` a role (null: none), audited, and give it to the members already at that stage.
 * Returns the stage and how many members were queued for the role.
 */
export function setStageRole(
  db: Database,
  guildId: GuildId,
  actorId: MemberId,
  stageId: string,
  roleId: string | null,
  now: number,
): Promise<{ stage: Stage; backfilled: number }> {
  return transaction(db, async (tx) => {
    const current = await readSettings(tx, guildId);
    const stage = current.journey.track.stages.find((s) => s.id === stageId);
    if (!stage) {
      const ids = current.journey.track.stages.map((s) => `\`${s.id}\``).join(', ');
      throw new UserFacingError(`There is no stage "${safeText(stageId, 32)}". The stages are ${ids}.`);
    }
    const saved = await changeSettings(
      tx,
      guildId,
      actorId,
      'journey.set-role',
      (s) => ({
        ...s,
        journey: {
          ...s.journey,
          track: {
            ...s.journey.track,
            stages: s.journey.track.stages.map((x) => (x.id === stageId ? { ...x, roleId } : x)),
          },
        },
      }),
      now,
    );
    const updated = saved.journey.track.stages.find((s) => s.id === stageId)!;
    if (!roleId) return { stage: updated, backfilled: 0 };
    const ctx = await loadContext(tx, guildId);
    if (!ctx) return { stage: updated, backfilled: 0 };
    const items = (await membersAtStage(tx, guildId, stageId)).map((memberId) =>
      item(ctx, `journey:role:${guildId}:${memberId}:${stageId}:${roleId}:add`, {
        type: 'role.add',
        memberId: asMemberId(memberId),
        roleId: asRoleId(roleId),
        reason: `Journey: ${updated.name} role`,
      }),
    );
    await enqueueOn(tx, items, now);
    return { stage: updated, backfilled: items.length };
  });
}

export async function setSilent(
  db: Database,
  guildId: GuildId,
  actorId: MemberId,
  silent: boolean,
  now: number,
): Promise<void> {
  await changeSettings(
    db,
    guildId,
    actorId,
    'journey.silent',
    (s) => ({ ...s, journey: { ...s.journey, silent } }),
    now,
  );
}

export interface WelcomeChange {
  enabled?: boolean;
  channelId?: string | null;
  dm?: boolean;
  alsoInChannel?: boolean;
  /** '' resets to the default text. */
  text?: string;
}

export async function setWelcome(
  db: Database,
  guildId: GuildId,
  actorId: MemberId,
  change: WelcomeChange,
  now: number,
): Promise<JourneySettings['welcome']> {
  const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  const saved = await changeSettings(
    db,
    guildId,
    actorId,
    'journey.welcome.set',
    (s) => ({ ...s, journey: { ...s.journey, welcome: { ...s.journey.welcome, ...defined } } }),
    now,
  );
  return saved.journey.welcome;
}

/**
 * The welcome a newcomer would get, sent to `memberId` by DM as a preview (not counted as their
 * welcome). Returns the body, to show it in the reply as well.
 */
export function sendWelcomePreview(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  now: number,
): Promise<MessageBody> {
  return transaction(db, async (tx) => {
    const ctx = await loadContext(tx, guildId);
    if (!ctx) throw new UserFacingError('This server is not set up yet — try again in a minute.');
    const body = welcomeBody(ctx, memberId, await busiestChannels(tx, ctx, now));
    await enqueueOn(
      tx,
      [item(ctx, `welcome-test:${guildId}:${memberId}:${now}`, { type: 'dm.send', memberId, body })],
      now,
    );
    return body;
  });
}
