/**
 * Several real Convene processes (`src/main.ts` through tsx, the real discord.js client) on one
 * database, for tests of many processes: start N with a shared environment plus each one's own
 * (shard ids, budgets), kill one with SIGKILL, stop the rest, and read their exit codes and JSON logs.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ProcessesOptions {
  /** The environment every process gets (e.g. botEnv(community)). */
  env: Record<string, string>;
  /** Extra environment for process `index` (0-based), on top of `env`. */
  envOf?: (index: number) => Record<string, string>;
  /** Node flags after tsx's, before the script, e.g. ['--import', './test/faults/fixtures/x.ts'] to inject a fault. */
  nodeArgs?: string[];
  /** The script to run (default: src/main.ts). */
  script?: string;
  /** What a process prints once it is ready (default: "Convene is running"). */
  readyText?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcess {
  index: number;
  pid: number;
  child: ChildProcess;
  /** Resolves when the process printed `readyText`; rejects if it exits first. */
  ready: Promise<void>;
  /** Resolves when the process ended. */
  exited: Promise<ProcessExit>;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  /** Its JSON log lines (pino) so far; other lines are skipped. */
  logs(): LogLine[];
}

export type LogLine = Record<string, unknown> & { level: number; msg: string };

const running = new Set<BotProcess>();

/** Start `count` processes at once. Call `stopProcesses` (or `killProcesses` in afterEach) at the end. */
export function startProcesses(count: number, options: ProcessesOptions): BotProcess[] {
  return Array.from({ length: count }, (_, index) => startProcess(index, options));
}

export function startProcess(index: number, options: ProcessesOptions): BotProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(options.nodeArgs ?? []), options.script ?? 'src/main.ts'],
    {
      env: { ...process.env, ...options.env, ...options.envOf?.(index) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const readyText = options.readyText ?? 'Convene is running';
  // 'close', not 'exit': 'exit' may come before the last of its output is read from the pipes, and a
  // test that counts log lines after a stop would then miss the last ones.
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes(readyText)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`process ${index} exited (${code ?? signal}) before it was ready:\n${text.slice(-2000)}`)),
    );
  });
  ready.catch(() => {}); // observed by whoever awaits it; a process killed early rejects by design
  const bot: BotProcess = {
    index,
    pid: child.pid!,
    child,
    ready,
    exited,
    output: () => text,
    logs: () => parseLogs(text),
  };
  running.add(bot);
  void exited.then(() => running.delete(bot));
  return bot;
}

/** kill -9: no shutdown, no last write; its leases stay until they end. */
export async function killHard(bot: BotProcess): Promise<ProcessExit> {
  bot.child.kill('SIGKILL');
  return bot.exited;
}

/** SIGTERM (graceful shutdown), then SIGKILL for whoever is still up after `timeoutMs`. Exit of each, in order. */
export async function stopProcesses(bots: readonly BotProcess[], timeoutMs = 15_000): Promise<ProcessExit[]> {
  for (const bot of bots) if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const bot of bots) bot.child.kill('SIGKILL');
  }, timeoutMs);
  try {
    return await Promise.all(bots.map((b) => b.exited));
  } finally {
    clearTimeout(timer);
  }
}

/** For afterEach: no process of a failed test stays behind. */
export async function killProcesses(): Promise<void> {
  const left = [...running];
  for (const bot of left) bot.child.kill('SIGKILL');
  await Promise.all(left.map((b) => b.exited));
}

/** A row of job_runs as the multi-process tests read it. */
export interface RecordedRun {
  job: string;
  guild_id: string;
  period: string;
  outcome: string;
  lease_owner: string;
}

/**
 * Scheduled runs across processes, from their logs (debug level) and job_runs: the runs logged as
 * finished, how many (job, guild, period) were logged twice, and per process the runs it logged as
 * done against those job_runs records as done by it. A survivor logs exactly what it recorded; a
 * killed one may have committed a run and died before its log line left (pino writes asynchronously).
 */
export function runAccounts(bots: readonly BotProcess[], runs: readonly RecordedRun[], victim: BotProcess) {
  const key = (job: unknown, guildId: unknown, period: unknown) => `${job}|${guildId}|${period}`;
  const finished = bots.flatMap((b) => b.logs()).filter((l) => l.msg === 'scheduled job finished');
  const perRun = new Map<string, number>();
  for (const l of finished)
    perRun.set(key(l.job, l.guildId, l.period), (perRun.get(key(l.job, l.guildId, l.period)) ?? 0) + 1);
  const byProcess = bots.map((b) => ({
    victim: b === victim,
    logged: b
      .logs()
      .filter((l) => l.msg === 'scheduled job finished' && l.outcome === 'ok')
      .map((l) => key(l.job, l.guildId, l.period))
      .sort(),
    recorded: runs
      .filter((r) => r.outcome === 'ok' && r.lease_owner.includes(`:${b.pid}:`))
      .map((r) => key(r.job, r.guild_id, r.period))
      .sort(),
  }));
  return { finished, runTwice: [...perRun.values()].filter((n) => n > 1).length, byProcess };
}

export function parseLogs(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // A line cut in the middle by a kill -9, or not ours: not a log line.
    }
  }
  return lines;
}
