/**
 * A forum belongs to the community, the moderator who connected it is a member: when that moderator
 * erases their data (/privacy delete), the forum keeps working for everyone and nothing in the
 * database names them any more (the forum row, the pair, the audit of their commands and of others'
 * commands that recorded the pair they made). Real SQLite files with the real migrations; every table
 * is searched (test/helpers/traces.ts), so a column added later that keeps their id is found too.
 */

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { members } from '../../../src/db/schema.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { eraseMember, exportMember } from '../../../src/features/core/privacy.js';
import { features } from '../../../src/features/index.js';
import { forumOfGuild } from '../../../src/features/links/forumStore.js';
import {
  connectOwnForum,
  disconnectOwnForum,
  openForumSecrets,
  rotateForumSecret,
} from '../../../src/features/links/forums.js';
import { readPairedGuild } from '../../../src/features/links/identity.js';
import { connectForum, disconnectForum } from '../../../src/features/links/service.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';
import { findId, findTraces } from '../../helpers/traces.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const KEY = randomBytes(32);
const GUILD = asGuildId('400000000000000001');
/** The moderator who connects the forum and later erases their data; another who stays. */
const WREN = asMemberId('410000000000000007');
const OLU = asMemberId('420000000000000009');
const FORM = { url: 'https://forum.example', apiUsername: 'convene', apiKey: 'a-real-looking-api-key-0001' };

function world(env: Record<string, string> = {}) {
  const db = makeTestDb();
  const deps: Deps = {
    db,
    config: loadConfig({ CONVENE_SECRET_KEY: KEY.toString('hex'), ...env }),
    log: createLogger('silent'),
    status: { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
    probeForum: async () => ({ ok: true, title: 'Forum' }),
  };
  for (const [memberId, name] of [
    [WREN, 'Wrenfield Ashcombe'],
    [OLU, 'Olu'],
  ] as const) {
    db.insert(members)
      .values({ guildId: GUILD, memberId, username: name.toLowerCase(), displayName: name, updatedAt: T0 })
      .run();
  }
  return { db, deps };
}

const auditRows = (db: Deps['db']) =>
  db.$client
    .prepare('SELECT action, actor_id AS actor, before, after FROM audit_log WHERE guild_id = ? ORDER BY id')
    .all(GUILD) as { action: string; actor: string; before: string | null; after: string | null }[];

/** Where the id may stay: the members row is the "do not profile again" note (eraseCore). */
const ID_KEPT = new Set(['members.member_id']);

describe('a moderator who connected a forum erases their data', () => {
  it('GIVEN a forum connected by command, its secret rotated and its settings changed by that moderator WHEN they erase their data THEN no table holds their id or name, and the forum keeps working for the community', async () => {
    const { db, deps } = world();
    const connected = await connectOwnForum(deps, GUILD, WREN, FORM, T0);
    await rotateForumSecret(deps, GUILD, WREN, T0 + 1);
    await connectOwnForum(deps, GUILD, WREN, { ...FORM, apiUsername: 'convene_ops' }, T0 + 2);
    await rotateForumSecret(deps, GUILD, OLU, T0 + 3);
    const before = findId(db, WREN);
    console.log(`forum by command, the connecting moderator's id before erasure: ${JSON.stringify(before)}`);
    expect(Object.keys(before).sort()).toEqual([
      'audit_log.actor_id',
      'community_pairs.paired_by',
      'forums.connected_by',
      'members.member_id',
    ]);

    // What they see of it before (/privacy show), and after: nothing.
    const shown = await exportMember(sqliteDatabase(db), features, GUILD, WREN);
    expect(shown.moderatorChanges.map((c) => c.action)).toEqual([
      'forum.connect',
      'forum.rotate-secret',
      'forum.settings',
    ]);
    expect(shown.features.links).toEqual({ connectedForum: { forum: 'discourse:forum.example', connectedAt: T0 } });

    await eraseMember(sqliteDatabase(db), features, GUILD, WREN, T0 + 4);

    const after = findId(db, WREN);
    console.log(`after: ${JSON.stringify(after)}`);
    const shownAfter = await exportMember(sqliteDatabase(db), features, GUILD, WREN);
    expect(shownAfter.moderatorChanges).toEqual([]);
    expect(shownAfter.features.links).toEqual({});
    expect(Object.keys(after).filter((k) => !ID_KEPT.has(k))).toEqual([]);
    expect(findTraces(db, db.path, ['Wrenfield', 'Ashcombe']).total).toEqual({ cells: 0, bytes: 0 });
    // The community's forum is untouched: the same row, pair, sealed key and secret, the history of
    // what changed and when (without who), and the other moderator's name on their own change.
    const row = (await forumOfGuild(sqliteDatabase(db), GUILD))!;
    expect(row).toMatchObject({ forumGuildId: 'discourse:forum.example', apiUsername: 'convene_ops', connectedBy: '' });
    expect(await readPairedGuild(sqliteDatabase(db), GUILD)).toBe('discourse:forum.example');
    expect(openForumSecrets(KEY, row).apiKey).toBe(FORM.apiKey);
    expect(openForumSecrets(KEY, row).webhookSecret).not.toBe(connected.secret);
    expect(auditRows(db).map((r) => [r.action, r.actor])).toEqual([
      ['forum.connect', ''],
      ['forum.rotate-secret', ''],
      ['forum.settings', ''],
      ['forum.rotate-secret', OLU],
    ]);
    // Another moderator still runs it: rotate, then disconnect.
    expect((await rotateForumSecret(deps, GUILD, OLU, T0 + 5)).secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await disconnectOwnForum(deps, GUILD, OLU, T0 + 6)).toEqual({ host: 'forum.example' });
  });

  it('GIVEN the environment’s forum paired by one moderator and paired again by another WHEN the first erases their data THEN the pair the second one recorded in the audit no longer names them, and the second one’s own id stays', async () => {
    const { db, deps } = world({
      DISCOURSE_URL: 'https://forum.example',
      DISCOURSE_API_KEY: 'k',
      DISCOURSE_API_USERNAME: 'convene',
    });
    await connectForum(deps, GUILD, WREN, T0);
    // Connecting again records the pair it replaces, made by WREN, in the audit row of OLU's change.
    await connectForum(deps, GUILD, OLU, T0 + 1);
    await disconnectForum(deps, GUILD, OLU, T0 + 2);
    await connectForum(deps, GUILD, WREN, T0 + 3);
    expect(auditRows(db)[1]!.before).toContain(`"pairedBy":"${WREN}"`);

    await eraseMember(sqliteDatabase(db), features, GUILD, WREN, T0 + 4);

    const after = findId(db, WREN);
    console.log(`environment's forum, after: ${JSON.stringify(after)}`);
    expect(Object.keys(after).filter((k) => !ID_KEPT.has(k))).toEqual([]);
    const audit = auditRows(db);
    expect(audit.map((r) => [r.action, r.actor])).toEqual([
      ['forum.connect', ''],
      ['forum.connect', OLU],
      ['forum.disconnect', OLU],
      ['forum.connect', ''],
    ]);
    expect(JSON.parse(audit[1]!.before!)).toEqual({
      guildId: GUILD,
      forumGuildId: 'discourse:forum.example',
      pairedBy: '',
      pairedAt: T0,
    });
    expect(JSON.parse(audit[2]!.before!)).toMatchObject({ pairedBy: OLU });
    expect(await readPairedGuild(sqliteDatabase(db), GUILD)).toBe('discourse:forum.example');
  });
});
