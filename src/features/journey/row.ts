/** One member's journey state as plain data: what the store reads and writes, and the rules decide on. */
import type { Counters } from './evaluate.js';

export interface JourneyRow {
  guildId: string;
  memberId: string;
  stage: string;
  stageAt: number;
  joinedAt: number | null;
  messageCount: number;
  counters: Counters;
  firstMessageId: string | null;
  firstMessageChannelId: string | null;
  firstMessageOpensThread: boolean;
  firstReplyBy: string | null;
  welcomedAt: number | null;
  lastContactAt: number | null;
  pendingStage: string | null;
  pendingDueAt: number | null;
  nudgedStage: string | null;
  nudgedAt: number | null;
}

export const newJourneyRow = (
  guildId: string,
  memberId: string,
  stage: string,
  at: number,
  joinedAt: number | null,
): JourneyRow => ({
  guildId,
  memberId,
  stage,
  stageAt: at,
  joinedAt,
  messageCount: 0,
  counters: {},
  firstMessageId: null,
  firstMessageChannelId: null,
  firstMessageOpensThread: false,
  firstReplyBy: null,
  welcomedAt: null,
  lastContactAt: null,
  pendingStage: null,
  pendingDueAt: null,
  nudgedStage: null,
  nudgedAt: null,
});
