/** The newcomer journey: welcome, milestones along a track, a gentle nudge for silent newcomers. */
import conveneConfigExport from '../../../commands/conveneConfigExport.js';
import conveneConfigImport from '../../../commands/conveneConfigImport.js';
import conveneJourneySetRole from '../../../commands/conveneJourneySetRole.js';
import conveneJourneyShow from '../../../commands/conveneJourneyShow.js';
import conveneJourneySilent from '../../../commands/conveneJourneySilent.js';
import conveneWelcomeSet from '../../../commands/conveneWelcomeSet.js';
import conveneWelcomeTest from '../../../commands/conveneWelcomeTest.js';
import journey from '../../../commands/journey.js';
import { defineFeature } from '../feature.js';
import { journeyDigest } from './digest.js';
import { isHelpfulReaction } from './evaluate.js';
import { journeyJobs } from './jobs.js';
import { eraseJourney, exportJourney } from './privacy.js';
import { handleEvent } from './service.js';

export const journeyFeature = defineFeature({
  name: 'journey',
  commands: [
    journey,
    conveneWelcomeSet,
    conveneWelcomeTest,
    conveneJourneyShow,
    conveneJourneySetRole,
    conveneJourneySilent,
    conveneConfigExport,
    conveneConfigImport,
  ],
  buttons: [],
  jobs: journeyJobs,
  async onEventStored(deps, event, fresh, tx) {
    // A duplicate or a replay changed nothing in the store: the journey already acted on it once.
    if (!fresh) return;
    // The adapter's clock: onEventStored has no `now` of its own, and the event's time is the platform's.
    if ((await handleEvent(tx, event, Date.now())) > 0) deps.wakeOutbox();
  },
  countsReaction: isHelpfulReaction,
  privacy: {
    // Not ported yet: the synchronous store on the erasure's SQLite transaction.
    export: exportJourney,
    erase: (tx, guildId, memberId) => eraseJourney(tx, guildId, memberId),
  },
  digest: journeyDigest,
});
