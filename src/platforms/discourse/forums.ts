/**
 * Forums connected by command (features/links/forums.ts), at run time: each has its own webhook path
 * `/webhooks/discourse/<forum id>` checked with its own secret, and its own REST client built from its
 * stored settings. Runtimes are built on first use and cached by the row's revision, which every
 * change of the settings or the secret moves: the next delivery or send after a change (in this
 * process or another) rebuilds them from the database, so a rotated secret is refused at once.
 * `watch` also re-reads the forums every so often, so a forum connected, changed or disconnected
 * through another process (or by a command here) starts or stops its catch-up (forumCatchUps.ts)
 * without waiting for a delivery.
 */

import type { Action } from '../../actions.js';
import type { Deps } from '../../commands.js';
import { databaseOf, raiseProblem } from '../../commands.js';
import { asGuildId, type GuildId } from '../../events.js';
import type { Feature } from '../../features/feature.js';
import { forumWebhookPath } from '../../features/links/forumRules.js';
import { allForums, type ForumRow, forumByForumGuild, forumById } from '../../features/links/forumStore.js';
import { openForumSecrets } from '../../features/links/forums.js';
import type { HttpServer } from '../../http/server.js';
import { type Ingestor, StorageUnavailableError } from '../../ingest/ingestor.js';
import { PermanentSendError, type PlatformSender, type SendContext } from '../../outbox/platformSender.js';
import { DiscourseClient } from './client.js';
import { DiscourseCommands } from './commands.js';
import type { ForumCatchUps } from './forumCatchUps.js';
import { forumHost, platform } from './ids.js';
import { isPrivateAddress } from './probe.js';
import { publicOnlyFetch } from './publicOnly.js';
import { DiscourseSender } from './sender.js';
import { createWebhookHandler, registerWebhookRoute, type WebhookHandle } from './webhook.js';

export interface ForumRuntime {
  forumId: string;
  guildId: GuildId;
  client: DiscourseClient;
  sender: DiscourseSender;
  commands: DiscourseCommands;
  handle: WebhookHandle;
}

export interface ForumRuntimesOptions {
  deps: Deps;
  ingestor: Ingestor;
  features: readonly Feature[];
  now: () => number;
  rejected: (reason: string, detail: Record<string, unknown>) => void;
  /** Read each forum back (catch-up) when its runtime is built; absent: webhooks only. */
  catchUps?: ForumCatchUps;
}

export class ForumRuntimes {
  private readonly cache = new Map<string, { revision: number; runtime: ForumRuntime }>();
  /** Forum revisions whose guild row this process wrote (once each is enough: ingest is idempotent). */
  private readonly announced = new Set<string>();
  /** Forum revisions whose failure to start was reported (once each: `watch` tries again). */
  private readonly reported = new Set<string>();
  private watcher: NodeJS.Timeout | null = null;
  private warming: Promise<number> | null = null;

  constructor(private readonly options: ForumRuntimesOptions) {}

  /** The runtime of a forum by its webhook id; null when no forum has that id (any more). */
  async byId(forumId: string): Promise<ForumRuntime | null> {
    const row = await forumById(databaseOf(this.options.deps), forumId);
    return row ? this.runtimeOf(row) : this.forget(forumId);
  }

  /** The runtime of a forum by its guild id ("discourse:<host>"), for the outbox. */
  async byGuild(guildId: string): Promise<ForumRuntime | null> {
    const row = await forumByForumGuild(databaseOf(this.options.deps), guildId);
    return row ? this.runtimeOf(row) : null;
  }

  /**
   * Build every stored forum's runtime at start-up: their guild rows exist before the first delivery,
   * and a secret that cannot be opened (CONVENE_SECRET_KEY missing or changed) is reported now, in the
   * log and /healthz, rather than at the first webhook. Never fatal: the other forums keep working.
   * Forums no longer stored are forgotten (their catch-up stops).
   */
  warm(): Promise<number> {
    this.warming ??= this.warmAll().finally(() => {
      this.warming = null;
    });
    return this.warming;
  }

  /** warm() every `everyMs`, until stop(). */
  watch(everyMs: number): void {
    this.watcher ??= setInterval(() => {
      this.warm().catch((error: unknown) => {
        // The database did not answer: the runtimes stay as they are, the next re-read tries again.
        this.options.deps.log.warn({ err: error }, 'discourse: re-reading the forums connected by command failed');
      });
    }, everyMs);
    this.watcher.unref();
  }

  /** Shutdown: no more re-reads, every catch-up stopped. */
  async stop(): Promise<void> {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
    // A failed re-read was logged by whoever started it; shutdown goes on.
    await this.warming?.catch(() => 0);
    await this.options.catchUps?.stopAll();
  }

