import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations from the tables derived from the SQLite schema (src/db/pg/schema.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './migrations-pg',
});
