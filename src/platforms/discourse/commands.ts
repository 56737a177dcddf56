/**
 * Commands on Discourse: a member mentions the bot in a post ("@convene intros join") or sends it a
 * private message ("meet"). The text is matched against the same CommandDefinitions the Discord
 * adapter registers as slash commands, options are read as `key:value` or positionally, the handler
 * runs through runCommand (moderator = Discourse staff, checked on our side), and the Reply goes
 * back through the outbox: a reply to the post, or a PM when the reply is ephemeral.
 */
import type { Action, MessageBody } from '../../actions.js';
import {
  type CommandDefinition,
  type Deps,
  databaseOf,
  type OptionSpec,
  type Reply,
  runCommand,
} from '../../commands.js';
import { asChannelId, asRoleId, type GuildId, type MemberId } from '../../events.js';
import type { Feature } from '../../features/feature.js';
import { enqueueOn } from '../../outbox/store.js';
import { safeText } from '../../text/fit.js';
import { plural } from '../../text/plural.js';
import { type DiscourseClient, DiscourseRequestError } from './client.js';
import { categoryChannelId, platform, topicChannelId, userMemberId } from './ids.js';
import { type PostFacts, stripNonMentioningMarkdown } from './mapping.js';
import { memberIdByUsername, writeIndex } from './store.js';

// ---------------------------------------------------------------------------------------------
// Reading the text (pure)

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Zero-width characters (ours from escaped mentions, or pasted): invisible, and never part of a command. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;

/** The text after "@bot" on its line, outside quotes and code; null when the post does not mention the bot. */
export function textAfterMention(raw: string, botUsername: string): string | null {
  const mention = new RegExp(`(^|[^\\p{L}\\p{N}_@/\`.-])@${escapeRegExp(botUsername)}(?![\\p{L}\\p{N}_.-])`, 'iu');
  for (const line of stripNonMentioningMarkdown(raw.replace(ZERO_WIDTH, '')).split('\n')) {
    const match = mention.exec(line);
    if (match) return line.slice(match.index + match[0].length).trim();
  }
  return null;
}

/** A PM's command: its first line of text, without a leading "@bot" or "/". */
export function textOfPrivateMessage(raw: string, botUsername: string): string {
  const firstLine =
    stripNonMentioningMarkdown(raw.replace(ZERO_WIDTH, ''))
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  return firstLine.replace(new RegExp(`^@${escapeRegExp(botUsername)}\\b[,:]?\\s*`, 'i'), '').replace(/^\//, '');
}

export interface MatchedCommand {
  def: CommandDefinition;
  /** The text after the command's words. */
  rest: string;
}

/**
 * The command a text starts with: the longest definition whose words lead the text. A definition
 * under "convene …" also answers without that word ("@convene intros set" for "convene intros set").
 */
export function matchCommand(text: string, definitions: readonly CommandDefinition[]): MatchedCommand | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lower = words.map((w) => w.toLowerCase());
  const fits = (path: string[]) => path.length <= lower.length && path.every((w, i) => lower[i] === w);
  const sorted = [...definitions].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const shorthand of [false, true]) {
    for (const def of sorted) {
      let path = def.name.split(' ');
      if (shorthand) {
        if (path[0] !== 'convene' || path.length === 1) continue;
        path = path.slice(1);
      }
      if (fits(path)) return { def, rest: words.slice(path.length).join(' ') };
    }
  }
  return null;
}

export interface Token {
  key: string | null;
  value: string;
}

/** `key:value`, `key:"a b"`, "quoted words" and bare words. */
export function tokenizeOptions(rest: string): Token[] {
  const tokens: Token[] = [];
  const re = /(?:([a-z][\w-]*):)?(?:"([^"]*)"|“([^”]*)”|(\S+))/gi;
  for (const m of rest.matchAll(re)) {
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    tokens.push({ key: m[1]?.toLowerCase() ?? null, value });
  }
  return tokens;
}

export interface OptionResolvers {
  member(username: string): Promise<MemberId | null>;
  channel(ref: string): Promise<string | null>;
  role(ref: string): Promise<string | null>;
}

const TRUE = new Set(['true', 'yes', 'on', '1', 'y']);
const FALSE = new Set(['false', 'no', 'off', '0', 'n']);

export function usageOf(def: CommandDefinition, botUsername: string): string {
  const options = Object.entries(def.options).map(([name, spec]) =>
    spec.required ? `${name}:<${spec.type}>` : `[${name}:<${spec.type}>]`,
  );
  return `\`@${botUsername} ${[def.name, ...options].join(' ')}\``;
}

