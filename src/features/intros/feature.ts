/** Introductions: "you should meet…" with a reason, intro rounds, and feedback that improves the next. */
import conveneIntrosOff from '../../../commands/conveneIntrosOff.js';
import conveneIntrosRunNow from '../../../commands/conveneIntrosRunNow.js';
import conveneIntrosSet from '../../../commands/conveneIntrosSet.js';
import introsJoin from '../../../commands/introsJoin.js';
import introsLeave from '../../../commands/introsLeave.js';
import introsStatus from '../../../commands/introsStatus.js';
import meet from '../../../commands/meet.js';
import profileSet from '../../../commands/profileSet.js';
import profileShow from '../../../commands/profileShow.js';
import { defineFeature } from '../feature.js';
import { introsButtons } from './buttons.js';
import { introsJobs } from './jobs.js';
import { eraseIntros, exportIntros, introCounts, recordAccepted } from './store.js';

export const introsFeature = defineFeature({
  name: 'intros',
  commands: [
    introsJoin,
    introsLeave,
    introsStatus,
    profileSet,
    profileShow,
    meet,
    conveneIntrosSet,
    conveneIntrosRunNow,
    conveneIntrosOff,
  ],
  buttons: introsButtons,
  jobs: introsJobs,
  onEvent(deps, event, fresh) {
    // Accepted answers make someone "helpful" in profiles; nothing else is needed per event.
    if (!fresh || event.kind !== 'answer.accepted') return;
    recordAccepted(deps.db, event.guildId, event.threadId, event.messageId, event.accepted, event.at);
  },
  privacy: { export: exportIntros, erase: eraseIntros },
  digest: {
    intros: (deps, window) => introCounts(deps.db, window.guildId, window.start, window.end),
  },
});
