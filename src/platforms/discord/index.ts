/**
 * The Discord adapter: the discord.js client, gateway events → CommunityEvents, interactions →
 * command handlers, start-up command sync, and backfill of what was missed while the bot was down.
 * Thin: every decision is made by ingest and the features.
 */
import {
  Client,
  GatewayIntentBits,
  type Guild,
  type MessageReaction,
  type PartialMessageReaction,
  Partials,
  type PartialUser,
  Routes,
  type TextBasedChannel,
  type User,
} from 'discord.js';
import { and, desc, eq } from 'drizzle-orm';
import type { ButtonDefinition, CommandDefinition, Deps } from '../../commands.js';
import { messages } from '../../db/schema.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../events.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import { commandsJson } from './commandData.js';
import { createRouter, handleInteraction } from './interactions.js';
import {
  channelEvent,
  guildSnapshotEvents,
  memberJoinedEvent,
  memberUpdatedEvent,
  messageEvent,
  threadEvent,
} from './mapping.js';
import { DiscordSender } from './sender.js';

/** Discord close code / discord.js error for privileged intents the app was not granted. */
const DISALLOWED_INTENTS = 4014;
/** Backfill at most this many pages of 100 messages per channel (recent history only). */
const BACKFILL_PAGES = 5;
/** Read a little before the last message we hold, in case the bot stopped mid-conversation. */
const BACKFILL_OVERLAP_MS = 86_400_000;

export interface DiscordOptions {
  token: string;
  apiUrl: string;
  commands: readonly CommandDefinition[];
  buttons: readonly ButtonDefinition[];
  /** Register the commands at start-up (default true). */
  syncCommands?: boolean;
}

export interface DiscordAdapter {
  client: Client;
  sender: DiscordSender;
  /** Backfill one guild now (also runs on ready and after a new gateway session). */
  backfill(guild: Guild): Promise<{ messages: number; members: number }>;
  stop(): Promise<void>;
}

const BASE_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessages,
];

function makeClient(apiUrl: string, privileged: { members: boolean; content: boolean }) {
  return new Client({
    intents: [
      ...BASE_INTENTS,
      ...(privileged.members ? [GatewayIntentBits.GuildMembers] : []),
      ...(privileged.content ? [GatewayIntentBits.MessageContent] : []),
    ],
    partials: [Partials.Message, Partials.Reaction, Partials.Channel, Partials.GuildMember, Partials.User],
    rest: { api: apiUrl },
  });
}

function isDisallowedIntents(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === DISALLOWED_INTENTS || e?.code === 'DisallowedIntents' || /disallowed intent/i.test(String(e?.message))
  );
}

/** Log in, dropping privileged intents Discord does not grant (4014) instead of failing. */
async function login(options: DiscordOptions, deps: Deps): Promise<Client> {
  const attempts = [
    { members: true, content: true },
    { members: true, content: false },
    { members: false, content: false },
  ];
  let lastError: unknown;
  for (const privileged of attempts) {
    const client = makeClient(options.apiUrl, privileged);
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    try {
      await client.login(options.token);
      await ready;
      deps.status.intents = { guildMembers: privileged.members, messageContent: privileged.content };
      if (!privileged.content || !privileged.members) {
        deps.log.warn(
          { messageContent: privileged.content, guildMembers: privileged.members },
          'Discord did not grant every privileged intent: running with fewer features (no message terms without Message Content; no member list backfill without Server Members)',
        );
      }
      return client;
    } catch (error) {
      await client.destroy();
      lastError = error;
      if (!isDisallowedIntents(error)) throw error;
    }
  }
  throw lastError;
}

