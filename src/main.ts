/**
 * Start-up: configuration → database → platforms → scheduler; graceful shutdown on SIGINT/SIGTERM.
 * Without a Discord token (and without Discourse settings) it explains how to get one and points to
 * `npm run demo`, which runs the bot against the local emulator.
 */
import 'dotenv/config';
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './log.js';

/** Say why, and end with code 1 (nothing is left running, so the process ends by itself). */
function fail(message: string, details?: string): void {
  process.stderr.write(`${message}\n${details ? `${details}\n` : ''}`);
  process.exitCode = 1;
}

/** An error and its causes with their stacks, for LOG_LEVEL=debug. */
function stacks(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (parts.length > 5) break;
  }
  return parts.join('\ncaused by: ');
}

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(`Configuration error: ${error.message}`);
  }
  if (!config.discordToken && !config.discourse) {
    return fail(
      [
        'DISCORD_TOKEN is not set, so there is no Discord bot to run as.',
        '  To get one: https://discord.com/developers/applications → New Application → Bot → Reset Token;',
        '  enable the Server Members and Message Content intents there, invite the bot with the',
        '  "bot" and "applications.commands" scopes, and put DISCORD_TOKEN=... in .env (see .env.example).',
        '  (For a Discourse forum, set DISCOURSE_URL, DISCOURSE_API_KEY and DISCOURSE_API_USERNAME instead.)',
        'To see Convene work right now without any account: npm run demo',
      ].join('\n'),
    );
  }
  const log = createLogger(config.logLevel);
  const debug = config.logLevel === 'debug' || config.logLevel === 'trace';
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  exitOnCrash(log, () => app?.stop());
  try {
    app = await startApp(config, log);
  } catch (error) {
    // One line that says what to fix; the stack only for whoever asked for it.
    const said =
      error instanceof ConfigError
        ? error.message
        : `${firstLine(error)}${debug ? '' : ' (LOG_LEVEL=debug shows where it happened)'}`;
    return fail(`Convene could not start: ${said}`, debug ? stacks(error) : undefined);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Stopping closes every connection, timer and the database: the process then ends by itself.
    app.stop().catch((error) => {
      log.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** How long a crashed process may take to stop cleanly before it exits anyway. */
const CRASH_STOP_MS = 5_000;

/**
 * A promise nobody awaited that failed, or an exception nobody caught: the process is in a state no
 * code planned for. Log it with the error, stop what can be stopped (gateway, database), and end with
 * code 1 so the supervisor restarts it; its claims pass to other processes when their leases end.
 */
function exitOnCrash(log: Logger, stop: () => Promise<void> | undefined): void {
  let crashing = false;
  const crash = (what: string) => (error: unknown) => {
    log.fatal({ err: error }, `${what}; stopping`);
    process.exitCode = 1;
    if (crashing) return;
    crashing = true;
    setTimeout(() => process.exit(1), CRASH_STOP_MS).unref();
    Promise.resolve()
      .then(stop)
      .catch((stopError: unknown) => log.error({ err: stopError }, 'stopping after the crash failed'))
      .finally(() => process.exit(1));
  };
  process.on('unhandledRejection', crash('a promise failed and nothing handled it'));
  process.on('uncaughtException', crash('an exception was not caught'));
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

main().catch((error) => fail(`Convene could not start: ${firstLine(error)}`, stacks(error)));
