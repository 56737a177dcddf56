import { afterEach, describe, expect, it } from 'vitest';
import { clearProblem, type RuntimeStatus, raiseProblem } from '../../src/commands.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';

let server: HttpServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(status: RuntimeStatus) {
  server = createHttpServer({ status, log: createLogger('silent') }, { port: 0 });
  const { url } = await server.listen();
  return async () => {
    const response = await fetch(`${url}/healthz`);
    return { code: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

describe('/healthz', () => {
  it('GIVEN a platform up and no problem THEN 200', async () => {
    const status: RuntimeStatus = {
      startedAt: Date.now(),
      platforms: { discord: { connected: true } },
      intents: { messageContent: true, guildMembers: true },
    };
    const check = await serve(status);
    expect(await check()).toMatchObject({ code: 200, body: { ok: true } });
  });

  it('GIVEN a raised problem THEN 503 naming it, and 200 again once it is cleared', async () => {
    const status: RuntimeStatus = {
      startedAt: Date.now(),
      platforms: { discord: { connected: true } },
      intents: { messageContent: true, guildMembers: true },
    };
    const check = await serve(status);
    raiseProblem(status, 'database', 'The database refuses writes (disk full?): events are kept in memory');
    const down = await check();
    expect(down.code).toBe(503);
    expect(down.body).toMatchObject({ ok: false, problems: { database: expect.stringMatching(/refuses writes/) } });
    expect(clearProblem(status, 'database')).toBe(true);
    expect(clearProblem(status, 'database')).toBe(false);
    expect(await check()).toMatchObject({ code: 200, body: { ok: true } });
  });
});
