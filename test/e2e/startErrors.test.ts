/**
 * `npm start` with a value that cannot work: the process says in one line which variable to fix and
 * how, exits non-zero, and does not hang (every connection it opened is closed again). The stack
 * trace is for LOG_LEVEL=debug only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDb, openDb } from '../../src/db/connection.js';
import { type DiscordSandbox, startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import { tempDir } from '../helpers/db.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Children still running when a test ends (it failed or timed out) are killed, never left behind. */
const children: ChildProcess[] = [];

/** src/main.ts as a child process (asynchronously: the emulator answers from this process). */
function start(env: Record<string, string>, options: { uid?: number; timeoutMs?: number } = {}): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('DISCORD_') && !k.startsWith('DISCOURSE_') && !k.startsWith('CONVENE_'),
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...clean, DATABASE_URL: 'file::memory:', HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => {
    // A process still alive after this did not exit by itself: that is the defect, not slowness.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 40_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** The run ended with code 1 and one line on stderr naming `variable`; nothing printed a stack. */
function expectOneLine(run: Run, variable: string): string {
  expect(run.status).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`${variable}: `);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stdout).not.toContain('"stack"');
  return lines[0]!;
}

let sandbox: DiscordSandbox | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sandbox?.close();
  sandbox = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

/** A port that answers nothing: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a CONVENE_SECRET_KEY that cannot work', { timeout: 60_000 }, () => {
  it('GIVEN a key of the wrong length THEN one line names CONVENE_SECRET_KEY, how to make one, and not the value', async () => {
    const tooShort = 'c2hvcnQta2V5LW9mLTE2Yg==';
    const line = expectOneLine(await start({ DISCORD_TOKEN: 'x', CONVENE_SECRET_KEY: tooShort }), 'CONVENE_SECRET_KEY');
    console.log(`[operator reads] ${line}`);
    expect(line).toMatch(/32 bytes/);
    expect(line).toContain('openssl rand -base64 32');
    expect(line).not.toContain(tooShort);
  });
});

describe('a DATABASE_URL that cannot work', { timeout: 60_000 }, () => {
  it('GIVEN "file:" with no path THEN start-up stops instead of using a temporary database', async () => {
    const line = expectOneLine(await start({ DISCORD_TOKEN: 'x', DATABASE_URL: 'file:' }), 'DATABASE_URL');
    expect(line).toMatch(/temporary/);
  });

  it('GIVEN a file where the folder should be THEN one line names DATABASE_URL and that file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data'), 'not a folder');
    const line = expectOneLine(
      await start({ DISCORD_TOKEN: 'x', DATABASE_URL: `file:${join(dir, 'data', 'convene.db')}` }),
      'DATABASE_URL',
    );
    expect(line).toContain(join(dir, 'data'));
    expect(line).toMatch(/is a file, not a folder/);
  });

  it('GIVEN a folder instead of a file THEN one line says to name a file inside it', async () => {
    const dir = tempDir();
    const line = expectOneLine(await start({ DISCORD_TOKEN: 'x', DATABASE_URL: `file:${dir}` }), 'DATABASE_URL');
    expect(line).toMatch(/is a folder, not a file/);
    expect(line).toContain(`file:${join(dir, 'convene.db')}`);
  });

  it('GIVEN a damaged file THEN one line says it is not a database and that it is left alone', async () => {
    const path = join(tempDir(), 'convene.db');
    writeFileSync(path, Buffer.alloc(8192, 7));
    const line = expectOneLine(await start({ DISCORD_TOKEN: 'x', DATABASE_URL: `file:${path}` }), 'DATABASE_URL');
    expect(line).toMatch(/not a SQLite database, or it is damaged/);
  });

  it('GIVEN a read-only database file THEN one line says Convene must be able to write it', async () => {
    const dir = tempDir();
    const path = join(dir, 'convene.db');
    const db = openDb(path);
    migrateDb(db);
    db.$client.close();
    // As root every file is writable: run the bot as "nobody", the file readable but not writable by it.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    chmodSync(dir, 0o777);
    chmodSync(path, 0o444);
    if (uid !== undefined) chownSync(path, 0, 0);
    const line = expectOneLine(
      await start({ DISCORD_TOKEN: 'x', DATABASE_URL: `file:${path}` }, uid !== undefined ? { uid } : {}),
      'DATABASE_URL',
    );
    expect(line).toMatch(/read-only/);
  });

  it('GIVEN LOG_LEVEL=debug THEN the same line is followed by the stack for whoever debugs it', async () => {
    const dir = tempDir();
    const run = await start({ DISCORD_TOKEN: 'x', DATABASE_URL: `file:${dir}`, LOG_LEVEL: 'debug' });
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n')[0]).toContain('DATABASE_URL: ');
    expect(run.stderr).toMatch(/^\s+at /m);
  });
});

describe('Discord refusing or not answering', { timeout: 60_000 }, () => {
  it('GIVEN a token Discord refuses THEN one line names DISCORD_TOKEN and where to get a new one', async () => {
    sandbox = await startDiscordSandbox();
    const line = expectOneLine(
      await start({ DISCORD_TOKEN: 'MTIz.not-the.right-token', DISCORD_API_URL: sandbox.apiUrl }),
      'DISCORD_TOKEN',
    );
    expect(line).toMatch(/refused/);
    expect(line).toContain('discord.com/developers/applications');
  });

  it('GIVEN an API address where nothing answers THEN one line names DISCORD_API_URL and the address', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api`;
    const line = expectOneLine(
      await start({ DISCORD_TOKEN: 'MTIz.some.token', DISCORD_API_URL: url }),
      'DISCORD_API_URL',
    );
    expect(line).toContain(url);
  });
});

describe('a failure after Discord is connected', { timeout: 60_000 }, () => {
  it('GIVEN HTTP_PORT already in use THEN one line names HTTP_PORT, the Discord client is closed and the process exits', async () => {
    sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 1_000 });
    sandbox.createGuild({ name: 'Busy Port Club', channels: [{ name: 'general', type: 'text' }] });
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const dbDir = tempDir();
    mkdirSync(dbDir, { recursive: true });
    const run = await start({
      DISCORD_TOKEN: sandbox.botToken,
      DISCORD_API_URL: sandbox.apiUrl,
      DATABASE_URL: `file:${join(dbDir, 'convene.db')}`,
      HTTP_PORT: String(port),
      LOG_LEVEL: 'silent',
    });
    const line = expectOneLine(run, 'HTTP_PORT');
    expect(line).toContain(String(port));
    expect(sandbox.connectedSessions).toBe(0);
  });
});
