/**
 * Hostile traffic at the webhook endpoint, over real HTTP: oversized, unsigned, forged and slow
 * requests are refused early, cut off, stored nowhere, and logged as a summary instead of a line each.
 * (What a flood costs in memory is measured by `npm run bench -- webhookFlood` against the real process.)
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { WEBHOOK_BODY_LIMIT } from '../../../src/platforms/discourse/webhook.js';
import { type Forum, startForum } from './harness.js';

let f: Forum | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await f?.close();
  f = undefined;
});

const logLines: Record<string, unknown>[] = [];
const captured = () =>
  createLogger('info', {
    write(line: string) {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });

async function hostileForum(limits: Parameters<typeof startForum>[0] = {}) {
  logLines.length = 0;
  f = await startForum({ log: captured(), ...limits });
  return f;
}

const port = (forum: Forum) => Number(new URL(forum.httpUrl).port);

interface RawOutcome {
  /** The status line's code, or null when the connection closed without an answer. */
  status: number | null;
  /** Bytes of the body the client managed to write before the answer or the close. */
  written: number;
  closed: boolean;
}

/**
 * A raw HTTP/1.1 POST over a socket, so the test controls exactly what is sent and when: `headers`,
 * then `body` in chunks of `chunkSize` every `intervalMs`, until the bot closes the connection (or
 * 8 s pass: then `closed` is false).
 */
