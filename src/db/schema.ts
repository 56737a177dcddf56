/** The whole drizzle schema: one file per area under ./schema/, re-exported here for drizzle-kit. */
export * from './schema/caches.js';
export * from './schema/core.js';
export * from './schema/digest.js';
export * from './schema/discourse.js';
export * from './schema/forums.js';
export * from './schema/gateway.js';
export * from './schema/intros.js';
export * from './schema/journey.js';
export * from './schema/links.js';
export * from './schema/questions.js';
export * from './schema/sync.js';
