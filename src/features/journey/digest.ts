/** What the journey adds to the weekly digest: milestones reached, and each member's own progress. */
import { and, eq, gte, lt, ne } from 'drizzle-orm';
import { databaseOf } from '../../commands.js';
import { asMemberId } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import type { DigestSource } from '../digest/sources.js';
import { journeyView } from './service.js';

/** Arrivals are the digest's "welcome" section already; milestones start at the next stage. */
const FIRST_STAGE = 'arrived';

export const journeyDigest: DigestSource = {
  async milestones(deps, window) {
    const db = databaseOf(deps);
    const { journeyMilestones, members } = db.tables;
    const track = (await readSettings(db, window.guildId)).journey.track;
    const names = new Map(track.stages.map((s) => [s.id, s.name]));
    const order = new Map(track.stages.map((s, i) => [s.id, i]));
    return (
      (
        await db
          .select({
            memberId: journeyMilestones.memberId,
            stage: journeyMilestones.stage,
            at: journeyMilestones.reachedAt,
            name: members.displayName,
          })
          .from(journeyMilestones)
          .innerJoin(
            members,
            and(eq(members.guildId, journeyMilestones.guildId), eq(members.memberId, journeyMilestones.memberId)),
          )
          .where(
            and(
              eq(journeyMilestones.guildId, window.guildId),
              gte(journeyMilestones.reachedAt, window.start),
              lt(journeyMilestones.reachedAt, window.end),
              ne(journeyMilestones.stage, FIRST_STAGE),
            ),
          )
      )
        .filter((m) => names.has(m.stage))
        // A member who climbed several stages this week is named once, at the highest.
        .filter((m, _, all) => !all.some((o) => o.memberId === m.memberId && order.get(o.stage)! > order.get(m.stage)!))
        .map((m) => ({
          memberId: asMemberId(m.memberId),
          name: m.name,
          milestone: `reached ${names.get(m.stage)}`,
          at: m.at,
        }))
    );
  },
  async personal(deps, window, memberId) {
    const view = await journeyView(databaseOf(deps), window.guildId, memberId, true, window.now);
    const stage = view.track.stages[view.index];
    if (!stage) return null;
    return { journey: { stage: stage.name, ...(view.next ? { next: view.next.name } : {}) } };
  },
};
