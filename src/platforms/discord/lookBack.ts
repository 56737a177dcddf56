/**
 * Before resending what an earlier attempt may already have created on Discord, look for it.
 *
 * The outbox resends a row whose sender died (its lease ran out). Message nonces with enforce_nonce
 * make a resend harmless only within Discord's short nonce window, and thread creation has no nonce
 * at all. So the sender notes "about to post in C" / "about to create a thread" in the row before
 * the request (see sender.ts), and a later attempt that finds such a note first looks through what
 * the bot itself created in that place since then.
 *
 * The bot's own messages: Discord's message list carries no nonce, but the create response and the
 * gateway's MESSAGE_CREATE do, and the sender notes them (discord_sent). A listed message whose nonce
 * was noted is ours exactly when the nonce is; one never noted (the bot died before the answer and
 * the event came) is ours when the bot wrote it after the note with the same content and the same
 * number of embeds and files. A kill -9 loses the events that arrive while the process is dead, which
 * is why this reads REST and does not wait for the gateway.
 */
import { type REST, Routes } from 'discord.js';
import { snowflakeAt, snowflakeTime } from '../../events.js';

/**
 * No margin before the note: Discord stamps the message after the note was written (its clock and
 * ours agree within milliseconds under NTP, and the request takes longer than that). A margin would
 * let an identical earlier message (last week's digest posted just before) pass for this one, and
 * this row would be lost; without one, a large clock skew can only cause a resend.
 */
const CLOCK_SLACK_MS = 1; // `after` is exclusive: keep the note's own millisecond
/** Discord: at most 100 messages per page. Five pages: a busy channel, not a whole history. */
const PAGE = 100;
const MAX_PAGES = 5;

export interface PostNote {
  channelId: string;
  at: number;
}

interface ListedMessage {
  id: string;
  channel_id: string;
  content: string;
  nonce?: string | number | null;
  author: { id: string };
  embeds?: unknown[];
  attachments?: unknown[];
}

export interface SentShape {
  content: string;
  nonce: string;
  embeds: number;
  files: number;
}

/** The bot's user id, asked once per sender. */
export function botIdOf(rest: REST): () => Promise<string> {
  let id: Promise<string> | null = null;
  return () => {
    id ??= (rest.get(Routes.user('@me')) as Promise<{ id: string }>)
      .then((u) => u.id)
      .catch((error: unknown) => {
        id = null;
        throw error;
      });
    return id;
  };
}

/** The message an earlier attempt posted in `note.channelId`, or null when there is none. */
export async function findPosted(
  rest: REST,
  botId: string,
  note: PostNote,
  shape: SentShape,
  knownNonces: (messageIds: string[]) => Promise<Map<string, string>>,
): Promise<{ id: string; channel_id: string } | null> {
  let after = snowflakeAt(note.at - CLOCK_SLACK_MS);
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ after, limit: String(PAGE) });
    const list = (await rest.get(Routes.channelMessages(note.channelId), { query })) as ListedMessage[];
    const mine = list.filter((m) => m.author.id === botId);
    const known = await knownNonces(mine.map((m) => m.id));
    // Oldest first: the first attempt's message, when two identical ones exist.
    mine.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const found = mine.find((m) => {
      const nonce = known.get(m.id) ?? m.nonce;
      return nonce !== undefined && nonce !== null ? String(nonce) === shape.nonce : sameContent(m, shape);
    });
    if (found) return found;
    if (list.length < PAGE) return null;
    // Discord lists newest first, also with `after`: continue after the newest of this page.
    after = list.reduce((a, m) => (BigInt(m.id) > BigInt(a) ? m.id : a), after);
  }
  return null;
}

/** For a message whose nonce we never saw: the same text, embeds and files. */
function sameContent(m: ListedMessage, shape: SentShape): boolean {
  return (
    m.content.trim() === shape.content.trim() &&
    (m.embeds?.length ?? 0) === shape.embeds &&
    (m.attachments?.length ?? 0) === shape.files
  );
}

interface ListedThread {
  id: string;
  parent_id?: string | null;
  owner_id?: string;
  name: string;
}

/** A thread the bot created in `parentId` named `name` since `since`, or null. The oldest wins. */
export async function findCreatedThread(
  rest: REST,
  guildId: string,
  botId: string,
  parentId: string,
  name: string,
  since: number,
): Promise<string | null> {
  const { threads } = (await rest.get(Routes.guildActiveThreads(guildId))) as { threads: ListedThread[] };
  const ours = threads
    .filter(
      (t) =>
        t.parent_id === parentId &&
        t.owner_id === botId &&
        t.name === name &&
        snowflakeTime(t.id) >= since - CLOCK_SLACK_MS,
    )
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  return ours[0]?.id ?? null;
}
