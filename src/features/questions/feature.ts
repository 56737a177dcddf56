/** Unanswered questions: detect them, route each to the peers most likely to answer, nudge with restraint. */
import conveneQuestionsSet from '../../../commands/conveneQuestionsSet.js';
import nudgesOff from '../../../commands/nudgesOff.js';
import nudgesOn from '../../../commands/nudgesOn.js';
import solved from '../../../commands/solved.js';
import unanswered from '../../../commands/unanswered.js';
import { databaseOf } from '../../commands.js';
import { defineFeature } from '../feature.js';
import { readForumUrls } from '../links/knownForums.js';
import { questionButtons } from './buttons.js';
import { questionJobs } from './jobs.js';
import { eraseQuestions, exportQuestions } from './privacyStore.js';
import { handleEvent, isSolvedMark, responseTimes, unansweredAcross, waitingForDigest } from './service.js';
import { solvedHelpers } from './solveStore.js';

export const questionsFeature = defineFeature({
  name: 'questions',
  commands: [unanswered, solved, nudgesOn, nudgesOff, conveneQuestionsSet],
  buttons: questionButtons,
  jobs: questionJobs,
  async onEventStored(_deps, event, fresh, tx) {
    // A duplicate or replay changed nothing in the store: the feature already counted it once.
    if (!fresh) return;
    await handleEvent(tx, event);
  },
  countsReaction: isSolvedMark,
  privacy: {
    export: exportQuestions,
    // The guild's expertise index in every process is dropped by the erasure's 'erased' cache
    // generation (expertiseCache.ts): `tx` here is the erasure's transaction, not the cache's key.
    erase: eraseQuestions,
  },
  digest: {
    waitingQuestions: async (deps, w) =>
      waitingForDigest(databaseOf(deps), w.guildId, w.now, undefined, {
        forumUrls: await readForumUrls(databaseOf(deps), deps.config),
      }),
    responseTimes: (deps, w) => responseTimes(databaseOf(deps), w.guildId, w.start, w.end, w.now),
    topHelpers: (deps, w) => solvedHelpers(databaseOf(deps), w.guildId, w.start, w.end),
    async personal(deps, w, memberId) {
      const list = (
        await unansweredAcross(databaseOf(deps), w.guildId, memberId, w.now, 3, {
          forumUrls: await readForumUrls(databaseOf(deps), deps.config),
        })
      ).filter((q) => q.why && q.url);
      if (list.length === 0) return null;
      return {
        questionsYouCouldAnswer: list.map((q) => ({
          title: q.title,
          url: q.url!,
          askedAt: q.askedAt,
          threadId: q.questionId,
        })),
      };
    },
  },
});