function rawPost(
  portNumber: number,
  headers: Record<string, string>,
  body: { bytes: number; chunkSize?: number; intervalMs?: number; chunked?: boolean },
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(portNumber, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    let written = 0;
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ status: match ? Number(match[1]) : null, written, closed });
      socket.destroy();
    };
    const giveUp = setTimeout(() => finish(false), 8_000);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    // Writing into a connection the bot closed fails with EPIPE/ECONNRESET: that is the close too.
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    const head = Object.entries({ host: '127.0.0.1', ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST /webhooks/discourse HTTP/1.1\r\n${head}\r\n`);
    const chunkSize = body.chunkSize ?? 64 * 1024;
    const timer = setInterval(() => {
      if (settled || socket.destroyed || written >= body.bytes) return;
      const n = Math.min(chunkSize, body.bytes - written);
      const data = Buffer.alloc(n, 'x');
      socket.write(
        body.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data,
      );
      written += n;
    }, body.intervalMs ?? 1);
  });
}

const nothingStored = async (forum: Forum) => {
  const { messages, discourseWebhookKeys } = forum.database.tables;
  expect(await forum.database.select().from(messages)).toEqual([]);
  expect(await forum.database.select().from(discourseWebhookKeys)).toEqual([]);
};

const forged = { 'x-discourse-event': 'post_created', 'x-discourse-event-signature': `sha256=${'0'.repeat(64)}` };

describe('Discourse webhooks under hostile traffic', () => {
  it('GIVEN a delivery declaring 5 MB THEN 413 comes before the body is read, the connection closes and nothing is stored', async () => {
    const forum = await hostileForum();
    const outcome = await rawPost(
      port(forum),
      { ...forged, 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) },
      // Sent slowly: an answer that waited for the body would take minutes.
      { bytes: 5 * 1024 * 1024, chunkSize: 16 * 1024, intervalMs: 50 },
    );
    expect(outcome.status).toBe(413);
    expect(outcome.written).toBeLessThan(WEBHOOK_BODY_LIMIT);
    expect(outcome.closed).toBe(true);
    await nothingStored(forum);
  });

  it('GIVEN an unsigned delivery THEN 401 comes before its body is read and the connection closes', async () => {
    const forum = await hostileForum();
    const outcome = await rawPost(
      port(forum),
      { 'x-discourse-event': 'post_created', 'content-type': 'application/json', 'content-length': '400000' },
      { bytes: 400_000, chunkSize: 8 * 1024, intervalMs: 50 },
    );
    expect(outcome.status).toBe(401);
    expect(outcome.written).toBeLessThan(400_000 / 2);
    expect(outcome.closed).toBe(true);
    await nothingStored(forum);
  });

  it('GIVEN a forged signature and a chunked 5 MB body THEN it is cut with 413 once past the limit', async () => {
    const forum = await hostileForum();
    const outcome = await rawPost(
      port(forum),
      { ...forged, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      { bytes: 5 * 1024 * 1024, chunked: true, chunkSize: 64 * 1024, intervalMs: 5 },
    );
    expect(outcome.status).toBe(413);
    expect(outcome.written).toBeLessThan(2 * WEBHOOK_BODY_LIMIT);
    expect(outcome.closed).toBe(true);
    await nothingStored(forum);
  });

  it('GIVEN uploads that trickle a byte at a time THEN each gets 408 and is closed when the request timeout passes', async () => {
    const forum = await hostileForum({ http: { requestTimeoutMs: 1_000, headersTimeoutMs: 800, timeoutCheckMs: 100 } });
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        rawPost(
          port(forum),
          { ...forged, 'content-type': 'application/json', 'content-length': '4096' },
          { bytes: 4096, chunkSize: 1, intervalMs: 200 },
        ),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => 408));
    expect(outcomes.every((o) => o.closed)).toBe(true);
    // Closed by the bot, not by the test finishing its body (4096 bytes at 5 a second take 14 min).
    expect(Date.now() - started).toBeLessThan(10_000);
    await nothingStored(forum);
  });

  it('GIVEN headers that never end THEN the connection is closed when the headers timeout passes', async () => {
    const forum = await hostileForum({ http: { requestTimeoutMs: 1_000, headersTimeoutMs: 500, timeoutCheckMs: 100 } });
    const socket = connect(port(forum), '127.0.0.1');
    sockets.push(socket);
    socket.write('POST /webhooks/discourse HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    const keepTalking = setInterval(() => socket.write('x-padding: 1\r\n'), 100);
    const closedAfter = await new Promise<number>((resolve) => {
      const started = Date.now();
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => undefined);
    });
    clearInterval(keepTalking);
    expect(closedAfter).toBeLessThan(5_000);
  });

  it('GIVEN more open connections than the limit THEN the extra ones are dropped at once', async () => {
    const forum = await hostileForum({ http: { maxConnections: 5 } });
    const opened = Array.from({ length: 12 }, () => {
      const socket = connect(port(forum), '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => undefined);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), 500);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
    });
    const alive = (await Promise.all(opened)).filter(Boolean).length;
    expect(alive).toBe(5);
  });

  it('GIVEN 200 refused requests THEN the log has one line per reason and a summary, not a line each', async () => {
    const forum = await hostileForum();
    const send = (headers: Record<string, string>, body: string) =>
      fetch(`${forum.httpUrl}/webhooks/discourse`, { method: 'POST', headers, body }).then((r) => r.status);
    const statuses = await Promise.all([
      ...Array.from({ length: 100 }, () => send({ 'x-discourse-event': 'post_created' }, '{}')),
      ...Array.from({ length: 100 }, () => send(forged, '{"post":{}}')),
    ]);
    expect(statuses.filter((s) => s === 401)).toHaveLength(200);
    await nothingStored(forum);
    // Stopping the server writes the summary that would otherwise come at the end of the minute.
    await forum.close();
    f = undefined;
    const refusals = logLines.filter((l) => /refused/.test(String(l.msg)));
    expect(refusals).toHaveLength(3);
    expect(
      refusals
        .map((l) => l.reason)
        .filter(Boolean)
        .sort(),
    ).toEqual(['webhook with a wrong signature', 'webhook without a signature']);
    const summaries = refusals.filter((l) => l.refused);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      total: 198,
      refused: { 'webhook with a wrong signature': 99, 'webhook without a signature': 99 },
    });
  });

  it('GIVEN a real post of Discourse’s maximum length in 3-byte characters THEN it is well under the limit and stored', async () => {
    const forum = await hostileForum();
    forum.forum.createUser({ username: 'mei' });
    const category = forum.forum.createCategory({ name: 'General' });
    const { post } = forum.forum.createTopic({
      username: 'mei',
      title: 'A very long post in Chinese characters',
      raw: '云'.repeat(32_000),
      categoryId: category.id,
    });
    await forum.forum.flush();
    const delivery = forum.forum.lastDelivery('post_created')!;
    expect(Buffer.byteLength(delivery.body)).toBeGreaterThan(32_000 * 3);
    expect(Buffer.byteLength(delivery.body)).toBeLessThan(WEBHOOK_BODY_LIMIT / 2);
    const { messages } = forum.database.tables;
    expect((await forum.database.select({ id: messages.messageId }).from(messages)).map((m) => m.id)).toContain(
      String(post.id),
    );
  });
});
