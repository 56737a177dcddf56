/** The questions feature's scheduled work: one nudge scan per guild every scan interval. */
import { databaseOf } from '../../commands.js';
import type { JobDefinition } from '../../scheduler/job.js';
import { readForumUrls } from '../links/knownForums.js';
import { readModel } from './fitStore.js';
import { refitDue, refitRouter } from './refit.js';
import { scanAndNudge } from './service.js';

export const questionsScanJob: JobDefinition = {
  name: 'questions.scan',
  schedule: { kind: 'scan' },
  async run(deps, guildId, _period, now) {
    const db = databaseOf(deps);
    const result = await scanAndNudge(db, guildId, now, { forumUrls: await readForumUrls(db, deps.config) });
    if (result.nudged + result.escalated > 0) {
      deps.wakeOutbox();
      deps.log.info({ guildId, ...result }, 'questions scan');
    }
  },
};

/** Refit the guild's router when it is due: weekly, and after a backfill (see refit.ts). */
export const questionsRefitJob: JobDefinition = {
  name: 'questions.refit',
  schedule: { kind: 'scan' },
  async run(deps, guildId, _period, now) {
    const db = databaseOf(deps);
    if (!refitDue(await readModel(db, guildId), now, deps.status.lastBackfill?.at)) return;
    const fit = await refitRouter(db, guildId, now);
    deps.log.info(
      { guildId, learner: fit.learner, questions: fit.questions, validation: fit.validation },
      'router refit',
    );
  },
};

export const questionJobs: JobDefinition[] = [questionsScanJob, questionsRefitJob];
