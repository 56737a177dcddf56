/** The pair and the linked accounts as intros names them: links' reads on the async store (links/identity.ts). */
export {
  readActiveSides as activeSidesOf,
  readCounterpart as counterpartOf,
  readLinkedAcross as linkedAcrossOf,
  readPairedGuild as pairedGuildOf,
} from '../links/identity.js';
