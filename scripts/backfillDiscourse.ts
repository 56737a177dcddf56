/**
 * npm run backfill:discourse [-- --restart] [-- --notify-features]
 *
 * Imports the forum's history (categories, users, every topic with its posts) through the API into
 * the database, with a progress bar. Ctrl-C stops after the current topic; running it again resumes
 * from the saved cursor, and running it after it finished imports only what is new. Idempotent.
 *
 * Features are not told about imported events unless --notify-features is given: a welcome feature
 * hearing thousands of old "member joined" events would greet people who joined years ago.
 */
import { SingleBar } from 'cli-progress';
import { config as loadDotenv } from 'dotenv';
import type { Deps } from '../src/commands.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { closeDatabase, legacyDb, migrateDatabase, notPortedDb, openDatabase } from '../src/db/database.js';
import { features } from '../src/features/index.js';
import { Ingestor } from '../src/ingest/ingestor.js';
import { createLogger } from '../src/log.js';
import { BackfillInterrupted, backfillDiscourse } from '../src/platforms/discourse/backfill.js';
import { DiscourseClient } from '../src/platforms/discourse/client.js';
import { guildIdFor } from '../src/platforms/discourse/ids.js';

async function main(): Promise<number> {
  loadDotenv({ quiet: true });
  const args = new Set(process.argv.slice(2));
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration problem: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (!config.discourse) {
    console.error('Set DISCOURSE_URL, DISCOURSE_API_KEY and DISCOURSE_API_USERNAME to import a forum.');
    return 2;
  }
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config.databaseUrl);
  await migrateDatabase(database);
  const deps: Deps = {
    // The synchronous handle of code not yet on the async store (the backfill itself is): none on PostgreSQL.
    db: database.engine === 'sqlite' ? legacyDb(database) : notPortedDb(),
    database,
    config,
    log,
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const ingestor = new Ingestor(deps, args.has('--notify-features') ? features : []);
  const client = new DiscourseClient(config.discourse);
  const guildId = guildIdFor(config.discourse.url);

  const abort = new AbortController();
  process.once('SIGINT', () => {
    console.error('\nStopping after the current topic… (Ctrl-C again to quit at once)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const bar = new SingleBar({
    format: '{phase} |{bar}| {value}/{total} topics · {posts} posts · {users} members',
    hideCursor: true,
  });
  let started = false;
  try {
    const cursor = await backfillDiscourse({
      db: database,
      client,
      ingestor,
      guildId,
      botUsername: config.discourse.apiUsername,
      restart: args.has('--restart'),
      signal: abort.signal,
      onProgress: (p) => {
        const total = Math.max(p.topicsTotal ?? 0, p.topicsDone);
        const payload = { phase: p.phase.padEnd(10), posts: p.postsDone, users: p.usersDone };
        if (!started) {
          bar.start(total, p.topicsDone, payload);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(p.topicsDone, payload);
        }
      },
    });
    bar.stop();
    console.log(
      `Backfill complete: ${cursor.topicsDone} topics, ${cursor.postsDone} posts and ${cursor.usersDone} members imported in all.`,
    );
    return 0;
  } catch (error) {
    bar.stop();
    if (error instanceof BackfillInterrupted) {
      console.log(`Stopped after ${error.cursor.topicsDone} topics. Run "npm run backfill:discourse" again to resume.`);
      return 130;
    }
    console.error(`Backfill stopped: ${error instanceof Error ? error.message : String(error)}`);
    console.error('The progress so far is saved; run it again to resume.');
    return 1;
  } finally {
    await closeDatabase(database);
  }
}

process.exitCode = await main();
