/**
 * Before resending what an earlier attempt may already have created on Discord, look for it.
 *
 * The outbox resends a row whose sender died (its lease ran out). Message nonces with enforce_nonce
 * make a resend harmless only within Discord's short nonce window, and thread creation has no nonce
 * at all. So the sender notes "about to post in C" / "about to create a thread" in the row before
 * the request (see sender.ts), and a later attempt that finds such a note first looks through what
 * the bot itself created in that place since then.
 *
 * The bot's own messages: Discord's message list carries no nonce (only the create response and the
 * gateway event do), so a message is ours when the bot wrote it after the note with the same content
 * and the same number of embeds and files; where a nonce is present it decides. A kill -9 also loses
 * the gateway events that arrive while the process is dead, which is why this reads REST.
 */
import { type REST, Routes } from 'discord.js';
import { snowflakeAt, snowflakeTime } from '../../events.js';

/** Margin for clocks: the note is written just before the request, Discord stamps the id just after. */
const CLOCK_SLACK_MS = 2_000;
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
): Promise<{ id: string; channel_id: string } | null> {
  let after = snowflakeAt(note.at - CLOCK_SLACK_MS);
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ after, limit: String(PAGE) });
    const list = (await rest.get(Routes.channelMessages(note.channelId), { query })) as ListedMessage[];
    const found = list.find((m) => m.author.id === botId && sameMessage(m, shape));
    if (found) return found;
    if (list.length < PAGE) return null;
    // Discord lists newest first, also with `after`: continue after the newest of this page.
    after = list.reduce((a, m) => (BigInt(m.id) > BigInt(a) ? m.id : a), after);
  }
  return null;
}

function sameMessage(m: ListedMessage, shape: SentShape): boolean {
  if (m.nonce !== undefined && m.nonce !== null) return String(m.nonce) === shape.nonce;
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
