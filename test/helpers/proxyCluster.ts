/**
 * Several real Convene processes (src/main.ts through tsx, the real discord.js client) against one
 * Discord emulator, either each straight to the emulator or all through the REST proxy
 * (src/proxy.ts, the `npm run proxy` entry), as a bot run at scale would be. Each process has its
 * own database (a SQLite file by default, or the URLs given) and its own backlog, so what is measured is the one rate limit budget, not how
 * processes share outbox rows. Used by test/e2e/restBudget.test.ts and bench/restBudget.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { closeDatabase, openDatabase, transaction } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { enqueueOn } from '../../src/outbox/store.js';
import { type DiscordSandbox, startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';

export interface ClusterOptions {
  processes: number;
  /** Through one REST proxy (the shared budget), or each process straight to the emulator. */
  viaProxy: boolean;
  /** Text channels the backlog is spread over (every process posts in all of them). */
  channels?: number;
  /** Where the repository is (the children run its src/main.ts and src/proxy.ts). */
  root?: string;
  /** Each process's own DATABASE_URL (default: a SQLite file each, in the cluster's folder). */
  databaseUrls?: readonly string[];
}

export interface Cluster {
  sandbox: DiscordSandbox;
  guild: GuildHandle;
  channelIds: string[];
  /** Each process's DATABASE_URL: its own database, so each drains its own backlog. */
  databaseUrls: string[];
  bots: ChildProcess[];
  proxy: { child: ChildProcess; url: string } | null;
  /** What each child wrote so far (JSON log lines), by name ("proxy", "bot-0"…). */
  output: Record<string, string>;
  stop(): Promise<void>;
}

export interface Backlog {
  /** Every message text enqueued, across processes: each must arrive exactly once. */
  contents: string[];
  /** When the rows were written (ms, Date.now()). */
  at: number;
}

export interface DrainFigures {
  /** Bench messages the emulator created, and how many texts arrived more than once. */
  delivered: number;
  duplicates: number;
  missing: number;
  /** 429s the emulator answered during the drain, by scope, and by route. */
  rateLimited: { global: number; route: number; shared: number };
  byRoute: Record<string, number>;
  /** From the first to the last bench message the emulator accepted. */
  seconds: number;
  perSecond: number;
  /** Every request the emulator accepted in that time (backfills, command sync…), per second: the budget used. */
  requestsPerSecond: number;
}

