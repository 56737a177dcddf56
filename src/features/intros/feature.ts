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
import { databaseOf } from '../../commands.js';
import { asGuildId, asMemberId } from '../../events.js';
import { defineFeature } from '../feature.js';
import { awayKey } from './across.js';
import { introsButtons } from './buttons.js';
import { scrubOthersProfiles } from './erase.js';
import { introsJobs } from './jobs.js';
import { pairedGuildOf } from './pairs.js';
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
  async onEventStored(_deps, event, fresh, tx) {
    // Accepted answers make someone "helpful" in profiles; nothing else is needed per event.
    if (!fresh || event.kind !== 'answer.accepted') return;
    await recordAccepted(tx, event.guildId, event.threadId, event.messageId, event.accepted, event.at);
  },
  privacy: {
    // In a paired community, a member's intros with people of the other platform are kept by the
    // guild that ran them, under the key "<this guild>/<member>" (across.ts): they are theirs too.
    async export(db, guildId, memberId) {
      const mine = await exportIntros(db, guildId, memberId);
      const other = await pairedGuildOf(db, guildId);
      if (other === null) return mine;
      const across = await exportIntros(db, asGuildId(other), asMemberId(awayKey(guildId, memberId)));
      return { ...mine, acrossPlatforms: across.intros };
    },
    async erase(tx, guildId, memberId, who) {
      await eraseIntros(tx, guildId, memberId);
      await scrubOthersProfiles(tx, guildId, memberId, who);
      const other = await pairedGuildOf(tx, guildId);
      if (other !== null) {
        const away = asMemberId(awayKey(guildId, memberId));
        await eraseIntros(tx, asGuildId(other), away);
        await scrubOthersProfiles(tx, asGuildId(other), away, who);
      }
    },
  },
  digest: {
    intros: (deps, window) => introCounts(databaseOf(deps), window.guildId, window.start, window.end),
  },
});