/** Options from tokens, typed like the definition says; an error is a sentence for the member. */
export async function readOptions(
  def: CommandDefinition,
  tokens: readonly Token[],
  resolve: OptionResolvers,
  botUsername: string,
): Promise<{ ok: true; options: Record<string, unknown> } | { ok: false; error: string }> {
  const specs = Object.entries(def.options);
  const names = new Set(specs.map(([name]) => name));
  const given = new Map<string, string>();
  const positional: string[] = [];
  for (const token of tokens) {
    if (token.key !== null && names.has(token.key)) given.set(token.key, token.value);
    else positional.push(token.key !== null ? `${token.key}:${token.value}` : token.value);
  }
  const open = specs.filter(([name]) => !given.has(name));
  for (let i = 0; i < open.length && positional.length > 0; i++) {
    const [name, spec] = open[i]!;
    const isLast = i === open.length - 1;
    // The last free string option takes the rest of the line: "@convene convene why set We build robots".
    const takesRest = isLast && spec.type === 'string' && !spec.choices;
    given.set(name, takesRest ? positional.splice(0).join(' ') : positional.shift()!);
  }
  if (positional.length > 0 && specs.length > 0) {
    return { ok: false, error: `I did not understand "${positional.join(' ')}". Usage: ${usageOf(def, botUsername)}` };
  }
  const options: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    const text = given.get(name);
    if (text === undefined || text === '') {
      if (spec.required) return { ok: false, error: `\`${name}\` is needed. Usage: ${usageOf(def, botUsername)}` };
      options[name] = undefined;
      continue;
    }
    const value = await readValue(name, spec, text, resolve);
    if (!value.ok) return value;
    options[name] = value.value;
  }
  return { ok: true, options };
}

async function readValue(
  name: string,
  spec: OptionSpec,
  text: string,
  resolve: OptionResolvers,
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const fail = (error: string) => ({ ok: false as const, error });
  switch (spec.type) {
    case 'string': {
      if (spec.choices) {
        const choice = spec.choices.find((c) => c.toLowerCase() === text.toLowerCase());
        return choice ? { ok: true, value: choice } : fail(`\`${name}\` is one of: ${spec.choices.join(', ')}.`);
      }
      if (spec.minLength !== undefined && text.length < spec.minLength) {
        return fail(`\`${name}\` needs at least ${plural(spec.minLength, 'character')}.`);
      }
      if (spec.maxLength !== undefined && text.length > spec.maxLength) {
        return fail(`\`${name}\` takes at most ${plural(spec.maxLength, 'character')}.`);
      }
      return { ok: true, value: text };
    }
    case 'integer': {
      if (!/^-?\d+$/.test(text)) return fail(`\`${name}\` is a whole number.`);
      const n = Number(text);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return fail(`\`${name}\` is between ${spec.min ?? '…'} and ${spec.max ?? '…'}.`);
      }
      return { ok: true, value: n };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return fail(`\`${name}\` is yes or no.`);
    }
    case 'member': {
      const id = await resolve.member(text.replace(/^@/, ''));
      return id ? { ok: true, value: id } : fail(`I don't know ${safeText(text, 60)} on this forum.`);
    }
    case 'channel': {
      const id = await resolve.channel(text);
      return id
        ? { ok: true, value: asChannelId(id) }
        : fail(`I can't find the category or topic "${safeText(text, 100)}".`);
    }
    case 'role': {
      const id = await resolve.role(text.replace(/^@/, ''));
      return id ? { ok: true, value: asRoleId(id) } : fail(`I can't find the group "${safeText(text, 60)}".`);
    }
    case 'attachment':
      return fail('Attachments can only be given on Discord for now.');
  }
}

