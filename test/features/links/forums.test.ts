/**
 * Forums connected by command, on both engines with the real migrations. The forum itself is a probe
 * we own (the e2e test in test/e2e/discourse/forumByCommand.test.ts asks the real emulator): here it
 * lets two servers' connects interleave, which only the transaction's second look can settle.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Deps, type ForumProbeResult, UserFacingError } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { forumOfGuild } from '../../../src/features/links/forumStore.js';
import {
  connectOwnForum,
  disconnectOwnForum,
  rotateForumSecret,
  sealContext,
} from '../../../src/features/links/forums.js';
import { readPairedGuild } from '../../../src/features/links/identity.js';
import { SecretBox } from '../../../src/secrets/secretBox.js';
import { ENGINES, type Engine } from '../../helpers/engines.js';
import { linksWorld } from './world.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const KEY = randomBytes(32);
const FORM = { url: 'https://forum.example', apiUsername: 'convene', apiKey: 'a-real-looking-api-key-0001' };

describe.each(ENGINES)('connecting a forum by command on %s', (engine: Engine) => {
  const world = async (probe: () => Promise<ForumProbeResult> = async () => ({ ok: true, title: 'Forum' })) => {
    const { database: db, deps } = await linksWorld(
      engine,
      loadConfig({ CONVENE_SECRET_KEY: KEY.toString('hex') }),
      T0,
      probe,
    );
    return { db, deps };
  };

  it('GIVEN two servers connecting the same forum at once THEN one holds it and the other is refused, nothing stored for it', async () => {
    // Both probes wait until both connects have passed the first check.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let waiting = 0;
    const { db, deps } = await world(async () => {
      waiting += 1;
      if (waiting === 2) release();
      await gate;
      return { ok: true, title: 'Forum' };
    });
    const outcomes = await Promise.allSettled([
      connectOwnForum(deps, 'g1', 'm1', FORM, T0),
      connectOwnForum(deps, 'g2', 'm2', FORM, T0),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(UserFacingError);
    expect(String(refused.reason.message)).toMatch(/already connected to another Discord server/);
    const holders: string[] = [];
    for (const g of ['g1', 'g2']) if (await forumOfGuild(db, g)) holders.push(g);
    expect(holders).toHaveLength(1);
    expect(await readPairedGuild(db, 'discourse:forum.example')).toBe(holders[0]);
  });

  it('GIVEN a connected forum THEN its key and secret are stored sealed for that forum, and rotation replaces the secret', async () => {
    const { db, deps } = await world();
    const connected = await connectOwnForum(deps, 'g1', 'm1', FORM, T0);
    const row = (await forumOfGuild(db, 'g1'))!;
    const box = new SecretBox(KEY);
    expect(row.apiKeySealed).not.toContain(FORM.apiKey);
    expect(box.open(row.apiKeySealed, sealContext(row.id, 'api-key'))).toBe(FORM.apiKey);
    expect(box.open(row.webhookSecretSealed, sealContext(row.id, 'webhook-secret'))).toBe(connected.secret);
    const rotated = await rotateForumSecret(deps, 'g1', 'm1', T0 + 1);
    const after = (await forumOfGuild(db, 'g1'))!;
    expect(rotated.secret).not.toBe(connected.secret);
    expect(box.open(after.webhookSecretSealed, sealContext(row.id, 'webhook-secret'))).toBe(rotated.secret);
    expect(after.revision).toBe(row.revision + 1);
  });

  it.each([
    ['unreachable', /could not reach a forum at https:\/\/forum\.example/],
    ['not-discourse', /not as a Discourse forum does/],
    ['bad-key', /refused the API key for the username “convene”/],
    ['not-admin', /“convene” is not an admin/],
  ] as const)('GIVEN the forum answers %s THEN the refusal says so and nothing is stored', async (problem, words) => {
    const { db, deps } = await world(async () => ({ ok: false, problem, detail: 'x' }));
    await expect(connectOwnForum(deps, 'g1', 'm1', FORM, T0)).rejects.toThrow(words);
    expect(await forumOfGuild(db, 'g1')).toBeUndefined();
    expect(await readPairedGuild(db, 'g1')).toBeNull();
  });

  it('GIVEN a forum held by one server THEN another connecting it under its fully qualified name (a trailing dot) is refused', async () => {
    const { db, deps } = await world();
    await connectOwnForum(deps, 'g1', 'm1', FORM, T0);
    const error = await connectOwnForum(deps, 'g2', 'm2', { ...FORM, url: 'https://forum.example./' }, T0).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserFacingError);
    console.log('the second server reads:', (error as Error).message);
    expect(await forumOfGuild(db, 'g2')).toBeUndefined();
    expect(await readPairedGuild(db, 'g2')).toBeNull();
  });

  it('GIVEN a server with a forum THEN connecting another is refused until it disconnects', async () => {
    const { db, deps } = await world();
    await connectOwnForum(deps, 'g1', 'm1', FORM, T0);
    const other = { ...FORM, url: 'https://other.example' };
    await expect(connectOwnForum(deps, 'g1', 'm1', other, T0)).rejects.toThrow(
      /already connected to the forum forum\.example/,
    );
    expect(await disconnectOwnForum(deps, 'g1', 'm1', T0)).toEqual({ host: 'forum.example' });
    expect(await forumOfGuild(db, 'g1')).toBeUndefined();
    expect((await connectOwnForum(deps, 'g1', 'm1', other, T0)).host).toBe('other.example');
  });

  it('GIVEN no CONVENE_SECRET_KEY THEN the refusal names it, before the forum is even asked', async () => {
    let asked = 0;
    const { db, deps } = await world(async () => {
      asked += 1;
      return { ok: true, title: 'Forum' };
    });
    const without: Deps = { ...deps, config: { ...deps.config, secretKey: undefined } };
    await expect(connectOwnForum(without, 'g1', 'm1', FORM, T0)).rejects.toThrow(/CONVENE_SECRET_KEY/);
    expect(asked).toBe(0);
    expect(await forumOfGuild(db, 'g1')).toBeUndefined();
  });
});
