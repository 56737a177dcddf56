/** Account links between a Discord member and a Discourse user (/link discourse, confirm, remove). */
import linkConfirm from '../../../commands/linkConfirm.js';
import linkDiscourse from '../../../commands/linkDiscourse.js';
import linkRemove from '../../../commands/linkRemove.js';
import { defineFeature } from '../feature.js';
import { crossRoute } from './crossRoute.js';
import { deleteLink, linkOf } from './store.js';

export const linksFeature = defineFeature({
  name: 'links',
  commands: [linkDiscourse, linkConfirm, linkRemove],
  buttons: [],
  jobs: [
    {
      name: 'links.crossRoute',
      schedule: { kind: 'scan' },
      run(deps, guildId, _period, now) {
        crossRoute(deps, guildId, now);
      },
    },
  ],
  privacy: {
    export(db, guildId, memberId) {
      const row = linkOf(db, guildId, memberId);
      return row
        ? {
            forum: row.otherGuildId,
            forumMemberId: row.otherMemberId,
            linkedAt: row.linkedAt,
            pending: row.linkedAt === null,
          }
        : {};
    },
    erase(db, guildId, memberId) {
      deleteLink(db, guildId, memberId);
    },
  },
});
