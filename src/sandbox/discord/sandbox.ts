/**
 * DiscordSandbox: the emulator (HTTP + gateway on 127.0.0.1) plus the test API that plays the
 * members — create guilds and users, say things, react, open forum posts, run slash commands, click
 * buttons — and the inspection helpers tests assert on.
 */
import { randomBytes } from 'node:crypto';
import { buildCommandData, type OptionInput } from './commandInvocation.js';
import { fillModal, findComponent } from './components.js';
import { Gateway, type GatewayStats } from './gateway.js';
import { type CrashPoint, type ForcedFailure, type HeldRoute, HttpServer, type RecordedRequest } from './http.js';
import type { PrivilegedIntents } from './intents.js';
import { InteractionHub, type InteractionRecord, type InteractionResult, InteractionType } from './interactions.js';
import { MemberClient } from './memberClient.js';
import {
  type ChannelRecord,
  ChannelType,
  DiscordStore,
  type GuildRecord,
  type MemberRecord,
  type MessageRecord,
  type UserRecord,
} from './model.js';
import {
  DEFAULT_RATE_LIMITS,
  type ForcedRateLimit,
  type RateLimitCounts,
  RateLimiter,
  type RateLimitOptions,
} from './rateLimiter.js';
import { renderCommand } from './render.js';
import { applicationRoutes } from './rest/application.js';
import { channelRoutes } from './rest/channels.js';
import type { RestContext } from './rest/context.js';
import { guildRoutes } from './rest/guilds.js';
import { interactionRoutes } from './rest/interactions.js';
import { memberRoutes } from './rest/members.js';
import { Router } from './router.js';
import { DemoPage } from './web/page.js';
import { type ChannelSpec, type GuildHandle, type NewGuild, World } from './world.js';

export interface DiscordSandboxOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** The bot's (and application's) name. Default "Convene". */
  botName?: string;
  botToken?: string;
  rateLimit?: {
    globalPerSecond?: number;
    defaultBucket?: { limit: number; windowMs: number };
    /** Merged over the defaults, keyed like `"POST /channels/:channel_id/messages"`. */
    routes?: Record<string, { limit: number; windowMs: number }>;
  };
  /** Privileged intents enabled for the app. Default: members and message content on, presences off. */
  privilegedIntents?: Partial<PrivilegedIntents>;
  /** HELLO's heartbeat_interval. Default 41250 ms as on Discord; use ~1000 in tests. */
  heartbeatIntervalMs?: number;
  /** Discord fails an interaction that is not acknowledged within 3 s. */
  interactionAckTimeoutMs?: number;
  /** How long a dropped gateway session stays resumable. Default 2 minutes. */
  resumeWindowMs?: number;
  /** Guilds one shard may hold before IDENTIFY closes with 4011 (sharding required). Default 2500 as on Discord. */
  maxGuildsPerShard?: number;
  /** enforce_nonce de-duplication window. Default 5 minutes. */
  nonceWindowMs?: number;
  /**
   * Discord's identify limit: `max_concurrency` IDENTIFYs per 5 s per bucket (shard id modulo it);
   * one more is answered with op 9 INVALID_SESSION. Off unless set (a test restarting a bot within
   * 5 s would otherwise wait); GET /gateway/bot reports it as max_concurrency either way (default 1).
   */
  identifyLimit?: { maxConcurrency: number; enforce: boolean };
}

export interface SayOptions {
  at?: number;
  /** Message id in the same channel to reply to. */
  replyTo?: string;
  /** User ids to mention; `<@id>` is appended for each one not already in the content. */
  mentions?: string[];
  embeds?: unknown[];
  attachments?: { filename: string; contentType?: string; data: Buffer | string }[];
}

export interface InvokeOptions {
  /** Reject when the bot has not answered within this time. Default 10 s. */
  timeoutMs?: number;
}

