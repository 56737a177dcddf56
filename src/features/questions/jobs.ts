/** The questions feature's scheduled work: one nudge scan per guild every scan interval. */
import type { JobDefinition } from '../../scheduler/job.js';
import { linksOf } from './links.js';
import { scanAndNudge } from './service.js';

export const questionsScanJob: JobDefinition = {
  name: 'questions.scan',
  schedule: { kind: 'scan' },
  run(deps, guildId, _period, now) {
    const result = scanAndNudge(deps.db, guildId, now, linksOf(deps.config));
    if (result.nudged + result.escalated > 0) {
      deps.wakeOutbox();
      deps.log.info({ guildId, ...result }, 'questions scan');
    }
  },
};

export const questionJobs: JobDefinition[] = [questionsScanJob];