export async function startDiscord(deps: Deps, ingestor: Ingestor, options: DiscordOptions): Promise<DiscordAdapter> {
  const router = createRouter(options.commands, options.buttons);
  let client: Client;
  // The client must exist before handlers are attached; login() makes it and waits for READY, so
  // events that arrive between READY and the handlers below are covered by the backfill.
  client = await login(options, deps);
  const push = (event: CommunityEvent | null) => {
    if (!event) return;
    ingestor.push(event).catch((error) => deps.log.error({ err: error, event: event.kind }, 'ingest failed'));
  };
  const contentGranted = () => deps.status.intents.messageContent;

  client.on('guildCreate', (guild) => void backfill(guild));
  client.on('guildMemberAdd', (member) => push(memberJoinedEvent(member)));
  client.on('guildMemberRemove', (member) =>
    // Discord sends no time for a leave: the receipt time is the best there is.
    push({
      kind: 'member.left',
      platform: 'discord',
      guildId: asGuildId(member.guild.id),
      at: Date.now(),
      memberId: asMemberId(member.id),
    }),
  );
  client.on('guildMemberUpdate', (_old, member) => push(memberUpdatedEvent(member, Date.now())));
  client.on('channelCreate', (channel) => push(channelEvent(channel)));
  client.on('channelUpdate', (_old, channel) => {
    if (!channel.isDMBased()) push(channelEvent(channel));
  });
  client.on('threadCreate', (thread) => push(threadEvent(thread)));
  client.on('threadUpdate', (_old, thread) => push(threadEvent(thread, Date.now())));
  client.on('messageCreate', (message) => push(messageEvent(message, contentGranted())));
  client.on('messageUpdate', (_old, message) => {
    if (!message.guildId || message.partial || !message.editedTimestamp) return;
    push({
      kind: 'message.updated',
      platform: 'discord',
      guildId: asGuildId(message.guildId),
      at: message.editedTimestamp,
      messageId: asMessageId(message.id),
      channelId: asChannelId(message.channelId),
      content: message.content ?? '',
    });
  });
  client.on('messageDelete', (message) => {
    if (!message.guildId) return;
    push({
      kind: 'message.deleted',
      platform: 'discord',
      guildId: asGuildId(message.guildId),
      at: Date.now(),
      messageId: asMessageId(message.id),
      channelId: asChannelId(message.channelId),
    });
  });
  const reactionEvent = (
    kind: 'reaction.added' | 'reaction.removed',
    reaction: MessageReaction | PartialMessageReaction,
    user: User | PartialUser,
  ) => {
    const message = reaction.message;
    if (!message.guildId) return;
    push({
      kind,
      platform: 'discord',
      guildId: asGuildId(message.guildId),
      // Discord sends no reaction time: receipt time.
      at: Date.now(),
      messageId: asMessageId(message.id),
      channelId: asChannelId(message.channelId),
      memberId: asMemberId(user.id),
      emoji: reaction.emoji.id ? `<:${reaction.emoji.name}:${reaction.emoji.id}>` : (reaction.emoji.name ?? '?'),
    });
  };
  client.on('messageReactionAdd', (reaction, user) => reactionEvent('reaction.added', reaction, user));
  client.on('messageReactionRemove', (reaction, user) => reactionEvent('reaction.removed', reaction, user));
  client.on('interactionCreate', (interaction) => {
    handleInteraction(interaction, router, deps).catch((error) =>
      deps.log.error({ err: error, interaction: interaction.id }, 'interaction failed'),
    );
  });
  // A new gateway session (after INVALID_SESSION or a failed resume) may have missed events.
  let firstReady = true;
  client.on('shardReady', () => {
    if (firstReady) {
      firstReady = false;
      return;
    }
    deps.log.info('new gateway session: backfilling what was missed');
    for (const guild of client.guilds.cache.values()) void backfill(guild);
  });
  client.on('shardResume', (_id, replayed) => deps.log.info({ replayed }, 'gateway session resumed'));
  client.on('shardDisconnect', (event) => {
    deps.status.platforms.discord = { connected: false, detail: `disconnected (${event.code})` };
  });
  client.on('shardReconnecting', () => {
    deps.status.platforms.discord = { connected: false, detail: 'reconnecting' };
  });
  client.on('shardResume', () => {
    deps.status.platforms.discord = { connected: true };
  });
  client.on('error', (error) => deps.log.error({ err: error }, 'discord client error'));

  async function backfill(guild: Guild): Promise<{ messages: number; members: number }> {
    const events: CommunityEvent[] = guildSnapshotEvents(guild);
    let memberCount = 0;
    if (deps.status.intents.guildMembers) {
      try {
        const fetched = await guild.members.fetch();
        for (const member of fetched.values()) events.push(memberJoinedEvent(member));
        memberCount = fetched.size;
      } catch (error) {
        deps.log.warn({ err: error, guildId: guild.id }, 'backfill: could not fetch the member list');
      }
    }
    try {
      const active = await guild.channels.fetchActiveThreads();
      for (const thread of active.threads.values()) events.push(threadEvent(thread));
    } catch (error) {
      deps.log.warn({ err: error, guildId: guild.id }, 'backfill: could not fetch active threads');
    }
    await ingestor.pushMany(events);
    let messageCount = 0;
    const channels = [...guild.channels.cache.values()].filter((c) => c.isTextBased() && !c.isVoiceBased());
    for (const channel of channels) {
      messageCount += await backfillChannel(guild.id, channel as TextBasedChannel);
    }
    deps.status.lastBackfill = { at: Date.now(), messages: messageCount, members: memberCount };
    deps.log.info({ guildId: guild.id, messages: messageCount, members: memberCount }, 'backfill done');
    return { messages: messageCount, members: memberCount };
  }

  /** The oldest time worth backfilling to in a never-read channel: before it, the bot was not here. */
  function guildWatermark(guildId: string): number {
    const oldest = deps.db
      .select({ at: messages.createdAt })
      .from(messages)
      .where(eq(messages.guildId, guildId))
      .orderBy(desc(messages.createdAt))
      .limit(1)
      .get();
    // No message stored at all: a first start; take the recent pages whatever their age.
    return oldest ? Math.min(oldest.at, deps.status.startedAt) - BACKFILL_OVERLAP_MS : 0;
  }

  async function backfillChannel(guildId: string, channel: TextBasedChannel): Promise<number> {
    const last = deps.db
      .select({ id: messages.messageId })
      .from(messages)
      .where(and(eq(messages.guildId, guildId), eq(messages.channelId, channel.id)))
      .orderBy(desc(messages.createdAt))
      .limit(1)
      .get();
    let count = 0;
    try {
      if (!last) {
        // A channel we hold nothing of: read backwards from the newest message, a few pages at most,
        // stopping at what the guild's history already covers (recent context, not all of history).
        const watermark = guildWatermark(guildId);
        let before: string | undefined;
        for (let i = 0; i < BACKFILL_PAGES; i++) {
          const page = await channel.messages.fetch({ limit: 100, ...(before ? { before } : {}) });
          const fresh = [...page.values()].filter((m) => m.createdTimestamp >= watermark);
          count += await ingestor.pushMany(
            fresh.map((m) => messageEvent(m, contentGranted())).filter((e) => e !== null),
          );
          if (page.size < 100 || fresh.length < page.size) break;
          before = [...page.values()].reduce((a, b) => (a.createdTimestamp < b.createdTimestamp ? a : b)).id;
        }
        return count;
      }
      let after = last.id;
      for (let i = 0; i < BACKFILL_PAGES; i++) {
        const page = await channel.messages.fetch({ after, limit: 100 });
        if (page.size === 0) break;
        const sorted = [...page.values()].sort((a, b) => a.createdTimestamp - b.createdTimestamp);
        count += await ingestor.pushMany(
          sorted.map((m) => messageEvent(m, contentGranted())).filter((e) => e !== null),
        );
        after = sorted.at(-1)!.id;
        if (page.size < 100) break;
      }
    } catch (error) {
      deps.log.warn({ err: error, channelId: channel.id }, 'backfill: could not read channel history');
    }
    return count;
  }

  if (options.syncCommands ?? true) await syncCommands(client, options.commands, deps);
  deps.status.platforms.discord = { connected: true };
  for (const guild of client.guilds.cache.values()) await backfill(guild);

  return {
    client,
    sender: new DiscordSender(client.rest),
    backfill,
    async stop() {
      deps.status.platforms.discord = { connected: false, detail: 'stopped' };
      await client.destroy();
    },
  };
}

