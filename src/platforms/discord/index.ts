/**
 * The Discord adapter: the discord.js client, gateway events → CommunityEvents, interactions →
 * command handlers, start-up command sync, and backfill of what was missed while the bot was down.
 * Thin: every decision is made by ingest and the features.
 */
import type {
  Client,
  Guild,
  MessageReaction,
  PartialMessageReaction,
  PartialUser,
  TextBasedChannel,
  User,
} from 'discord.js';
import { and, desc, eq } from 'drizzle-orm';
import type { ButtonDefinition, CommandDefinition, Deps } from '../../commands.js';
import { messages } from '../../db/schema.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../events.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import { type CommandSyncRetry, keepCommandsInSync } from './commandSync.js';
import { guardedOn } from './guard.js';
import { createRouter, handleInteraction } from './interactions.js';
import { type GatewayRetryPolicy, login } from './login.js';
import {
  channelEvent,
  guildSnapshotEvents,
  memberJoinedEvent,
  memberUpdatedEvent,
  messageEvent,
  threadEvent,
} from './mapping.js';
import { DiscordSender } from './sender.js';

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
  /** How a refused command registration is retried (tests shorten it). */
  commandSyncRetry?: Partial<CommandSyncRetry>;
  /** How the gateway connection is retried (tests shorten it). */
  gatewayRetry?: Partial<GatewayRetryPolicy>;
}

export interface DiscordAdapter {
  client: Client;
  sender: DiscordSender;
  /** Backfill one guild now (also runs on ready and after a new gateway session). */
  backfill(guild: Guild): Promise<{ messages: number; members: number }>;
  stop(): Promise<void>;
}

export async function startDiscord(deps: Deps, ingestor: Ingestor, options: DiscordOptions): Promise<DiscordAdapter> {
  const router = createRouter(options.commands, options.buttons);
  // The client must exist before handlers are attached; login() makes it and waits for READY, so
  // events that arrive between READY and the handlers below are covered by the backfill.
  const { client, watch } = await login(deps, options);
  // Every handler runs behind this net: an unexpected payload is logged with its event, not fatal.
  const on = guardedOn(client, deps.log);
  const push = (event: CommunityEvent | null) => {
    if (!event) return;
    ingestor.push(event).catch((error) => deps.log.error({ err: error, event: event.kind }, 'ingest failed'));
  };
  const contentGranted = () => deps.status.intents.messageContent;

  on('guildCreate', (guild) => void backfill(guild));
  on('guildMemberAdd', (member) => push(memberJoinedEvent(member)));
  on('guildMemberRemove', (member) =>
    // Discord sends no time for a leave: the receipt time is the best there is.
    push({
      kind: 'member.left',
      platform: 'discord',
      guildId: asGuildId(member.guild.id),
      at: Date.now(),
      memberId: asMemberId(member.id),
    }),
  );
  on('guildMemberUpdate', (_old, member) => push(memberUpdatedEvent(member, Date.now())));
  // Typed as a guild channel, but a DM channel arrives here too (some servers send its CHANNEL_CREATE).
  on('channelCreate', (channel) => {
    if (!channel.isDMBased()) push(channelEvent(channel));
  });
  on('channelUpdate', (_old, channel) => {
    if (!channel.isDMBased()) push(channelEvent(channel));
  });
  on('threadCreate', (thread) => push(threadEvent(thread)));
  on('threadUpdate', (_old, thread) => push(threadEvent(thread, Date.now())));
  on('messageCreate', (message) => push(messageEvent(message, contentGranted())));
  on('messageUpdate', (_old, message) => {
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
  on('messageDelete', (message) => {
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
  on('messageReactionAdd', (reaction, user) => reactionEvent('reaction.added', reaction, user));
  on('messageReactionRemove', (reaction, user) => reactionEvent('reaction.removed', reaction, user));
  on('interactionCreate', (interaction) => {
    handleInteraction(interaction, router, deps).catch((error) =>
      deps.log.error({ err: error, interaction: interaction.id }, 'interaction failed'),
    );
  });
  // A new gateway session (after INVALID_SESSION or a failed resume) may have missed events.
  let firstReady = true;
  on('shardReady', () => {
    if (firstReady) {
      firstReady = false;
      return;
    }
    deps.log.info('new gateway session: backfilling what was missed');
    for (const guild of client.guilds.cache.values()) void backfill(guild);
  });
  on('shardResume', (_id, replayed) => deps.log.info({ replayed }, 'gateway session resumed'));
  on('shardDisconnect', (event) => {
    deps.status.platforms.discord = { connected: false, detail: `disconnected (${event.code})` };
  });
  on('shardReconnecting', () => {
    deps.status.platforms.discord = { connected: false, detail: 'reconnecting' };
  });
  on('shardResume', () => {
    deps.status.platforms.discord = { connected: true };
  });
  on('error', (error) => deps.log.error({ err: error }, 'discord client error'));

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

  // A refused or rate-limited registration does not stop start-up: it is retried and reported.
  const commandSync =
    (options.syncCommands ?? true)
      ? await keepCommandsInSync(client, options.commands, deps, options.commandSyncRetry)
      : null;
  const stop = async () => {
    commandSync?.stop();
    watch.stop();
    await client.destroy();
  };
  try {
    deps.status.platforms.discord = { connected: true };
    for (const guild of client.guilds.cache.values()) await backfill(guild);
  } catch (error) {
    // A failed start must close the gateway connection, or the process stays up doing nothing.
    await stop();
    throw error;
  }

  return {
    client,
    sender: new DiscordSender(client.rest),
    backfill,
    async stop() {
      deps.status.platforms.discord = { connected: false, detail: 'stopped' };
      await stop();
    },
  };
}
