/**
 * Convene on a Discourse forum: REST client, webhook receiver, command reader and outbox sender,
 * wired together. `npm start` with only the DISCOURSE_* variables runs the forum alone.
 *
 * Order matters for the HTTP server: call startDiscourse before `http.listen()` (routes must exist
 * before fastify listens).
 */
import { type Deps, databaseOf } from '../../commands.js';
import type { GuildId } from '../../events.js';
import type { Feature } from '../../features/feature.js';
import type { HttpServer } from '../../http/server.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import { type DrainOptions, OutboxDrain } from '../../outbox/drain.js';
import { ownsGuild } from '../../shards.js';
import { type CatchUpResult, createDiscourseCatchUp } from './catchUp.js';
import { DiscourseClient } from './client.js';
import { DiscourseCommands } from './commands.js';
import { type ForumRuntimes, ForumsSender } from './forums.js';
import { guildIdFor, platform } from './ids.js';
import { DiscourseSender } from './sender.js';
import { registerDiscourseWebhook } from './webhook.js';

export interface DiscourseRuntime {
  guildId: GuildId;
  client: DiscourseClient;
  sender: DiscourseSender;
  drain: OutboxDrain;
  commands: DiscourseCommands;
  /** The start-up catch-up (in the background): null when there was nothing to catch up from. */
  caughtUp: Promise<CatchUpResult | null>;
  stop(): Promise<void>;
}

export interface DiscourseStartOptions {
  /**
   * Outbox pacing. Discourse's default limit for an admin API key is 60 requests a minute
   * (max_admin_api_reqs_per_minute), so the default is one a second, one at a time.
   */
  drain?: Partial<DrainOptions>;
  /** Start the drain loop (default). Tests turn it off and call `drain.drainAll()` themselves. */
  startDrain?: boolean;
  now?: () => number;
  /** Forums connected by command: the drain sends their actions too, each through its own client. */
  forums?: ForumRuntimes;
}

export async function startDiscourse(
  deps: Deps,
  ingestor: Ingestor,
  features: readonly Feature[],
  http: HttpServer,
  options: DiscourseStartOptions = {},
): Promise<DiscourseRuntime> {
  const forum = deps.config.discourse;
  if (!forum) throw new Error('startDiscourse needs DISCOURSE_URL, DISCOURSE_API_KEY and DISCOURSE_API_USERNAME');
  const now = options.now ?? Date.now;
  const log = deps.log.child({ platform });
  const client = new DiscourseClient(forum);
  const guildId = guildIdFor(forum.url);

  let siteName = new URL(forum.url).host;
  let reachable = true;
  try {
    siteName = await client.siteTitle();
    await client.user(forum.apiUsername);
  } catch (error) {
    // Webhooks still arrive and the outbox retries: start degraded and say so in /healthz.
    reachable = false;
    log.error({ err: error }, 'discourse: the forum API is not answering (or the key/username is wrong)');
  }
  if (reachable) {
    // The forum has no creation time in its API: the guild row's time is when we first met it.
    await ingestor.push({ kind: 'guild.upserted', platform, guildId, at: now(), name: siteName });
  }

  const commandNames = features.flatMap((f) => f.commands.map((c) => c.name));
  const sender = new DiscourseSender(databaseOf(deps), client, guildId, log, siteName, commandNames);
  const drain = new OutboxDrain(
    databaseOf(deps),
    options.forums ? new ForumsSender(options.forums, { guildId, sender }) : sender,
    log,
    { ratePerSecond: 1, concurrency: 1, ...options.drain },
  );
  const commands = new DiscourseCommands({
    deps,
    features,
    guild: { id: guildId, name: siteName },
    botUsername: forum.apiUsername,
    client,
    wake: () => drain.wake(),
    now,
  });

  const secret = forum.webhookSecret;
  if (secret) {
    http.route((app) =>
      registerDiscourseWebhook(app, {
        deps,
        ingestor,
        guildId,
        secret,
        botUsername: forum.apiUsername,
        onPostCreated: (post) => commands.handlePost(post),
        rejected: (reason, detail) => http.rejections.count(reason, detail),
        now,
      }),
    );
  } else {
    log.warn(
      'discourse: DISCOURSE_WEBHOOK_SECRET is not set, so webhooks are refused; run the backfill to import history',
    );
  }

  const catchUp = createDiscourseCatchUp({
    deps,
    client,
    ingestor,
    guildId,
    botUsername: forum.apiUsername,
    horizonMs: deps.config.backfillHorizonMs,
    live: Boolean(secret),
  });
  // In the background: webhooks are answered meanwhile (ingest is idempotent on the forum's ids).
  // Webhooks reach any process, but reading the forum back is the work of the one that owns it (shard
  // 0's): N processes would spend N times the forum's API budget on the same posts.
  const owner = ownsGuild(deps.config.discordShards, { id: guildId, platform });
  const caughtUp = reachable && owner ? catchUp.run() : Promise.resolve(null);
  const unsubscribe = ingestor.onRecovered((gaps) => catchUp.recovered(gaps));

  if (options.startDrain !== false) drain.start();
  const details = [new URL(forum.url).host];
  if (!reachable) details.push('API not answering');
  if (!secret) details.push('webhooks off: no DISCOURSE_WEBHOOK_SECRET');
  deps.status.platforms.discourse = { connected: reachable, detail: details.join('; ') };
  log.info({ guildId, webhooks: Boolean(secret) }, 'discourse: started');

  return {
    guildId,
    client,
    sender,
    drain,
    commands,
    caughtUp,
    async stop() {
      unsubscribe();
      await catchUp.stop();
      await drain.stop();
      deps.status.platforms.discourse = { connected: false, detail: 'stopped' };
    },
  };
}