/** What makes two command registrations the same for Discord (ignoring ids and versions). */
function signature(command: unknown): string {
  const keep = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(keep);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of [
        'name',
        'description',
        'type',
        'required',
        'choices',
        'value',
        'options',
        'min_value',
        'max_value',
        'min_length',
        'max_length',
        'default_member_permissions',
      ]) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) continue;
        out[key] = keep(v);
      }
      return out;
    }
    return value;
  };
  return JSON.stringify(keep(command));
}

/** Keep the registered global commands equal to the definitions; writes only when they differ. */
export async function syncCommands(client: Client, defs: readonly CommandDefinition[], deps: Deps): Promise<void> {
  const wanted = commandsJson(defs);
  const appId = client.application!.id;
  const existing = (await client.rest.get(Routes.applicationCommands(appId))) as { name: string }[];
  const key = (list: readonly { name: string }[]) =>
    [...list]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(signature)
      .join('\n');
  if (key(existing) === key(wanted.map((w) => ({ type: 1, ...w })))) {
    deps.log.info({ commands: wanted.length }, 'slash commands already in sync');
    return;
  }
  await client.rest.put(Routes.applicationCommands(appId), { body: wanted });
  deps.log.info({ commands: wanted.map((c) => c.name) }, 'slash commands registered');
}
