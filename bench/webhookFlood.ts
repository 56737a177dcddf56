/**
 * Hostile webhook traffic against the real bot process (`src/main.ts` with Discourse configured):
 * 150 concurrent 5 MB bodies without a signature, the same with a forged signature and no
 * Content-Length (the receiver has to read those), and 300 uploads that trickle. Reports how much the
 * bot's resident memory grew over its own idle baseline (target: under 50 MB) and how many
 * connections it kept open. Memory is read with `ps` from outside, as an operator would see it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signatureOf } from '../src/platforms/discourse/webhook.js';
import { DiscourseSandbox } from '../src/sandbox/discourse/server.js';
import type { BenchResult } from './result.js';

const SECRET = 'bench-webhook-secret-0123';
const FLOOD = 150;
const BODY_BYTES = 5 * 1024 * 1024;
const SLOW = 300;

/** Resident memory of a process in MB, as `ps` reports it. */
function rssMb(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
}

/** Polls RSS while `work` runs; resolves with the peak. */
async function peakDuring(pid: number, work: Promise<unknown>): Promise<number> {
  let peak = rssMb(pid);
  let done = false;
  void work.finally(() => {
    done = true;
  });
  while (!done) {
    peak = Math.max(peak, rssMb(pid));
    await new Promise((r) => setTimeout(r, 50));
  }
  return Math.max(peak, rssMb(pid));
}

async function startBot(
  forumUrl: string,
  dir: string,
): Promise<{ child: ChildProcess; port: number; lines: () => string[] }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DISCORD_|DISCOURSE_|CONVENE_)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...env,
      DISCOURSE_URL: forumUrl,
      DISCOURSE_API_KEY: 'bench-key',
      DISCOURSE_API_USERNAME: 'convene',
      DISCOURSE_WEBHOOK_SECRET: SECRET,
      DATABASE_URL: `file:${join(dir, 'convene.db')}`,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const listening = /"port":(\d+)[^\n]*"msg":"http: listening"/.exec(output);
      if (listening && output.includes('Convene is running')) {
        clearInterval(timer);
        resolve(Number(listening[1]));
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`bot exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  return { child, port, lines: () => output.split('\n').filter(Boolean) };
}

/** One POST; resolves with the status, or the network error's code when the bot cut the connection. */
function post(
  port: number,
  headers: Record<string, string>,
  body: (req: ReturnType<typeof request>) => void,
): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/discourse', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
      res.on('error', () => resolve(String(res.statusCode)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    body(req);
  });
}

const big = Buffer.alloc(BODY_BYTES, 'x');

function tally(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-flood-'));
  const forum = await DiscourseSandbox.start({ apiKey: 'bench-key', botUsername: 'convene' });
  const bot = await startBot(forum.url, dir);
  const pid = bot.child.pid!;
  try {
    // Warm up with real, signed deliveries so the baseline is a bot that has served webhooks.
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify({ ping: 'OK' });
      await post(
        bot.port,
        {
          'content-type': 'application/json',
          'x-discourse-event': 'ping',
          'x-discourse-event-type': 'ping',
          'x-discourse-event-signature': signatureOf(SECRET, body),
          'content-length': String(Buffer.byteLength(body)),
        },
        (req) => req.end(body),
      );
    }
    await new Promise((r) => setTimeout(r, 500));
    const baseline = rssMb(pid);
    const linesBefore = bot.lines().length;

    /** FLOOD concurrent posts with these headers; the peak RSS while they run and how each ended. */
    const flood = async (headers: Record<string, string>, send: (req: ReturnType<typeof request>) => void) => {
      const all = Promise.all(Array.from({ length: FLOOD }, () => post(bot.port, headers, send)));
      return { peak: await peakDuring(pid, all), outcomes: await all };
    };
    const json = { 'content-type': 'application/json', 'x-discourse-event': 'post_created' };

    // 1. Unsigned 5 MB bodies with an honest Content-Length.
    const unsigned = await flood({ ...json, 'content-length': String(BODY_BYTES) }, (req) => req.end(big));

    // 2. A forged signature and no Content-Length (chunked): the receiver must read to know the size.
    const forged = await flood(
      { ...json, 'x-discourse-event-signature': `sha256=${'0'.repeat(64)}`, 'transfer-encoding': 'chunked' },
      (req) => {
        for (let offset = 0; offset < BODY_BYTES; offset += 1 << 20)
          req.write(big.subarray(offset, offset + (1 << 20)));
        req.end();
      },
    );

    // 3. Slow uploads: headers, then a byte now and then. Count what the bot still holds after a while.
    const slowRequests: ReturnType<typeof request>[] = [];
    const slow = Array.from(
      { length: SLOW },
      () =>
        new Promise<string>((resolve) => {
          const req = request(
            {
              host: '127.0.0.1',
              port: bot.port,
              method: 'POST',
              path: '/webhooks/discourse',
              headers: {
                'content-type': 'application/json',
                'x-discourse-event': 'post_created',
                'x-discourse-event-signature': `sha256=${'0'.repeat(64)}`,
                'content-length': '4096',
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(String(res.statusCode)));
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          req.write('{');
          slowRequests.push(req);
        }),
    );
    const trickle = setInterval(() => {
      for (const req of slowRequests) if (!req.destroyed) req.write(' ');
    }, 1_000);
    const settledSlow = new Set<number>();
    slow.forEach((p, i) => void p.then(() => settledSlow.add(i)));
    // The bot's request timeout is 30 s, checked every 2 s: 36 s is past it.
    await new Promise((r) => setTimeout(r, 36_000));
    clearInterval(trickle);
    const stillOpen = SLOW - settledSlow.size;
    for (const req of slowRequests) req.destroy();
    const slowOutcomes = await Promise.all(slow);

    await new Promise((r) => setTimeout(r, 200));
    const logLines = bot.lines().length - linesBefore;
    return [
      { name: 'idle RSS of the bot (reference)', value: baseline, unit: 'MB' },
      {
        name: `RSS growth, ${FLOOD} unsigned 5 MB bodies`,
        value: unsigned.peak - baseline,
        unit: 'MB',
        ratio: unsigned.peak / baseline,
        target: '< 50 MB',
        note: tally(unsigned.outcomes),
      },
      {
        name: `RSS growth, ${FLOOD} forged-signature chunked 5 MB bodies`,
        value: forged.peak - baseline,
        unit: 'MB',
        ratio: forged.peak / baseline,
        target: '< 50 MB',
        note: tally(forged.outcomes),
      },
      {
        name: `slow uploads still open after 36 s (of ${SLOW})`,
        value: stillOpen,
        unit: '',
        target: '0',
        note: tally(slowOutcomes),
      },
      {
        name: 'log lines written during the floods',
        value: logLines,
        unit: 'lines',
        target: 'a few, not one per request',
      },
    ];
  } finally {
    bot.child.kill('SIGTERM');
    await new Promise((r) => bot.child.once('exit', r));
    await forum.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