/** The short list of what a member can ask, for an unknown command. */
export function helpText(
  definitions: readonly CommandDefinition[],
  moderator: boolean,
  botUsername: string,
  unknown: string | null,
): string {
  const usable = definitions
    .filter((d) => d.access === 'member' || moderator)
    .sort((a, b) => a.name.localeCompare(b.name));
  const intro = unknown
    ? `I didn't recognise "${safeText(unknown, 60)}".`
    : 'Mention me in a post or send me a message with one of these:';
  if (usable.length === 0) return `${intro} I have no commands to offer here yet.`;
  const lines = usable.slice(0, 25).map((d) => `- \`@${botUsername} ${d.name}\` — ${d.description}`);
  return [
    unknown ? `${intro} Here is what I can do — mention me in a post or send me a message:` : intro,
    ...lines,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Running (reads the store and the API; writes the outbox)

export interface PmInfo {
  /** The bot is one of the PM's participants. */
  botIn: boolean;
  /** How many users are in it (the bot included). */
  participants: number;
  startedByBot: boolean;
}

export interface DiscourseCommandOptions {
  deps: Deps;
  features: readonly Feature[];
  guild: { id: GuildId; name: string };
  botUsername: string;
  client: DiscourseClient;
  /** Tell the Discourse outbox drain there is a reply to send. */
  wake: () => void;
  now?: () => number;
}

export type CommandOutcome = 'ran' | 'help' | 'error' | 'not-addressed';

export class DiscourseCommands {
  private readonly definitions: CommandDefinition[];
  private readonly pmCache = new Map<string, PmInfo>();
  private readonly now: () => number;

  constructor(private readonly options: DiscourseCommandOptions) {
    this.definitions = options.features.flatMap((f) => f.commands as CommandDefinition[]);
    this.now = options.now ?? Date.now;
  }

  /** Look at a new post; run the command it carries, if any. Safe to call twice for one post. */
  async handlePost(post: PostFacts): Promise<CommandOutcome> {
    if (post.byBot) return 'not-addressed';
    const { botUsername } = this.options;
    let text: string | null;
    let quietWhenUnknown = false;
    if (post.privateMessage) {
      const pm = await this.pmInfo(post.topicId);
      if (!pm.botIn) return 'not-addressed';
      if (pm.participants > 2) {
        // A group PM (an introduction the bot opened): only an explicit mention is for the bot.
        text = textAfterMention(post.raw, botUsername);
      } else {
        text = textOfPrivateMessage(post.raw, botUsername);
        // A member answering the bot's own note ("thanks!") gets no command list back.
        quietWhenUnknown = pm.startedByBot && textAfterMention(post.raw, botUsername) === null;
      }
    } else {
      text = textAfterMention(post.raw, botUsername);
    }
    if (text === null) return 'not-addressed';

    const match = matchCommand(text, this.definitions);
    if (!match) {
      if (quietWhenUnknown) return 'not-addressed';
      await this.send(post, { kind: 'message', ephemeral: true, body: this.helpBody(post, text) });
      return 'help';
    }
    const read = await readOptions(match.def, tokenizeOptions(match.rest), this.resolvers(), botUsername);
    if (!read.ok) {
      await this.send(post, { kind: 'message', ephemeral: true, body: { content: read.error } });
      return 'error';
    }
    const reply = await runCommand(match.def, {
      platform,
      guild: this.options.guild,
      member: { id: userMemberId(post.userId), displayName: post.displayName, moderator: post.moderator },
      channelId: post.privateMessage ? null : topicChannelId(post.topicId),
      options: read.options as never,
      deps: this.options.deps,
      now: this.now(),
    });
    await this.send(post, reply);
    return 'ran';
  }

  private helpBody(post: PostFacts, text: string): MessageBody {
    return { content: helpText(this.definitions, post.moderator, this.options.botUsername, text.trim() || null) };
  }

  /** The Reply as an outbox action: in the PM, as a reply in the topic, or (ephemeral) by PM. */
  private async send(post: PostFacts, reply: Reply): Promise<void> {
    const body = reply.body;
    const action: Action =
      post.privateMessage || (reply.kind === 'message' && !reply.ephemeral)
        ? { type: 'message.send', channelId: topicChannelId(post.topicId), body, replyTo: post.postId as never }
        : { type: 'dm.send', memberId: userMemberId(post.userId), body };
    const { deps, guild } = this.options;
    await enqueueOn(
      databaseOf(deps),
      [{ platform, guildId: guild.id, key: `discourse:command:${guild.id}:${post.postId}`, action }],
      this.now(),
    );
    this.options.wake();
  }

  private async pmInfo(topicId: string): Promise<PmInfo> {
    const cached = this.pmCache.get(topicId);
    if (cached) return cached;
    const bot = this.options.botUsername.toLowerCase();
    let info: PmInfo;
    try {
      const topic = await this.options.client.topic(Number(topicId));
      const users = topic.details?.allowed_users ?? [];
      info = {
        botIn: users.some((u) => u.username.toLowerCase() === bot),
        participants: users.length + (topic.details?.allowed_groups?.length ? 2 : 0),
        startedByBot: topic.details?.created_by?.username.toLowerCase() === bot,
      };
    } catch (error) {
      // The bot cannot see the PM (403/404): it is not addressed to the bot.
      if (error instanceof DiscourseRequestError && (error.status === 403 || error.status === 404)) {
        info = { botIn: false, participants: 0, startedByBot: false };
      } else throw error;
    }
    if (this.pmCache.size > 10_000) this.pmCache.clear();
    this.pmCache.set(topicId, info);
    return info;
  }

  private resolvers(): OptionResolvers {
    const { deps, guild, client } = this.options;
    return {
      member: async (username) => {
        const known = await memberIdByUsername(databaseOf(deps), guild.id, username);
        if (known) return known;
        try {
          const user = await client.user(username);
          await writeIndex(
            databaseOf(deps),
            guild.id,
            { posts: [], users: [{ userId: String(user.id), username: user.username }] },
            this.now(),
          );
          return userMemberId(user.id);
        } catch (error) {
          if (error instanceof DiscourseRequestError && error.status === 404) return null;
          throw error;
        }
      },
      channel: async (ref) => {
        const text = ref.trim();
        if (/^category:\d+$/.test(text)) return text;
        const topic = /\/t\/(?:[^/]+\/)?(\d+)/.exec(text) ?? /^#?(\d+)$/.exec(text);
        if (topic) return topicChannelId(topic[1]!);
        const slug = text.replace(/^#/, '').toLowerCase();
        const category = (await client.categories()).find(
          (c) => c.slug.toLowerCase() === slug || c.name.toLowerCase() === slug,
        );
        return category ? categoryChannelId(category.id) : null;
      },
      role: async (ref) => {
        if (/^(badge:)?\d+$/.test(ref)) return ref;
        const group = (await client.groups()).find((g) => g.name.toLowerCase() === ref.toLowerCase());
        return group ? String(group.id) : null;
      },
    };
  }
}
