/** Intros on a schedule: the round (per guild, at its day and time), follow-ups and profile builds. */
import { databaseOf } from '../../commands.js';
import { readSettings } from '../../guildSettings.js';
import type { JobDefinition } from '../../scheduler/job.js';
import { roundGuildOf } from './community.js';
import { isRoundWeek, periodOf, refreshProfiles, runRound, scheduleOf, sendFollowUps } from './service.js';
import { consentingIds, platformOf } from './store.js';

export const introsRoundJob: JobDefinition = {
  name: 'intros.round',
  schedule: {
    kind: 'guild',
    // Off (null) until /convene intros set; /convene intros off turns it off again.
    scheduleFor: async (deps, guildId) => scheduleOf(await readSettings(databaseOf(deps), guildId)),
    // The local date of the round: the period in job_runs and in every outbox key of the round.
    periodOf: (dueAt, schedule) => periodOf(dueAt, schedule.timezone),
  },
  async run(deps, guildId, period, now) {
    const db = databaseOf(deps);
    const settings = (await readSettings(db, guildId)).intros;
    // Every 2 or 4 weeks: the cron fires weekly and the off weeks do nothing.
    if (!settings.enabled || !isRoundWeek(period, settings.every)) return;
    // One round per community: while a forum is paired with a Discord guild, the Discord guild's
    // round includes the forum's members and the forum's own scheduled round is skipped (it runs
    // only when the Discord guild has intros off). See community.ts roundGuildOf.
    if ((await roundGuildOf(db, guildId)) !== guildId) {
      deps.log.info({ guildId, period }, 'intros round skipped: paired, the community round includes this forum');
      return;
    }
    const result = await runRound(db, await platformOf(db, guildId), guildId, period, now);
    if (result.enqueued > 0) deps.wakeOutbox();
    deps.log.info({ guildId, ...result }, 'intros round');
  },
};

/** "Did you meet?" a week after each intro. */
export const introsFollowUpJob: JobDefinition = {
  name: 'intros.followup',
  schedule: { kind: 'scan' },
  async run(deps, guildId, _period, now) {
    const db = databaseOf(deps);
    const enqueued = await sendFollowUps(db, await platformOf(db, guildId), guildId, now);
    if (enqueued > 0) deps.wakeOutbox();
  },
};

/** Profiles are rebuilt once a day (and before every round), only for guilds with members in intros. */
export const introsProfilesJob: JobDefinition = {
  name: 'intros.profiles',
  schedule: { kind: 'scan' },
  async run(deps, guildId, _period, now) {
    const db = databaseOf(deps);
    if ((await consentingIds(db, guildId)).size === 0) return;
    if (await refreshProfiles(db, guildId, now)) deps.log.debug({ guildId }, 'intros profiles rebuilt');
  },
};

export const introsJobs: JobDefinition[] = [introsRoundJob, introsFollowUpJob, introsProfilesJob];
