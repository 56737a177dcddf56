/**
 * The weekly digest's public face. A digest is read (gather.ts: the guild's weeks, the features'
 * sections), decided (assemble.ts, pure), composed with its chart (build.ts), and written with the
 * weeks it counted in one transaction (post.ts). personal.ts makes the /digest me DMs, schedule.ts
 * says when and which week, report.ts what moderators read about it elsewhere.
 */
export { type BuiltDigest, buildDigest } from './build.js';
export type { NamedSource } from './gather.js';
export { personalDigest, sendPersonalDigests } from './personal.js';
export { digestLists, postDigestNow, postScheduledDigest, previewDigest } from './post.js';
export { goalsReport, latestPulse, renderPulseLine } from './report.js';
export {
  currentTarget,
  type DigestTarget,
  describeSchedule,
  digestKey,
  digestTimezone,
  nextDigestAt,
  personalKey,
  scheduledTarget,
  scheduleOf,
} from './schedule.js';
