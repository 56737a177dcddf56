/** What /convene status shows: configuration, intents, database, outbox backlog, last job runs. */

import { and, count, desc, eq } from 'drizzle-orm';
import { type Deps, databaseOf } from '../../commands.js';
import { databaseSize } from '../../db/connection.js';
import { outbox } from '../../db/schema.js';
import type { GuildId } from '../../events.js';
import { forumHost, isForumGuild } from '../../forumIds.js';
import { getSettings } from '../../guildSettings.js';
import { recentRuns } from '../../scheduler/scheduler.js';
import { describeShards, shardOfGuild } from '../../shards.js';
import { plural } from '../../text/plural.js';
import { latestPulse, renderPulseLine } from '../digest/service.js';
import { forumStatusLine } from '../links/forums.js';
import { linkedAcross, pairOf } from '../links/identity.js';
import { renderRoutingStatus, routingStatus } from '../questions/refit.js';
import { privacyPolicyLine } from './privacy.js';

export async function statusReport(deps: Deps, guildId: GuildId, now: number) {
  const { db } = deps;
  const backlog = (status: 'pending' | 'failed') =>
    db
      .select({ n: count() })
      .from(outbox)
      .where(and(eq(outbox.guildId, guildId), eq(outbox.status, status)))
      .get()?.n ?? 0;
  const failures = db
    .select({ key: outbox.key, error: outbox.lastError, at: outbox.finishedAt })
    .from(outbox)
    .where(and(eq(outbox.guildId, guildId), eq(outbox.status, 'failed')))
    .orderBy(desc(outbox.finishedAt))
    .limit(3)
    .all();
  return {
    settings: getSettings(db, guildId),
    platforms: deps.status.platforms,
    shards: describeShards(
      deps.status,
      isForumGuild(guildId) ? null : shardOfGuild(guildId, deps.status.shards?.count ?? 1),
    ),
    problems: deps.status.problems ?? {},
    intents: deps.status.intents,
    uptimeMs: now - deps.status.startedAt,
    lastBackfill: deps.status.lastBackfill ?? null,
    databaseBytes: databaseSize(db),
    outbox: { pending: backlog('pending'), failed: backlog('failed'), recentFailures: failures },
    jobs: recentRuns(db, guildId, 8),
    pulse: await latestPulse(deps, guildId),
    community: communityLine(deps, guildId),
    forum: forumStatusLine(deps, guildId),
    routing: await routingStatus(databaseOf(deps), guildId, now),
  };
}

/** "One community with the forum forum.example (12 linked members)", or how to get there. */
function communityLine(deps: Deps, guildId: GuildId): string | null {
  const pair = pairOf(deps.db, guildId);
  if (pair) {
    const other = pair.guildId === guildId ? pair.forumGuildId : pair.guildId;
    const linked = linkedAcross(deps.db, guildId).size;
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

export function renderStatus(report: Awaited<ReturnType<typeof statusReport>>, now: number): string {
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
              `  · ${j.job} ${j.period}: ${j.outcome}${j.detail ? ` (${j.detail.slice(0, 80)})` : ''}, ${ago(now - j.startedAt)} ago`,
          )
          .join('\n')}`
      : 'Last jobs: none yet',
  );
  return lines.join('\n').slice(0, 2000);
}
