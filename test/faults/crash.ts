/**
 * Kill points for the fault suite: the real bot (src/main.ts) as a child process, killed with SIGKILL
 * from inside the Discord emulator at the moment a chosen REST request arrives ('before': it never
 * reached Discord) or has been carried out but not yet answered ('after': Discord did it, the bot
 * never heard). Cheap and exact: no timers, one small child per kill point, seeded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { App } from '../../src/app.js';
import type { Db } from '../../src/db/connection.js';
import type { CrashPoint } from '../../src/sandbox/discord/http.js';
import { botEnv, type Community } from '../e2e/harness.js';

/** mulberry32: a small seeded PRNG, so every run of a seed does the same things. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Bot {
  child: ChildProcess;
  /** Resolves when the bot logged that it is running; rejects if it exits first. */
  running: Promise<void>;
  exited: Promise<void>;
  output: () => string;
}

/** Start src/main.ts; unlike harness.spawnBot the child is known at once (a kill may come before "running"). */
export function launch(community: Community, env: Record<string, string> = {}): Bot {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...botEnv(community, { LOG_LEVEL: 'info', ...env }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('Convene is running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`bot exited (${code ?? signal}) before it was running:\n${text.slice(-2000)}`)),
    );
  });
  running.catch(() => {}); // observed by whoever awaits it; a killed bot's rejection is expected
  return { child, running, exited, output: () => text };
}

export interface KillPoint {
  /** Which requests count (e.g. the workload's POSTs). */
  matches: (request: { method: string; route: string; path: string }) => boolean;
  /** Kill at the n-th matching request (1-based). */
  n: number;
  phase: 'before' | 'after';
}

/**
 * Arm the emulator to kill `bot` at `point`. From the kill on, every request of that bot is dropped
 * unanswered (a dead process sends none: this only covers the instant before the signal lands).
 * Resolves `fired` when the kill happened.
 */
export function armKill(
  community: Community,
  bot: () => Bot | undefined,
  point: KillPoint,
): { fired: Promise<void>; disarm: () => void } {
  let seen = 0;
  let killed = false;
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  const hook: CrashPoint = (request, phase) => {
    if (killed) return true;
    if (phase !== point.phase || !point.matches(request)) return false;
    seen++;
    if (seen < point.n) return false;
    const victim = bot();
    if (!victim) return false;
    killed = true;
    victim.child.kill('SIGKILL');
    fire();
    return true;
  };
  community.sandbox.onRequest(hook);
  return { fired, disarm: () => community.sandbox.onRequest(null) };
}

/** Stop a bot cleanly if it is still alive. */
export async function stop(bot: Bot): Promise<void> {
  if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
  await bot.exited;
}

/** The REST calls that carry out outbox actions (what kill points count). */
export const SENDS = new Set([
  'POST /channels/:channel_id/messages',
  'POST /channels/:channel_id/threads',
  'PUT /channels/:channel_id/thread-members/:user_id',
  'POST /users/@me/channels',
]);

/** One more server for the community's people (bob, cyd, dee, eve; ada moderates), with the same channels. */
export function addServer(c: Community, index: number) {
  const guild = c.sandbox.createGuild({
    name: `Shader Club ${index}`,
    at: Date.now() - 30 * 86_400_000,
    channels: [
      { name: 'general', type: 'text', topic: 'Anything goes' },
      { name: 'intros', type: 'text', topic: 'Introductions made by Convene' },
      { name: 'digest', type: 'text', topic: 'The weekly digest' },
    ],
  });
  for (const name of ['ada', 'bob', 'cyd', 'dee', 'eve']) {
    c.sandbox.addMember(guild.id, c.members[name]!, {
      at: Date.now() - 29 * 86_400_000,
      roles: name === 'ada' && guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
    });
  }
  return guild;
}

/**
 * After each fault scenario: no kill armed, every bot child stopped, then the in-process set-up bot,
 * the test's own database handle and the emulator closed, in that order.
 */
export async function tearDown(run: { community?: Community; setup?: App; db?: Db; bots: Bot[] }): Promise<void> {
  run.community?.sandbox.onRequest(null);
  for (const bot of run.bots.splice(0)) await stop(bot);
  await run.setup?.stop();
  run.db?.$client.close();
  await run.community?.sandbox.close();
}