export interface RunCommandOptions extends InvokeOptions {
  /** Run even when the member lacks the command's default_member_permissions (a guild override). */
  bypassDefaultPermissions?: boolean;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown in the timeout error. */
  description?: string;
}

const DEFAULT_PRIVILEGED: PrivilegedIntents = { guildMembers: true, messageContent: true, presences: false };

function makeToken(botId: string): string {
  const random = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
  return `${Buffer.from(botId).toString('base64url')}.${random(6)}.${random(38)}`;
}

export class DiscordSandbox {
  readonly requests: RecordedRequest[] = [];
  /** Requests to routes Discord has but the sandbox does not (404, recorded here to spot gaps). */
  readonly unknownRoutes: RecordedRequest[] = [];
  private readonly store: DiscordStore;
  private readonly world: World;
  private readonly gateway: Gateway;
  private readonly hub: InteractionHub;
  private readonly rateLimiter: RateLimiter;
  private readonly http: HttpServer;
  private readonly members: MemberClient;
  private readonly failures: ForcedFailure[] = [];
  private readonly crashPoint: { hook: CrashPoint | null } = { hook: null };
  private readonly held: HeldRoute[] = [];
  private boundPort = 0;

  constructor(options: DiscordSandboxOptions = {}) {
    const name = options.botName ?? 'Convene';
    const store = new DiscordStore({
      name,
      token: '',
      privilegedIntents: { ...DEFAULT_PRIVILEGED, ...options.privilegedIntents },
    });
    store.application.token = options.botToken ?? makeToken(store.application.botUserId);
    this.store = store;
    this.gateway = new Gateway(
      store,
      {
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
        resumeWindowMs: options.resumeWindowMs ?? 120_000,
        maxBufferedEvents: 10_000,
        maxGuildsPerShard: options.maxGuildsPerShard ?? 2_500,
        maxConcurrency: options.identifyLimit?.maxConcurrency ?? 1,
        enforceIdentifyLimit: options.identifyLimit?.enforce ?? false,
      },
      () => `${this.wsBase}/gateway-resume`,
    );
    this.world = new World(store, this.gateway, () => this.url);
    this.hub = new InteractionHub(store, this.world, this.gateway, options.interactionAckTimeoutMs ?? 3000);
    const limits: RateLimitOptions = {
      globalPerSecond: options.rateLimit?.globalPerSecond ?? DEFAULT_RATE_LIMITS.globalPerSecond,
      defaultBucket: options.rateLimit?.defaultBucket ?? DEFAULT_RATE_LIMITS.defaultBucket,
      routes: { ...DEFAULT_RATE_LIMITS.routes, ...options.rateLimit?.routes },
    };
    this.rateLimiter = new RateLimiter(limits);
    const router = new Router();
    const ctx: RestContext = {
      store,
      world: this.world,
      hub: this.hub,
      gatewayUrl: () => `${this.wsBase}/gateway`,
      recommendedShards: () => this.gateway.recommendedShards(),
      maxConcurrency: options.identifyLimit?.maxConcurrency ?? 1,
      nonceWindowMs: options.nonceWindowMs ?? 5 * 60_000,
    };
    applicationRoutes(router, ctx);
    guildRoutes(router, ctx);
    channelRoutes(router, ctx);
    interactionRoutes(router, ctx);
    this.members = new MemberClient(store, this.world, this.hub);
    memberRoutes(router, this.members);
    this.http = new HttpServer({
      members: this.members,
      store,
      router,
      rateLimiter: this.rateLimiter,
      failures: this.failures,
      crashPoint: this.crashPoint,
      held: this.held,
      gateway: this.gateway,
      requests: this.requests,
      unknownRoutes: this.unknownRoutes,
    });
  }

  async listen(port = 0): Promise<this> {
    this.boundPort = await this.http.listen(port);
    return this;
  }

  // ------------------------------------------------------------------------------- addresses

