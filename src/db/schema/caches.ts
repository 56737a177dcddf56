/**
 * Generations of the per-process caches of database state that must agree across processes (see
 * src/db/cacheGenerations.ts). A change a cache depends on bumps its (scope, guild) row in the
 * change's own transaction; every process sees the higher generation and drops what it cached.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const cacheGenerations = sqliteTable(
  'cache_generations',
  {
    /** What changed: 'settings', 'erased', 'pairs' (CacheScope). */
    scope: text('scope').notNull(),
    guildId: text('guild_id').notNull(),
    /** Higher than every generation committed before it (one sequence for the whole table). */
    generation: integer('generation').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.guildId] }), index('cache_generations_generation').on(t.generation)],
);
