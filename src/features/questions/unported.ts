/**
 * The questions feature's reads of other areas' stores (links' pairing and accounts, core's community
 * words), under the names the questions code uses. All on the async store, on both engines.
 */
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import type { CommunityWords } from '../../text/topicWords.js';
import { readCommunityWords } from '../core/vocabulary.js';
import { recordAnswerPicked } from '../journey/service.js';
import {
  type Account,
  readActiveSides,
  readCounterpart,
  readLinkedAcross,
  readPairedGuild,
} from '../links/identity.js';

export function pairedGuildOf(db: Database, guildId: string): Promise<string | null> {
  return readPairedGuild(db, guildId);
}

export function counterpartOf(db: Database, guildId: string, memberId: string): Promise<Account | null> {
  return readCounterpart(db, guildId, memberId);
}

export function linkedAcrossOf(db: Database, guildId: string): Promise<Map<string, string>> {
  return readLinkedAcross(db, guildId);
}

export function activeSidesOf(
  db: Database,
  here: string,
  there: string,
  pairs: readonly (readonly [string, string])[],
): Promise<Map<string, 'here' | 'there'>> {
  return readActiveSides(db, here, there, pairs);
}

export function communityWordsOf(db: Database, guildId: string, now: number): Promise<CommunityWords> {
  return readCommunityWords(db, guildId, now);
}

export async function answerPicked(
  tx: Database,
  guildId: GuildId,
  pick: { messageId: string; memberId: MemberId; byMemberId: MemberId; askerId: MemberId; at: number },
  now: number,
): Promise<void> {
  await recordAnswerPicked(tx, guildId, pick, now);
}
