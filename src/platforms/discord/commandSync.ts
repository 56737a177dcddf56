/**
 * Keeping the registered slash commands equal to the definitions. Discord may refuse an update (400
 * for a definition it does not accept) or rate-limit it (429, sometimes for an hour): neither stops
 * start-up. The commands registered before stay in place, the refusal is logged and shown in /healthz
 * and /convene status, and the update is retried later with growing waits until it succeeds.
 */
import { type Client, RateLimitError, Routes } from 'discord.js';
import { type CommandDefinition, clearProblem, type Deps, raiseProblem } from '../../commands.js';
import { commandsJson } from './commandData.js';

export interface CommandSyncRetry {
  /** Wait before the first retry; it doubles after each further refusal. */
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_COMMAND_SYNC_RETRY: CommandSyncRetry = { firstMs: 60_000, maxMs: 3_600_000 };

/** Problem key in RuntimeStatus while the registration is refused. */
const PROBLEM = 'commands';

/** What makes two command registrations the same for Discord (ignoring ids and versions). */
function signature(command: unknown): string {
  const keep = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(keep);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of [
        'name',
        'description',
        'type',
        'required',
        'choices',
        'value',
        'options',
        'min_value',
        'max_value',
        'min_length',
        'max_length',
        'default_member_permissions',
      ]) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) continue;
        out[key] = keep(v);
      }
      return out;
    }
    return value;
  };
  return JSON.stringify(keep(command));
}

/** Keep the registered global commands equal to the definitions; writes only when they differ. */
export async function syncCommands(client: Client, defs: readonly CommandDefinition[], deps: Deps): Promise<void> {
  const wanted = commandsJson(defs);
  const appId = client.application!.id;
  const existing = (await client.rest.get(Routes.applicationCommands(appId))) as { name: string }[];
  const key = (list: readonly { name: string }[]) =>
    [...list]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(signature)
      .join('\n');
  if (key(existing) === key(wanted.map((w) => ({ type: 1, ...w })))) {
    deps.log.info({ commands: wanted.length }, 'slash commands already in sync');
    return;
  }
  await client.rest.put(Routes.applicationCommands(appId), { body: wanted });
  deps.log.info({ commands: wanted.map((c) => c.name) }, 'slash commands registered');
}

/** Why Discord did not take the update, in a few words (status and Discord's own message). */
function refusal(error: unknown): string {
  if (error instanceof RateLimitError) return `rate-limited for ${Math.round(error.retryAfter / 1000)} s`;
  const e = error as { status?: unknown; rawError?: { message?: unknown }; message?: unknown };
  const message = String(e?.rawError?.message ?? e?.message ?? error);
  return typeof e?.status === 'number' ? `${e.status}: ${message}` : message;
}

/**
 * Sync now (start-up waits for this first attempt, which does not wait out a rate limit); on a
 * refusal, keep the old commands, say so, and retry in the background until it succeeds.
 */
export async function keepCommandsInSync(
  client: Client,
  defs: readonly CommandDefinition[],
  deps: Deps,
  retry: Partial<CommandSyncRetry> = {},
): Promise<{ stop(): void }> {
  const { firstMs, maxMs } = { ...DEFAULT_COMMAND_SYNC_RETRY, ...retry };
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let refusals = 0;

  async function attempt(): Promise<void> {
    timer = null;
    try {
      await syncCommands(client, defs, deps);
      if (clearProblem(deps.status, PROBLEM)) {
        deps.log.info({ refusals }, 'slash commands: registered after Discord refused earlier attempts');
      }
      refusals = 0;
    } catch (error) {
      if (stopped) return;
      refusals++;
      const rateLimit = error instanceof RateLimitError ? error.retryAfter : 0;
      const wait = Math.max(rateLimit, Math.min(maxMs, firstMs * 2 ** (refusals - 1)));
      const sentence = `Discord refused the slash command update (${refusal(error)}); the commands registered before stay in place; next attempt in ${Math.round(wait / 1000)} s`;
      deps.log.warn({ err: error, attempt: refusals, nextAttemptInMs: wait }, `slash commands: ${sentence}`);
      raiseProblem(deps.status, PROBLEM, sentence);
      timer = setTimeout(() => void attempt(), wait);
      // A pending retry alone must not keep a stopping process alive.
      timer.unref();
    }
  }

  await attempt();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
