/**
 * The journey's public face. Each operation reads the facts it needs, decides in pure code and
 * writes the decision and its Actions in one transaction, each Action under an idempotency key, so
 * a replay, a duplicate delivery or a restart never sends anything twice:
 *   events.ts  a join, a message, a helpful reaction, an accepted answer; what other features report
 *   sweep.ts   what happens because time passed (late welcomes, time-based stages, held congratulations, nudges)
 *   views.ts   /journey, the track, the funnel
 *   admin.ts   moderators' settings and the welcome preview
 * The deciding is in decide.ts, progress.ts, welcome.ts and sweepPlan.ts (plain data, no database).
 */
export { sendWelcomePreview, setSilent, setStageRole, setWelcome, type WelcomeChange } from './admin.js';
export { handleEvent, recordAnswerPicked, recordProfileSet, syncJourneys } from './events.js';
export { syncJourneysSync } from './legacy.js';
export { CONTACT_GAP_MS } from './progress.js';
export { type SweepResult, sweep } from './sweep.js';
export { type FunnelStage, funnel, journeyView, trackView } from './views.js';
export { WELCOME_WINDOW_MS } from './welcome.js';
