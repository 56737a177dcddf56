/** The weekly digest: a short, true story of the community each week, and the way back (pulse, notes). */
import conveneDigestOff from '../../../commands/conveneDigestOff.js';
import conveneDigestPostNow from '../../../commands/conveneDigestPostNow.js';
import conveneDigestPreview from '../../../commands/conveneDigestPreview.js';
import conveneDigestSet from '../../../commands/conveneDigestSet.js';
import conveneGoalsRemove from '../../../commands/conveneGoalsRemove.js';
import conveneGoalsSet from '../../../commands/conveneGoalsSet.js';
import conveneGoalsShow from '../../../commands/conveneGoalsShow.js';
import conveneWhySet from '../../../commands/conveneWhySet.js';
import digestLists from '../../../commands/digestLists.js';
import digestMeOff from '../../../commands/digestMeOff.js';
import digestMeOn from '../../../commands/digestMeOn.js';
import digestTell from '../../../commands/digestTell.js';
import { defineFeature } from '../feature.js';
import { digestButtons } from './buttons.js';
import { digestJobs } from './jobs.js';
import { eraseMemberDigest, exportMemberDigest } from './privacy.js';

export const digestFeature = defineFeature({
  name: 'digest',
  commands: [
    conveneDigestSet,
    conveneDigestPreview,
    conveneDigestPostNow,
    conveneDigestOff,
    digestMeOn,
    digestMeOff,
    digestTell,
    digestLists,
    conveneWhySet,
    conveneGoalsSet,
    conveneGoalsShow,
    conveneGoalsRemove,
  ],
  buttons: digestButtons,
  jobs: digestJobs,
  privacy: { export: exportMemberDigest, erase: (tx, guildId, memberId) => eraseMemberDigest(tx, guildId, memberId) },
});
