/** The runtime of a forum connected by command: built from its stored row, cached, rebuilt on change. */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { features } from '../../../src/features/index.js';
import { connectOwnForum, disconnectOwnForum } from '../../../src/features/links/forums.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger } from '../../../src/log.js';
import { ForumRuntimes } from '../../../src/platforms/discourse/forums.js';
import { makeTestDb } from '../../helpers/db.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const FORM = { url: 'https://forum.example', apiUsername: 'convene', apiKey: 'a-real-looking-api-key-0001' };
let ingestor: Ingestor | undefined;
afterEach(() => ingestor?.close());

function world() {
  const db = makeTestDb();
  const deps: Deps = {
    db,
    config: loadConfig({ CONVENE_SECRET_KEY: randomBytes(32).toString('base64') }),
    log: createLogger('silent'),
    status: { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
    probeForum: async () => ({ ok: true, title: 'Forum Example' }),
  };
  ingestor = new Ingestor(deps, features);
  const runtimes = new ForumRuntimes({ deps, ingestor, features, now: () => T0, rejected: () => {} });
  return { db, deps, runtimes };
}

describe('ForumRuntimes', () => {
  it('GIVEN a forum connected by command THEN one client is built from its settings and reused until they change', async () => {
    const { db, deps, runtimes } = world();
    await connectOwnForum(deps, 'g1', 'm1', FORM, T0);
    const id = db.$client.prepare('SELECT id FROM forums').get() as { id: string };
    const first = await runtimes.byId(id.id);
    expect(first?.client.baseUrl).toBe('https://forum.example');
    expect(first?.client.apiUsername).toBe('convene');
    expect(await runtimes.byId(id.id)).toBe(first);
    expect(await runtimes.byGuild('discourse:forum.example')).toBe(first);
    // The forum's guild row exists once its runtime is built (its webhooks may name it).
    expect(db.$client.prepare('SELECT name FROM guilds WHERE id = ?').get('discourse:forum.example')).toEqual({
      name: 'Forum Example',
    });

    await connectOwnForum(deps, 'g1', 'm1', { ...FORM, apiUsername: 'ops' }, T0 + 1);
    const second = await runtimes.byId(id.id);
    expect(second).not.toBe(first);
    expect(second?.client.apiUsername).toBe('ops');

    await disconnectOwnForum(deps, 'g1', 'm1', T0 + 2);
    expect(await runtimes.byId(id.id)).toBeNull();
    expect(await runtimes.byGuild('discourse:forum.example')).toBeNull();
  });

  it.each([
    ['another key', () => randomBytes(32)],
    ['no key', () => undefined],
  ])(
    'GIVEN a stored forum and %s at start-up THEN it is reported in /healthz’s problems, naming the variable, and nothing else stops',
    async (_what, keyNow) => {
      const { db, deps } = world();
      await connectOwnForum(deps, 'g1', 'm1', FORM, T0);
      const restarted: Deps = { ...deps, config: { ...deps.config, secretKey: keyNow() }, status: { ...deps.status } };
      const runtimes = new ForumRuntimes({
        deps: restarted,
        ingestor: ingestor!,
        features,
        now: () => T0,
        rejected: () => {},
      });
      expect(await runtimes.warm()).toBe(0);
      const problem = restarted.status.problems?.['forum-secrets'];
      console.log(`[operator reads] ${problem}`);
      expect(problem).toContain('CONVENE_SECRET_KEY');
      expect(db.$client.prepare('SELECT count(*) AS n FROM forums').get()).toEqual({ n: 1 });
    },
  );

  it('GIVEN an id no forum has THEN there is no runtime', async () => {
    const { runtimes } = world();
    expect(await runtimes.byId('nope')).toBeNull();
  });
});
