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
import { legacyDb } from '../../db/database.js';
import { asGuildId, asMemberId } from '../../events.js';
import { defineFeature } from '../feature.js';
import { partnerOf } from '../links/identity.js';
import { awayKey } from './across.js';
import { introsButtons } from './buttons.js';
import { scrubOthersProfiles } from './erase.js';
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
  privacy: {
    // In a paired community, a member's intros with people of the other platform are kept by the
    // guild that ran them, under the key "<this guild>/<member>" (across.ts): they are theirs too.
    // Not ported yet: the synchronous store on the erasure's SQLite transaction.
    async export(database, guildId, memberId) {
      const db = legacyDb(database);
      const mine = exportIntros(db, guildId, memberId);
      const other = partnerOf(db, guildId);
      if (other === null) return mine;
      const across = exportIntros(db, asGuildId(other), asMemberId(awayKey(guildId, memberId)));
      return { ...mine, acrossPlatforms: across.intros };
    },
    async erase(tx, guildId, memberId, who) {
      const db = legacyDb(tx);
      eraseIntros(db, guildId, memberId);
      scrubOthersProfiles(db, guildId, memberId, who);
      const other = partnerOf(db, guildId);
      if (other !== null) {
        const away = asMemberId(awayKey(guildId, memberId));
        eraseIntros(db, asGuildId(other), away);
        scrubOthersProfiles(db, asGuildId(other), away, who);
      }
    },
  },
  digest: {
    intros: (deps, window) => introCounts(deps.db, window.guildId, window.start, window.end),
  },
});
