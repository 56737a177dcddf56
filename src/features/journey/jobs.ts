/** The journey's scheduled work: one sweep per guild every scan interval. */
import { databaseOf } from '../../commands.js';
import type { JobDefinition } from '../../scheduler/job.js';
import { sweep } from './service.js';

export const journeySweepJob: JobDefinition = {
  name: 'journey.sweep',
  schedule: { kind: 'scan' },
  async run(deps, guildId, _period, now) {
    const result = await sweep(databaseOf(deps), guildId, now);
    if (result.enqueued > 0) deps.wakeOutbox();
    if (result.welcomed + result.advanced + result.congratulated + result.nudged > 0) {
      deps.log.info({ guildId, ...result }, 'journey sweep');
    }
  },
};

export const journeyJobs: JobDefinition[] = [journeySweepJob];
