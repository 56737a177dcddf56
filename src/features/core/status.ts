/** What /convene status shows: configuration, intents, database, outbox backlog, last job runs. */

import { and, count, desc, eq } from 'drizzle-orm';
import { type Deps, databaseOf } from '../../commands.js';
import { type Database, databaseBytes } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { forumHost, isForumGuild } from '../../forumIds.js';
import { readSettings } from '../../guildSettings.js';
import { recentRuns } from '../../scheduler/scheduler.js';
import { describeShards, shardOfGuild } from '../../shards.js';
import { plural } from '../../text/plural.js';
import { latestPulse, renderPulseLine } from '../digest/service.js';
import { forumStatusLine } from '../links/forums.js';
import { pairOf, readLinkedAcross } from '../links/identity.js';
import { renderRoutingStatus, routingStatus } from '../questions/refit.js';
import { privacyPolicyLine } from './privacy.js';

/** What /convene status shows, read on the async store of either engine. */
export async function statusReport(deps: Deps, guildId: GuildId, now: number) {
  const db = databaseOf(deps);
  const { outbox } = db.tables;
  const backlog = async (status: 'pending' | 'failed') => {
    const [row] = await db
      .select({ n: count() })
      .from(outbox)
      .where(and(eq(outbox.guildId, guildId), eq(outbox.status, status)));
    // count() is a bigint on PostgreSQL: a string from the driver.
    return Number(row?.n ?? 0);
  };
  const failures = await db
    .select({ key: outbox.key, error: outbox.lastError, at: outbox.finishedAt })
    .from(outbox)
    .where(and(eq(outbox.guildId, guildId), eq(outbox.status, 'failed')))
    .orderBy(desc(outbox.finishedAt))
    .limit(3);
  return {
    settings: await readSettings(db, guildId),
    platforms: deps.status.platforms,
    shards: describeShards(
      deps.status,
      isForumGuild(guildId) ? null : shardOfGuild(guildId, deps.status.shards?.count ?? 1),
    ),
    problems: deps.status.problems ?? {},
    intents: deps.status.intents,
    uptimeMs: now - deps.status.startedAt,
    lastBackfill: deps.status.lastBackfill ?? null,
    databaseBytes: await databaseBytes(db),
    outbox: { pending: await backlog('pending'), failed: await backlog('failed'), recentFailures: failures },
    jobs: await recentRuns(db, guildId, 8),
    pulse: await latestPulse(deps, guildId),
    community: await communityLine(db, deps, guildId),
    forum: await forumStatusLine(db, deps, guildId),
    routing: await routingStatus(db, guildId, now),
  };
}

export type StatusReport = Awaited<ReturnType<typeof statusReport>>;

/** "One community with the forum forum.example (12 linked members)", or how to get there. */
async function communityLine(db: Database, deps: Deps, guildId: GuildId): Promise<string | null> {
  const pair = await pairOf(db, guildId);
  if (pair) {
    const other = pair.guildId === guildId ? pair.forumGuildId : pair.guildId;
    const linked = (await readLinkedAcross(db, guildId)).size;
    const what = isForumGuild(other) ? `the forum ${forumHost(other)}` : 'the Discord server';
    const undo = isForumGuild(guildId) ? '' : ' · /convene forum disconnect undoes it';
    return `One community with ${what} (${plural(linked, 'linked member')})${undo}`;
  }
  if (!isForumGuild(guildId) && (deps.config.discourse || deps.config.secretKey)) {
    return deps.config.discourse
      ? 'Forum: configured, not connected to this server · /convene forum connect makes them one community'
      : 'Forum: none connected · /convene forum connect connects your Discourse forum';
  }
  return null;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const ago = (ms: number) =>
  ms < 90_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 5_400_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 3_600_000).toFixed(1)} h`;

/**
 * A run still marked running whose lease passed: its process died (a live one renews the lease);
 * another process takes it over only while its period is open, so it may stay marked running.
 */
function outcomeOf(run: { outcome: string; leaseUntil: number | null }, now: number): string {
  return run.outcome === 'running' && run.leaseUntil !== null && run.leaseUntil < now
    ? 'stopped with its process before it finished'
    : run.outcome;
}

export function renderStatus(report: StatusReport, now: number): string {
  const lines = [
    '**Convene status**',
    `Platforms: ${
      Object.entries(report.platforms)
        .map(([name, p]) => `${name} ${p?.connected ? 'connected' : `down${p?.detail ? ` (${p.detail})` : ''}`}`)
        .join(', ') || 'none'
    } · up ${ago(report.uptimeMs)}`,
    `Intents: Message Content ${report.intents.messageContent ? 'granted' : 'NOT granted (no keywords from messages: intros and routing use less)'} · Server Members ${report.intents.guildMembers ? 'granted' : 'NOT granted (no member list backfill, no welcomes)'}`,
    `Database: ${mb(report.databaseBytes)} · message text ${report.settings.core.storeMessageText ? 'stored' : 'not stored'} · retention ${report.settings.core.retentionDays ? plural(report.settings.core.retentionDays, 'day') : 'forever'}`,
    `Privacy: ${privacyPolicyLine(report.settings.core)}`,
    `Outbox: ${report.outbox.pending} waiting, ${report.outbox.failed} failed`,
    ...report.outbox.recentFailures.map((f) => `  · failed ${f.key}: ${(f.error ?? '').slice(0, 120)}`),
  ];
  // Which shards this process runs goes under the Platforms line it details.
  if (report.shards) lines.splice(2, 0, report.shards);
  // Problems go right under the title: they are what a moderator opening the status must see first.
  const problems = Object.values(report.problems);
  if (problems.length) lines.splice(1, 0, ...problems.map((p) => `⚠️ ${p}`));
  if (report.community) lines.push(report.community);
  if (report.forum) lines.push(report.forum);
  if (report.pulse) lines.push(renderPulseLine(report.pulse));
  lines.push(...renderRoutingStatus(report.routing));
  if (report.lastBackfill) {
    lines.push(
      `Last backfill: ${ago(now - report.lastBackfill.at)} ago (${plural(report.lastBackfill.messages, 'message')}, ${plural(report.lastBackfill.members, 'member')})`,
    );
  }
  lines.push(
    report.jobs.length
      ? `Last jobs:\n${report.jobs
          .map(
            (j) =>
              `  · ${j.job} ${j.period}: ${outcomeOf(j, now)}${j.detail ? ` (${j.detail.slice(0, 80)})` : ''}, ${ago(now - j.startedAt)} ago`,
          )
          .join('\n')}`
      : 'Last jobs: none yet',
  );
  return lines.join('\n').slice(0, 2000);
}