  private async warmAll(): Promise<number> {
    const rows = await allForums(databaseOf(this.options.deps));
    const stored = new Set(rows.map((row) => row.id));
    for (const id of this.cache.keys()) if (!stored.has(id)) this.forget(id);
    let ready = 0;
    for (const row of rows) {
      try {
        await this.runtimeOf(row);
        ready += 1;
      } catch (error) {
        // The guild row is held and retried by the ingestor: the runtime itself is ready.
        if (error instanceof StorageUnavailableError) {
          ready += 1;
          continue;
        }
        if (this.reported.has(`${row.id}:${row.revision}`)) continue;
        this.reported.add(`${row.id}:${row.revision}`);
        this.options.deps.log.error(
          { err: error, forum: row.forumGuildId },
          'discourse: a forum connected by command cannot start',
        );
        if (this.options.deps.config.secretKey) {
          raiseProblem(
            this.options.deps.status,
            'forum-secrets',
            `The stored secrets of the forum ${forumHost(row.forumGuildId)} do not open with CONVENE_SECRET_KEY: was the key changed? Set the previous key back, or disconnect and connect the forum again.`,
          );
        }
      }
    }
    return ready;
  }

  private forget(forumId: string): null {
    this.cache.delete(forumId);
    void this.options.catchUps?.stop(forumId);
    return null;
  }

  private async runtimeOf(row: ForumRow): Promise<ForumRuntime> {
    const cached = this.cache.get(row.id);
    if (cached?.revision === row.revision) return cached.runtime;
    const runtime = this.build(row);
    this.cache.set(row.id, { revision: row.revision, runtime });
    this.options.catchUps?.start({
      forumId: row.id,
      revision: row.revision,
      guildId: runtime.guildId,
      client: runtime.client,
      botUsername: row.apiUsername,
      connectedAt: row.connectedAt,
    });
    // Again after a change of settings: the forum's title may have changed with them.
    if (!this.announced.has(`${row.id}:${row.revision}`)) {
      // The forum has no creation time in its API: the guild row's time is when we first met it.
      await this.options.ingestor.push({
        kind: 'guild.upserted',
        platform,
        guildId: runtime.guildId,
        at: this.options.now(),
        name: row.title,
      });
      this.announced.add(`${row.id}:${row.revision}`);
    }
    return runtime;
  }

  private build(row: ForumRow): ForumRuntime {
    const { deps, ingestor, features, now, rejected } = this.options;
    if (!deps.config.secretKey) {
      const sentence = `Forums were connected by command, but CONVENE_SECRET_KEY is not set: their webhooks and sends fail until it is set again, to the same key as before.`;
      raiseProblem(deps.status, 'forum-secrets', sentence);
      throw new Error(sentence);
    }
    const { apiKey, webhookSecret: secret } = openForumSecrets(deps.config.secretKey, row);
    const guildId = asGuildId(row.forumGuildId);
    const log = deps.log.child({ platform, forum: row.forumGuildId });
    // The probe checked the forum's address once; a redirect or a name rebound since must not lead
    // its sends into the network Convene runs in (publicOnly.ts).
    const client = new DiscourseClient({
      url: row.url,
      apiKey,
      apiUsername: row.apiUsername,
      ...(deps.config.allowPrivateForums ? {} : { fetch: publicOnlyFetch(isPrivateAddress) }),
    });
    const commandNames = features.flatMap((f) => f.commands.map((c) => c.name));
    const sender = new DiscourseSender(databaseOf(deps), client, guildId, log, row.title, commandNames);
    const commands = new DiscourseCommands({
      deps,
      features,
      guild: { id: guildId, name: row.title },
      botUsername: row.apiUsername,
      client,
      wake: deps.wakeOutbox,
      now,
    });
    const handle = createWebhookHandler({
      deps,
      ingestor,
      guildId,
      secret,
      botUsername: row.apiUsername,
      onPostCreated: (post) => commands.handlePost(post),
      rejected,
      now,
    });
    return { forumId: row.id, guildId, client, sender, commands, handle };
  }
}

/** POST /webhooks/discourse/<forum id>: 404 for an unknown id, 401 for a bad signature, nothing stored. */
export function registerForumWebhooks(http: HttpServer, runtimes: ForumRuntimes): void {
  http.route((app) =>
    registerWebhookRoute(
      app,
      forumWebhookPath(':forumId'),
      (reason, detail) => http.rejections.count(reason, detail),
      async (params) => (await runtimes.byId(params.forumId ?? ''))?.handle ?? null,
    ),
  );
}

/**
 * One outbox drain sends for every forum: each action goes through the client of the forum it is
 * for (the environment's forum, or one connected by command). An action for a forum disconnected
 * since is dropped as permanent: there is no key to send it with any more.
 */
export class ForumsSender implements PlatformSender {
  readonly platform = 'discourse' as const;

  constructor(
    private readonly runtimes: ForumRuntimes,
    private readonly configured: { guildId: GuildId; sender: DiscourseSender } | null,
  ) {}

  async send(action: Action, ctx: SendContext): Promise<unknown> {
    if (this.configured && ctx.guildId === this.configured.guildId) return this.configured.sender.send(action, ctx);
    const runtime = await this.runtimes.byGuild(ctx.guildId);
    if (!runtime) throw new PermanentSendError(`no forum is connected as ${ctx.guildId} any more`);
    return runtime.sender.send(action, ctx);
  }
}