  get port(): number {
    return this.boundPort;
  }
  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }
  /** Give this to discord.js as `rest: { api }`; it appends `/v10`. */
  get apiUrl(): string {
    return `${this.url}/api`;
  }
  get gatewayUrl(): string {
    return `${this.wsBase}/gateway`;
  }
  private get wsBase(): string {
    return `ws://127.0.0.1:${this.boundPort}`;
  }
  get botToken(): string {
    return this.store.application.token;
  }
  get applicationId(): string {
    return this.store.application.id;
  }
  get botUserId(): string {
    return this.store.application.botUserId;
  }
  /**
   * A person's member token: what their Discord client would send as `Authorization` to run commands
   * and press buttons through `POST /api/v10/interactions`. Bots have none.
   */
  memberToken(userId: string): string {
    return this.members.tokenFor(userId);
  }

  /**
   * Serve the demo's web page for this guild at `${url}/demo`: pick any member (or join as a new
   * one), see what they see, run commands and press buttons as them. Returns the page's address.
   */
  serveDemoPage(guildId: string): string {
    this.requireGuild(guildId);
    const page = new DemoPage({
      store: this.store,
      world: this.world,
      members: this.members,
      guildId,
      interactions: () => this.hub.records,
      port: () => this.boundPort,
    });
    this.http.servePage((req, res, url) => page.handle(req, res, url));
    return `${this.url}/demo`;
  }

  // ---------------------------------------------------------------------------------- setup

  createGuild(input: NewGuild): GuildHandle {
    return this.world.createGuild(input);
  }

  createChannel(guildId: string, spec: ChannelSpec & { at?: number }): ChannelRecord {
    return this.world.createChannel(guildId, spec);
  }

  addUser(input: { username: string; globalName?: string; bot?: boolean; dmsOpen?: boolean; at?: number }): UserRecord {
    return this.world.createUser(input);
  }

  setDmsOpen(userId: string, open: boolean): void {
    this.requireUser(userId).dmsOpen = open;
  }

  setPrivilegedIntents(patch: Partial<PrivilegedIntents>): void {
    Object.assign(this.store.application.privilegedIntents, patch);
  }

  addMember(
    guildId: string,
    userId: string,
    opts: { at?: number; roles?: string[]; nick?: string } = {},
  ): MemberRecord {
    return this.world.addMember(guildId, userId, opts);
  }

  removeMember(guildId: string, userId: string): void {
    this.world.removeMember(guildId, userId);
  }

  updateMember(guildId: string, userId: string, patch: { nick?: string | null; roles?: string[] }): MemberRecord {
    return this.world.updateMember(guildId, userId, patch);
  }

  // ------------------------------------------------------------------------- member activity

  /** A member posts in a guild channel or thread (dispatched as MESSAGE_CREATE). */
  say(guildId: string, channelId: string, authorId: string, content: string, opts: SayOptions = {}): MessageRecord {
    const channel = this.requireGuildChannel(guildId, channelId);
    this.requireMember(guildId, authorId);
    let text = content;
    for (const id of opts.mentions ?? []) if (!text.includes(`<@${id}>`)) text += ` <@${id}>`;
    const at = opts.at ?? Date.now();
    return this.world.postMessage({
      channelId: channel.id,
      authorId,
      content: text,
      at,
      embeds: opts.embeds ?? [],
      attachments: (opts.attachments ?? []).map((a) =>
        this.world.storeAttachment({
          channelId: channel.id,
          filename: a.filename,
          contentType: a.contentType ?? null,
          data: typeof a.data === 'string' ? Buffer.from(a.data) : a.data,
          at,
        }),
      ),
      reference: opts.replyTo
        ? {
            messageId: this.requireMessage(channel.id, opts.replyTo).id,
            channelId: channel.id,
            guildId,
            failIfNotExists: true,
          }
        : null,
    });
  }

  /** A user writes to the bot in DMs. */
  dm(userId: string, content: string, opts: { at?: number } = {}): MessageRecord {
    this.requireUser(userId);
    const channel = this.world.openDm(userId, opts.at);
    return this.world.postMessage({
      channelId: channel.id,
      authorId: userId,
      content,
      ...(opts.at ? { at: opts.at } : {}),
    });
  }

  /** A member edits their message (MESSAGE_UPDATE). */
  editMessage(messageId: string, content: string, opts: { at?: number } = {}): MessageRecord {
    const message = this.requireAnyMessage(messageId);
    return this.world.editMessage(message, { content }, opts.at);
  }

  deleteMessage(messageId: string): void {
    this.world.deleteMessage(this.requireAnyMessage(messageId));
  }

  /** A member opens a forum post: a public thread whose starter message has the thread's id. */
  openForumPost(
    guildId: string,
    forumChannelId: string,
    authorId: string,
    post: { title: string; content: string; tags?: string[]; at?: number },
  ): { thread: ChannelRecord; message: MessageRecord } {
    const forum = this.requireGuildChannel(guildId, forumChannelId);
    if (forum.type !== ChannelType.GuildForum) throw new Error(`sandbox: ${forumChannelId} is not a forum`);
    this.requireMember(guildId, authorId);
    const appliedTags = (post.tags ?? []).map((name) => {
      const tag = forum.availableTags.find((t) => t.name === name);
      if (!tag) throw new Error(`sandbox: forum has no tag "${name}"`);
      return tag.id;
    });
    const at = post.at ?? Date.now();
    const thread = this.world.createThread({
      parentId: forum.id,
      ownerId: authorId,
      name: post.title,
      type: ChannelType.PublicThread,
      at,
      appliedTags,
    });
    const message = this.world.postMessage({
      id: thread.id,
      channelId: thread.id,
      authorId,
      content: post.content,
      at,
    });
    return { thread, message };
  }

  /** A member starts a thread (public by default; `fromMessageId` makes it a thread on that message). */
  createThread(
    guildId: string,
    channelId: string,
    authorId: string,
    opts: { name: string; private?: boolean; fromMessageId?: string; at?: number; members?: string[] },
  ): ChannelRecord {
    const parent = this.requireGuildChannel(guildId, channelId);
    this.requireMember(guildId, authorId);
    if (opts.fromMessageId) this.requireMessage(parent.id, opts.fromMessageId);
    const thread = this.world.createThread({
      parentId: parent.id,
      ownerId: authorId,
      name: opts.name,
      type: opts.private ? ChannelType.PrivateThread : ChannelType.PublicThread,
      ...(opts.at ? { at: opts.at } : {}),
      ...(opts.fromMessageId ? { fromMessageId: opts.fromMessageId } : {}),
    });
    for (const userId of opts.members ?? []) this.world.addThreadMember(thread, userId, opts.at);
    return thread;
  }

  addThreadMember(threadId: string, userId: string, opts: { at?: number } = {}): void {
    this.world.addThreadMember(this.requireThread(threadId), userId, opts.at);
  }

  archiveThread(threadId: string, archived = true): void {
    this.world.updateThread(this.requireThread(threadId), { archived });
  }

  /** A member reacts. (`at` is accepted for symmetry; Discord reactions carry no time.) */
  react(channelId: string, messageId: string, userId: string, emoji: string, _opts: { at?: number } = {}): void {
    this.world.react(this.requireMessage(channelId, messageId), userId, parseEmoji(emoji), true);
  }

  unreact(channelId: string, messageId: string, userId: string, emoji: string): void {
    this.world.react(this.requireMessage(channelId, messageId), userId, parseEmoji(emoji), false);
  }

  /** A moderator applies a forum tag to a post (THREAD_UPDATE). */
  applyTag(threadId: string, tagName: string): void {
    const thread = this.requireThread(threadId);
    const forum = this.store.channel(thread.parentId!)!;
    const tag = forum.availableTags.find((t) => t.name === tagName);
    if (!tag) throw new Error(`sandbox: forum ${forum.name} has no tag "${tagName}"`);
    const applied = thread.thread!.appliedTags;
    if (!applied.includes(tag.id)) this.world.updateThread(thread, { appliedTags: [...applied, tag.id] });
  }

  // ---------------------------------------------------------------------------- interactions

  /**
   * A member runs a slash command the bot registered, e.g. `runCommand(g, c, u, 'convene status')`.
   * Resolves with the bot's answer once it replied (or, when deferred, once it edited @original or
   * followed up); rejects if it did not acknowledge within 3 s or answer within `timeoutMs`.
   */
  runCommand(
    guildId: string,
    channelId: string,
    userId: string,
    commandLine: string,
    options: Record<string, OptionInput> = {},
    opts: RunCommandOptions = {},
  ): Promise<InteractionResult> {
    this.requireGuildChannel(guildId, channelId);
    this.requireMember(guildId, userId);
    const data = buildCommandData(
      {
        store: this.store,
        world: this.world,
        guildId,
        channelId,
        userId,
        bypassDefaultPermissions: opts.bypassDefaultPermissions ?? false,
      },
      commandLine,
      options,
    );
    return this.hub.start({
      type: InteractionType.ApplicationCommand,
      name: `/${commandLine}`,
      guildId,
      channelId,
      userId,
      data,
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
  }

  /** A member clicks a button on a message (MESSAGE_COMPONENT). */
  /** Press a button; `guildId` null presses one on a DM (the channel must be the user's DM). */
  clickButton(
    guildId: string | null,
    channelId: string,
    messageId: string,
    userId: string,
    customId: string,
    opts: InvokeOptions = {},
  ): Promise<InteractionResult> {
    return this.component(guildId, channelId, messageId, userId, customId, 2, undefined, opts);
  }

  /** A member picks values in a string select menu. */
  selectOption(
    guildId: string,
    channelId: string,
    messageId: string,
    userId: string,
    customId: string,
    values: string[],
    opts: InvokeOptions = {},
  ): Promise<InteractionResult> {
    return this.component(guildId, channelId, messageId, userId, customId, 3, values, opts);
  }

  private component(
    guildId: string | null,
    channelId: string,
    messageId: string,
    userId: string,
    customId: string,
    componentType: number,
    values: string[] | undefined,
    opts: InvokeOptions,
  ): Promise<InteractionResult> {
    if (guildId) {
      this.requireGuildChannel(guildId, channelId);
      this.requireMember(guildId, userId);
    } else {
      // A button on a DM: only the DM's recipient can press it, and the interaction has no guild.
      const dm = this.channel(channelId);
      if (!dm || dm.recipientId !== userId) throw new Error(`sandbox: ${channelId} is not ${userId}'s DM channel`);
    }
    const message = this.requireMessage(channelId, messageId);
    const component = findComponent(message.components, customId);
    if (!component) throw new Error(`sandbox: message ${messageId} has no component "${customId}"`);
    if (component.type !== componentType)
      throw new Error(`sandbox: "${customId}" is a component of type ${component.type}`);
    if (component.disabled === true) throw new Error(`sandbox: "${customId}" is disabled`);
    return this.hub.start({
      type: InteractionType.MessageComponent,
      name: customId,
      guildId: guildId || null,
      channelId,
      userId,
      message,
      data: { custom_id: customId, component_type: componentType, ...(values ? { values } : {}) },
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
  }

  /** A member submits a modal the bot opened (callback type 9) with text input values by custom id. */
  submitModal(
    guildId: string,
    channelId: string,
    userId: string,
    customId: string,
    values: Record<string, string>,
    opts: InvokeOptions = {},
  ): Promise<InteractionResult> {
    this.requireGuildChannel(guildId, channelId);
    this.requireMember(guildId, userId);
    const modal = this.hub.modals.get(customId);
    if (!modal) throw new Error(`sandbox: the bot never opened a modal "${customId}"`);
    const source = modal.sourceMessageId ? this.store.messages.get(modal.sourceMessageId) : undefined;
    return this.hub.start({
      type: InteractionType.ModalSubmit,
      name: customId,
      guildId,
      channelId,
      userId,
      ...(source ? { message: source } : {}),
      data: { custom_id: customId, components: fillModal(modal.components, values) },
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
  }

  /** Every interaction started, with its ack time, result, and `failed` reason if the bot was too slow. */
  get interactions(): readonly InteractionRecord[] {
    return this.hub.records;
  }

  get failedInteractions(): InteractionRecord[] {
    return this.hub.failures;
  }

  // ------------------------------------------------------------------------------ inspection

  /** Messages in a channel or thread, oldest first (ephemeral replies only when asked). */
  messagesIn(channelId: string, opts: { includeEphemeral?: boolean } = {}): MessageRecord[] {
    if (!opts.includeEphemeral) return this.store.history(channelId);
    return (this.store.channelMessages.get(channelId) ?? [])
      .map((id) => this.store.messages.get(id)!)
      .filter((m) => !m.deleted);
  }

  message(messageId: string): MessageRecord | undefined {
    return this.store.messages.get(messageId);
  }

  /** What the bot sent to this user in DMs, oldest first. */
  dmsTo(userId: string): MessageRecord[] {
    const channelId = this.store.dmChannels.get(userId);
    return channelId ? this.store.history(channelId).filter((m) => m.authorId === this.botUserId) : [];
  }

  threadsIn(channelId: string): ChannelRecord[] {
    return this.store.threadsOf(channelId);
  }

  channel(channelId: string): ChannelRecord | undefined {
    return this.store.channel(channelId);
  }

  guild(guildId: string): GuildRecord | undefined {
    return this.store.guild(guildId);
  }

  user(userId: string): UserRecord | undefined {
    return this.store.user(userId);
  }

  member(guildId: string, userId: string): MemberRecord | undefined {
    return this.store.member(guildId, userId);
  }

  memberRoles(guildId: string, userId: string): string[] {
    return [...(this.store.member(guildId, userId)?.roles ?? [])];
  }

  /** Registered commands as Discord returns them: global ones without a guild id, else that guild's. */
  commands(guildId?: string): Record<string, unknown>[] {
    return [...this.store.commands.values()].filter((c) => c.guildId === (guildId ?? null)).map(renderCommand);
  }

  get rateLimitHits(): RateLimitCounts {
    return this.rateLimiter.counts;
  }

  /** The next `count` requests (optionally only those whose "METHOD /path" matches `route`) get a 429. */
  forceRateLimit(rule: ForcedRateLimit): void {
    this.rateLimiter.force(rule);
  }

  /**
   * The next `count` requests (optionally only those whose "METHOD /path" matches `route`) are answered
   * with `status` and `body`, as Discord answers a request it refuses (400 Invalid Form Body, 500…).
   */
  forceFailure(rule: ForcedFailure): void {
    this.failures.push({ ...rule });
  }

  /**
   * Fault tests: `hook` sees every routed REST request before and after it is handled; when it
   * returns true the connection drops there, unanswered (the test kills the bot in the hook). Null
   * removes it.
   */
  onRequest(hook: CrashPoint | null): void {
    this.crashPoint.hook = hook;
  }

  /**
   * Requests whose "METHOD /path" matches `route` wait, unanswered, until `release()` (a slow
   * Discord, held as long as a test needs: keep it under the client's request timeout, 15 s for
   * discord.js). `arrived()` counts the requests that came meanwhile.
   */
  holdRequests(route: string | RegExp): { arrived(): number; release(): void } {
    let release!: () => void;
    const hold: HeldRoute = { route, released: new Promise<void>((r) => (release = r)), arrived: 0 };
    this.held.push(hold);
    return {
      arrived: () => hold.arrived,
      release: () => {
        const at = this.held.indexOf(hold);
        if (at >= 0) this.held.splice(at, 1);
        release();
      },
    };
  }

  /** Polls `predicate` until it returns something truthy, and resolves with that. */
  async waitFor<T>(predicate: () => T | undefined | null | false, opts: WaitForOptions | number = {}): Promise<T> {
    const { timeoutMs = 5000, intervalMs = 10, description } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`sandbox.waitFor timed out after ${timeoutMs} ms${description ? `: ${description}` : ''}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  // --------------------------------------------------------------------------------- gateway

  /** op 7 RECONNECT to every connected session. */
  sendReconnect(): void {
    this.gateway.sendReconnect();
  }

  /** op 9 INVALID_SESSION (d = resumable) to every connected session. */
  sendInvalidSession(resumable: boolean): void {
    this.gateway.sendInvalidSession(resumable);
  }

  /** While on, every new gateway connection is cut before the handshake (the gateway is unreachable). */
  refuseGatewayConnections(refuse: boolean): void {
    this.gateway.refuseConnections = refuse;
  }

  /**
   * Sends a dispatch exactly as given to every connected session (guildId routes it to a shard): for
   * payloads a real server might send that the emulator's own model never produces.
   */
  dispatchRaw(t: string, data: unknown, guildId: string | null = null): void {
    this.gateway.dispatch({ t, guildId, intents: 0, data: () => data });
  }

  /** Drops every gateway connection (cut without a code; clean close with one); sessions stay resumable. */
  disconnectAll(code?: number): void {
    this.gateway.disconnectAll(code);
  }

  get gatewayStats(): GatewayStats {
    return this.gateway.stats;
  }

  get connectedSessions(): number {
    return this.gateway.liveSessionCount;
  }

  async close(): Promise<void> {
    this.hub.close();
    await this.gateway.close();
    await this.http.close();
  }

  // --------------------------------------------------------------------------------- helpers

  private requireGuild(guildId: string): GuildRecord {
    const guild = this.store.guild(guildId);
    if (!guild) throw new Error(`sandbox: no guild ${guildId}`);
    return guild;
  }

  private requireUser(userId: string): UserRecord {
    const user = this.store.user(userId);
    if (!user) throw new Error(`sandbox: no user ${userId}`);
    return user;
  }

  private requireMember(guildId: string, userId: string): MemberRecord {
    const member = this.store.member(guildId, userId);
    if (!member) throw new Error(`sandbox: ${userId} is not a member of guild ${guildId}`);
    return member;
  }

  private requireGuildChannel(guildId: string, channelId: string): ChannelRecord {
    const channel = this.store.channel(channelId);
    if (!channel || channel.guildId !== guildId)
      throw new Error(`sandbox: no channel ${channelId} in guild ${guildId}`);
    return channel;
  }

  private requireThread(threadId: string): ChannelRecord {
    const thread = this.store.channel(threadId);
    if (!thread?.thread) throw new Error(`sandbox: ${threadId} is not a thread`);
    return thread;
  }

  private requireMessage(channelId: string, messageId: string): MessageRecord {
    const message = this.store.message(channelId, messageId);
    if (!message) throw new Error(`sandbox: no message ${messageId} in channel ${channelId}`);
    return message;
  }

  private requireAnyMessage(messageId: string): MessageRecord {
    const message = this.store.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`sandbox: no message ${messageId}`);
    return message;
  }
}

function parseEmoji(emoji: string): { id: string | null; name: string } {
  const custom = /^<?a?:?([\w~-]+):(\d+)>?$/.exec(emoji);
  return custom ? { id: custom[2]!, name: custom[1]! } : { id: null, name: emoji };
}

export async function startDiscordSandbox(options: DiscordSandboxOptions = {}): Promise<DiscordSandbox> {
  return new DiscordSandbox(options).listen(options.port ?? 0);
}
