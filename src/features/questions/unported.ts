/**
 * The questions feature's calls into code of other areas that is not on the async store yet (issue 15
 * item 1): each goes through `legacyDb` (the same SQLite connection, so inside a transaction it runs
 * in it; on PostgreSQL it throws NotPortedError naming what is missing). When those areas land on
 * the async API, each body here becomes a plain call and this file goes.
 */
import { type Database, legacyDb } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import type { CommunityWords } from '../../text/topicWords.js';
import { communityWords } from '../core/vocabulary.js';
import { recordAnswerPicked } from '../journey/service.js';
import { type Account, activeSides, counterpart, linkedAcross, pairedGuild } from '../links/identity.js';

export async function pairedGuildOf(db: Database, guildId: string): Promise<string | null> {
  return pairedGuild(legacyDb(db), guildId);
}

export async function counterpartOf(db: Database, guildId: string, memberId: string): Promise<Account | null> {
  return counterpart(legacyDb(db), guildId, memberId);
}

export async function linkedAcrossOf(db: Database, guildId: string): Promise<Map<string, string>> {
  return linkedAcross(legacyDb(db), guildId);
}

export async function activeSidesOf(
  db: Database,
  here: string,
  there: string,
  pairs: readonly (readonly [string, string])[],
): Promise<Map<string, 'here' | 'there'>> {
  return activeSides(legacyDb(db), here, there, pairs);
}

export async function communityWordsOf(db: Database, guildId: string, now: number): Promise<CommunityWords> {
  return communityWords(legacyDb(db), guildId, now);
}

export async function answerPicked(
  tx: Database,
  guildId: GuildId,
  pick: { messageId: string; memberId: MemberId; byMemberId: MemberId; askerId: MemberId; at: number },
  now: number,
): Promise<void> {
  await recordAnswerPicked(tx, guildId, pick, now);
}