function spawnChild(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  output: Record<string, string>,
  root: string,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output[name] = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output[name] += chunk.toString();
      const match = output[name]!.match(ready);
      if (match) resolve({ child, match });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output[name]!.slice(-2000)}`)),
    );
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const root = options.root ?? process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'convene-cluster-'));
  const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000 });
  const channelCount = options.channels ?? 60;
  const guild = sandbox.createGuild({
    name: 'Budget',
    channels: Array.from({ length: channelCount }, (_, i) => ({ name: `room-${i}`, type: 'text' as const })),
  });
  const output: Record<string, string> = {};
  const bots: ChildProcess[] = [];
  let proxy: Cluster['proxy'] = null;
  const stop = async () => {
    await Promise.all(bots.map(stopChild));
    if (proxy) await stopChild(proxy.child);
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (options.viaProxy) {
      const started = await spawnChild(
        'proxy',
        'src/proxy.ts',
        {
          DISCORD_TOKEN: sandbox.botToken,
          DISCORD_API_URL: sandbox.apiUrl,
          DISCORD_REST_PROXY_PORT: '0',
          LOG_LEVEL: 'info',
        },
        /set DISCORD_REST_PROXY=(http:\/\/[^\s"]+)/,
        output,
        root,
      );
      proxy = { child: started.child, url: started.match[1]! };
    }
    const databaseUrls = Array.from(
      { length: options.processes },
      (_, i) => options.databaseUrls?.[i] ?? `file:${join(dir, `convene-${i}.db`)}`,
    );
    const children = await Promise.all(
      databaseUrls.map((url, i) =>
        spawnChild(
          `bot-${i}`,
          'src/main.ts',
          {
            DISCORD_TOKEN: sandbox.botToken,
            DISCORD_API_URL: sandbox.apiUrl,
            ...(proxy ? { DISCORD_REST_PROXY: proxy.url } : {}),
            DATABASE_URL: url,
            LOG_LEVEL: 'info',
            CONVENE_SCAN_INTERVAL: '1h',
            HTTP_PORT: '0',
          },
          /Convene is running/,
          output,
          root,
        ),
      ),
    );
    bots.push(...children.map((c) => c.child));
    return {
      sandbox,
      guild,
      channelIds: Object.values(guild.channels),
      databaseUrls,
      bots,
      proxy,
      output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Write `perProcess` message actions into every process's outbox at once (the running drains pick
 * them up within their idle poll), spread over all channels.
 */
export async function fillOutboxes(cluster: Cluster, perProcess: number, tag = 'budget'): Promise<Backlog> {
  const at = Date.now();
  const contents: string[] = [];
  for (const [p, url] of cluster.databaseUrls.entries()) {
    const db = await openDatabase(url);
    try {
      const items = Array.from({ length: perProcess }, (_, n) => {
        const content = `${tag} message ${n + 1} from process ${p + 1}`;
        contents.push(content);
        return {
          platform: 'discord' as const,
          guildId: asGuildId(cluster.guild.id),
          key: `${tag}:${p}:${n}`,
          action: {
            type: 'message.send' as const,
            channelId: asChannelId(
              cluster.channelIds[(n * cluster.databaseUrls.length + p) % cluster.channelIds.length]!,
            ),
            body: { content },
          },
        };
      });
      await transaction(db, (tx) => enqueueOn(tx, items, at));
    } finally {
      await closeDatabase(db);
    }
  }
  return { contents, at };
}

/** Rows not yet done or failed, over every process's outbox. */
export async function pendingRows(cluster: Cluster): Promise<number> {
  let pending = 0;
  for (const url of cluster.databaseUrls) {
    const db = await openDatabase(url);
    try {
      const { outbox } = db.tables;
      pending += await db.$count(outbox, eq(outbox.status, 'pending'));
    } finally {
      await closeDatabase(db);
    }
  }
  return pending;
}

/** Wait until every outbox is empty, then count what the emulator received and refused since `backlog.at`. */
export async function drainFigures(cluster: Cluster, backlog: Backlog, timeoutMs: number): Promise<DrainFigures> {
  const deadline = Date.now() + timeoutMs;
  while ((await pendingRows(cluster)) > 0) {
    if (Date.now() > deadline) throw new Error(`the outboxes did not drain within ${timeoutMs} ms`);
    // A child that ended (crashed, or was killed from outside) would leave its rows pending for ever.
    const children = [
      ...cluster.bots.map((c, i) => [`bot-${i}`, c] as const),
      ['proxy', cluster.proxy?.child] as const,
    ];
    for (const [name, child] of children) {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw new Error(
          `${name} ended (${child.exitCode ?? child.signalCode}) before the outboxes drained:\n${cluster.output[name]?.slice(-2000)}`,
        );
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const wanted = new Set(backlog.contents);
  const seen = new Map<string, number>();
  const times: number[] = [];
  for (const r of cluster.sandbox.requests) {
    if (r.route !== 'POST /channels/:channel_id/messages' || r.status !== 200) continue;
    const content = (r.body as { content?: string } | undefined)?.content;
    if (!content || !wanted.has(content)) continue;
    seen.set(content, (seen.get(content) ?? 0) + 1);
    times.push(r.at);
  }
  const hits = cluster.sandbox.rateLimitHits.hits.filter((h) => h.at >= backlog.at && !h.forced);
  const byRoute: Record<string, number> = {};
  for (const h of hits) byRoute[`${h.scope} ${h.route}`] = (byRoute[`${h.scope} ${h.route}`] ?? 0) + 1;
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const seconds = times.length > 1 ? (last - first) / 1000 : 0;
  const accepted = cluster.sandbox.requests.filter(
    (r) => r.at >= first && r.at <= last && r.status !== 429 && !(r.route ?? '').includes('/callback'),
  ).length;
  return {
    delivered: [...seen.values()].reduce((a, b) => a + b, 0),
    duplicates: [...seen.values()].filter((n) => n > 1).length,
    missing: backlog.contents.filter((c) => !seen.has(c)).length,
    rateLimited: {
      global: hits.filter((h) => h.scope === 'global').length,
      route: hits.filter((h) => h.scope === 'user').length,
      shared: hits.filter((h) => h.scope === 'shared').length,
    },
    byRoute,
    seconds,
    perSecond: seconds > 0 ? (times.length - 1) / seconds : 0,
    requestsPerSecond: seconds > 0 ? (accepted - 1) / seconds : 0,
  };
}
