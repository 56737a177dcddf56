/**
 * Intros tables: consent, profiles, the term index, rounds, intros and feedback. Reads and writes
 * only, one file per concern; the deciding is in the pure files and the operations join them.
 * Engine-neutral (src/db/database.ts): every function takes a `Database` and returns a Promise.
 *
 * Consent lives in the queries: every read that can lead to a suggestion or a message joins
 * intros_members on "joined and not left" (and members.left_at: someone who left the server is out
 * too). The pure scorer checks the same set again (score.ts).
 */
export * from './buildStore.js';
export * from './consentStore.js';
export * from './introStore.js';
export * from './namesStore.js';
export * from './privacyStore.js';
export * from './profileStore.js';
