/**
 * Erasing one member in a big guild (20k members, 300k messages with keywords): the erasure scans
 * the guild's keywords once for the member's name (others who wrote it) and the outbox for rendered
 * messages naming them. Reference: one plain scan of the same keywords in the same run.
 * Target: the erasure (transaction + truncating checkpoint) ≤ 5× that scan.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDb, openDb } from '../src/db/connection.js';
import { sqliteDatabase } from '../src/db/database.js';
import { guilds } from '../src/db/schema.js';
import { asGuildId, asMemberId } from '../src/events.js';
import { eraseMember } from '../src/features/core/privacy.js';
import { features } from '../src/features/index.js';
import type { BenchResult } from './result.js';

const MEMBERS = 20_000;
const MESSAGES = 300_000;
const NOW = Date.UTC(2026, 2, 2, 9);
const WORDS = ['shader', 'vulkan', 'render', 'buffer', 'texture', 'compile', 'linker', 'physics', 'script', 'editor'];

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-'));
  try {
    const db = openDb(join(dir, 'bench.db'));
    migrateDb(db);
    const guildId = asGuildId('g1');
    db.insert(guilds).values({ id: guildId, platform: 'discord', name: 'Big', createdAt: 0, updatedAt: 0 }).run();
    // Seeded with raw statements: drizzle's per-row builder would make seeding most of the run.
    const addMember = db.$client.prepare(
      'INSERT INTO members (guild_id, member_id, username, display_name, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    const addMessage = db.$client.prepare(
      'INSERT INTO messages (guild_id, message_id, channel_id, parent_channel_id, author_id, created_at, terms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    db.$client.transaction(() => {
      for (let i = 0; i < MEMBERS; i++) addMember.run(guildId, `u${i}`, `member${i}`, `member${i}`, NOW);
      for (let i = 0; i < MESSAGES; i++) {
        const words = [WORDS[i % 10]!, WORDS[(i * 7) % 10]!, `${WORDS[(i * 3) % 10]}s`];
        // One message in a thousand thanks the member who will erase their data, by name.
        if (i % 1000 === 0) words.push('member42=Member42');
        addMessage.run(guildId, `m${i}`, 'c1', 'c1', `u${i % MEMBERS}`, NOW - i * 1000, words.join(' '));
      }
    })();
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const time = async (f: () => unknown) => {
      const start = performance.now();
      await f();
      return performance.now() - start;
    };
    const scans: number[] = [];
    for (let i = 0; i < 3; i++) {
      scans.push(
        await time(() =>
          db.$client.prepare("SELECT count(*) FROM messages WHERE guild_id = 'g1' AND terms LIKE '%zzz%'").get(),
        ),
      );
    }
    const scan = Math.min(...scans);
    const erase = await time(() => eraseMember(sqliteDatabase(db), features, guildId, asMemberId('u42'), NOW));
    db.$client.close();
    return [
      { name: 'one scan of the keywords (reference)', value: scan, unit: 'ms' },
      {
        name: 'erase a member (one transaction + checkpoint)',
        value: erase,
        unit: 'ms',
        ratio: erase / scan,
        target: '≤ 5×',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
