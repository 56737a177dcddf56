/**
 * Moved to src/text/fit.ts: one fit and one escape for every outgoing text, not only the digest's.
 * Kept as a re-export so that the digest's files need not change while they are being reworked.
 */
export { clip, embedTextLength, fitList, LIMITS, len, limitViolation, link, safeText } from '../../text/fit.js';
