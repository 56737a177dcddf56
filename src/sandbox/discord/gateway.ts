/**
 * The Discord gateway over a real WebSocket (`ws`): HELLO, IDENTIFY (token and intent checks, READY,
 * GUILD_CREATE per guild), HEARTBEAT/ACK, RESUME with replay of missed dispatches, REQUEST_GUILD_MEMBERS,
 * and intent-filtered dispatch with increasing sequence numbers. JSON encoding; zlib-stream and
 * identify-compress are honoured if a client asks (discord.js only does when zlib-sync is installed).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { type WebSocket, WebSocketServer } from 'ws';
import { IdentifyLimit } from './identifyLimit.js';
import { applicationFlags, disallowedIntents, Intent, VALID_INTENTS } from './intents.js';
import type { DiscordStore } from './model.js';
import { renderGuildCreate, renderMember, renderUser } from './render.js';

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

export const CloseCode = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  RateLimited: 4008,
  InvalidShard: 4010,
  ShardingRequired: 4011,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** How long a dropped session can still be resumed (Discord keeps it for a few minutes). */
  resumeWindowMs: number;
  /** Dispatches kept per session for RESUME replay. */
  maxBufferedEvents: number;
  /** Discord: a shard may hold at most 2,500 guilds; IDENTIFY beyond that closes with 4011. */
  maxGuildsPerShard: number;
  /** IDENTIFYs allowed per 5 s per bucket (shard id modulo this), as GET /gateway/bot reports it. */
  maxConcurrency: number;
  /** Answer an IDENTIFY over that limit with op 9 INVALID_SESSION, as Discord does. */
  enforceIdentifyLimit: boolean;
}

/** What a dispatch builder may look at to shape its payload for one session. */
export interface SessionView {
  readonly intents: number;
}

export interface DispatchSpec {
  t: string;
  /** For shard routing; null goes to shard 0 (DMs). */
  guildId: string | null;
  /** The session needs at least one of these intent bits; 0 means every session gets it. */
  intents: number;
  /** Payload for this session, or undefined to skip it. */
  data: (session: SessionView) => unknown;
}

interface Session extends SessionView {
  id: string;
  intents: number;
  shard: [number, number];
  seq: number;
  buffer: { s: number; text: string }[];
  conn: Connection | null;
  disconnectedAt: number | null;
  largeThreshold: number;
}

interface Connection {
  ws: WebSocket;
  session: Session | null;
  compressStream: zlib.Deflate | null;
  compressPayloads: boolean;
  sendChain: Promise<void>;
  commandTimes: number[];
}

export interface GatewayStats {
  connections: number;
  /** Connections cut at once while the gateway was refusing (see `refuseConnections`). */
  refused: number;
  identifies: number;
  /** IDENTIFYs refused with op 9 for coming too soon after another in their bucket (see enforceIdentifyLimit). */
  identifiesTooSoon: number;
  resumes: number;
  /** Close codes the emulator sent, in order (4004, 4014, …). */
  closeCodes: number[];
  /** Close codes clients sent when they closed. */
  clientCloseCodes: number[];
}

/** Discord: 120 gateway commands per 60 s per connection, else close 4008. */
const COMMAND_LIMIT = 120;
const COMMAND_WINDOW_MS = 60_000;

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  readonly stats: GatewayStats = {
    connections: 0,
    refused: 0,
    identifies: 0,
    identifiesTooSoon: 0,
    resumes: 0,
    closeCodes: [],
    clientCloseCodes: [],
  };
  /** Test hook: cut every new connection before the WebSocket handshake (an unreachable gateway). */
  refuseConnections = false;
  private readonly identifyLimit: IdentifyLimit;

  constructor(
    private readonly store: DiscordStore,
    private readonly options: GatewayOptions,
    private readonly resumeUrl: () => string,
  ) {
    this.identifyLimit = new IdentifyLimit(options.maxConcurrency, options.enforceIdentifyLimit);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.refuseConnections) {
      this.stats.refused++;
      socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const version = url.searchParams.get('v') ?? '10';
    const encoding = url.searchParams.get('encoding') ?? 'json';
    const compress = url.searchParams.get('compress');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Connection = {
        ws,
        session: null,
        compressStream: compress === 'zlib-stream' ? zlib.createDeflate({ chunkSize: 65535 }) : null,
        compressPayloads: false,
        sendChain: Promise.resolve(),
        commandTimes: [],
      };
      this.connections.add(conn);
      this.stats.connections++;
      ws.on('message', (raw, isBinary) => this.onMessage(conn, raw as Buffer, isBinary));
      ws.on('close', (code) => this.onClose(conn, code));
      ws.on('error', () => {
        // A reset socket also emits 'close', where the session is detached; nothing else to do here.
      });
      if (version !== '10' && version !== '9')
        return void this.closeConnection(conn, CloseCode.InvalidApiVersion, 'Invalid API version');
      if (encoding !== 'json')
        return void this.closeConnection(conn, CloseCode.DecodeError, 'Only json encoding is emulated');
      this.send(conn, {
        op: Op.Hello,
        d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['["sandbox-gateway",{}]'] },
      });
    });
  }

  /** Sends a dispatch to every session whose intents and shard cover it (buffered for resume if offline). */
  dispatch(spec: DispatchSpec): void {
    this.pruneExpired();
    for (const session of this.sessions.values()) {
      if (spec.intents !== 0 && (session.intents & spec.intents) === 0) continue;
      if (!this.onShard(session, spec.guildId)) continue;
      const d = spec.data(session);
      if (d === undefined) continue;
      this.dispatchTo(session, spec.t, d);
    }
  }

  /** Test hook: op 7 RECONNECT to every live connection (the client should resume). */
  sendReconnect(): void {
    for (const conn of this.connections) if (conn.session) this.send(conn, { op: Op.Reconnect, d: null });
  }

  /** Test hook: op 9 INVALID_SESSION; when not resumable the session is forgotten and must re-identify. */
  sendInvalidSession(resumable: boolean): void {
    for (const conn of this.connections) {
      if (!conn.session) continue;
      if (!resumable) {
        this.sessions.delete(conn.session.id);
        conn.session = null;
      }
      this.send(conn, { op: Op.InvalidSession, d: resumable });
    }
  }

  /**
   * Test hook: drops every connection. Without a code the socket is cut (the client sees 1006);
   * with a code it is closed cleanly with it. Sessions stay resumable either way.
   */
  disconnectAll(code?: number): void {
    for (const conn of [...this.connections]) {
      this.detach(conn);
      if (code === undefined) conn.ws.terminate();
      else void this.closeConnection(conn, code, 'Disconnected by the sandbox');
    }
  }

  get liveSessionCount(): number {
    return [...this.sessions.values()].filter((s) => s.conn !== null).length;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async closeConnection(conn: Connection, code: number, reason: string): Promise<void> {
    this.stats.closeCodes.push(code);
    // Let queued (compressed) payloads go out first, so e.g. an INVALID_SESSION is not lost.
    await conn.sendChain;
    conn.ws.close(code, reason);
  }

  private onShard(session: Session, guildId: string | null): boolean {
    return onShard(session.shard, guildId);
  }

  /** The guilds the bot is in. */
  botGuildIds(): string[] {
    const bot = this.store.application.botUserId;
    return [...this.store.guilds.values()].filter((g) => g.members.has(bot)).map((g) => g.id);
  }

  /** GET /gateway/bot's `shards`: the fewest that keep every shard within the limit. */
  recommendedShards(): number {
    return Math.max(1, Math.ceil(this.botGuildIds().length / this.options.maxGuildsPerShard));
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq++;
    const text = JSON.stringify({ op: Op.Dispatch, t, s: session.seq, d });
    session.buffer.push({ s: session.seq, text });
    if (session.buffer.length > this.options.maxBufferedEvents) session.buffer.shift();
    if (session.conn) this.sendText(session.conn, text);
  }

  private pruneExpired(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (s.conn === null && s.disconnectedAt !== null && now - s.disconnectedAt > this.options.resumeWindowMs) {
        this.sessions.delete(id);
      }
    }
  }

  private send(conn: Connection, payload: unknown): void {
    this.sendText(conn, JSON.stringify(payload));
  }

  private sendText(conn: Connection, text: string): void {
    if (conn.compressStream) {
      const stream = conn.compressStream;
      conn.sendChain = conn.sendChain.then(
        () =>
          new Promise<void>((resolve) => {
            const chunks: Buffer[] = [];
            const onData = (chunk: Buffer) => chunks.push(chunk);
            stream.on('data', onData);
            stream.write(text);
            // zlib-stream: one shared deflate context, each payload ends with a Z_SYNC_FLUSH marker.
            stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              stream.off('data', onData);
              if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(Buffer.concat(chunks));
              resolve();
            });
          }),
      );
      return;
    }
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (conn.compressPayloads) conn.ws.send(zlib.deflateSync(text));
    else conn.ws.send(text);
  }

  private detach(conn: Connection): void {
    if (conn.session && conn.session.conn === conn) {
      conn.session.conn = null;
      conn.session.disconnectedAt = Date.now();
    }
    this.connections.delete(conn);
  }

  private onClose(conn: Connection, code: number): void {
    this.stats.clientCloseCodes.push(code);
    const session = conn.session;
    this.detach(conn);
    // Discord: a client closing with 1000/1001 ends its session; any other code keeps it resumable.
    if (session && session.conn === null && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
    conn.compressStream?.close();
  }

  private onMessage(conn: Connection, raw: Buffer, isBinary: boolean): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(isBinary ? zlib.inflateSync(raw).toString() : raw.toString());
    } catch {
      void this.closeConnection(conn, CloseCode.DecodeError, 'Decode error');
      return;
    }
    if (typeof payload !== 'object' || payload === null) {
      void this.closeConnection(conn, CloseCode.DecodeError, 'Decode error');
      return;
    }
    // Heartbeats are left out of the 120-per-minute count: tests use intervals far below Discord's 41 s.
    if (payload.op !== Op.Heartbeat) {
      const now = Date.now();
      conn.commandTimes = conn.commandTimes.filter((t) => now - t < COMMAND_WINDOW_MS);
      conn.commandTimes.push(now);
      if (conn.commandTimes.length > COMMAND_LIMIT) {
        void this.closeConnection(conn, CloseCode.RateLimited, 'You are being rate limited.');
        return;
      }
    }
    const d = (payload.d ?? {}) as Record<string, unknown>;
    switch (payload.op) {
      case Op.Heartbeat:
        this.send(conn, { op: Op.HeartbeatAck });
        return;
      case Op.Identify:
        this.identify(conn, d);
        return;
      case Op.Resume:
        this.resume(conn, d);
        return;
      case Op.RequestGuildMembers:
        if (!conn.session) return void this.closeConnection(conn, CloseCode.NotAuthenticated, 'Not authenticated.');
        this.requestGuildMembers(conn.session, d);
        return;
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestSoundboardSounds:
        if (!conn.session) void this.closeConnection(conn, CloseCode.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        void this.closeConnection(conn, CloseCode.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private tokenMatches(token: unknown): boolean {
    const expected = this.store.application.token;
    return token === expected || token === `Bot ${expected}`;
  }

  private identify(conn: Connection, d: Record<string, unknown>): void {
    if (conn.session) return void this.closeConnection(conn, CloseCode.AlreadyAuthenticated, 'Already authenticated.');
    if (!this.tokenMatches(d.token))
      return void this.closeConnection(conn, CloseCode.AuthenticationFailed, 'Authentication failed.');
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || (intents & ~VALID_INTENTS) !== 0) {
      return void this.closeConnection(conn, CloseCode.InvalidIntents, 'Invalid intent(s).');
    }
    if (disallowedIntents(intents, this.store.application.privilegedIntents) !== 0) {
      return void this.closeConnection(conn, CloseCode.DisallowedIntents, 'Disallowed intent(s).');
    }
    const shard = Array.isArray(d.shard) ? (d.shard as number[]) : [0, 1];
    const [shardId = 0, shardCount = 1] = shard;
    if (shardCount < 1 || shardId < 0 || shardId >= shardCount) {
      return void this.closeConnection(conn, CloseCode.InvalidShard, 'Invalid shard.');
    }
    const app = this.store.application;
    const guildIds = this.botGuildIds().filter((id) => onShard([shardId, shardCount], id));
    if (guildIds.length > this.options.maxGuildsPerShard) {
      return void this.closeConnection(conn, CloseCode.ShardingRequired, 'Sharding required.');
    }
    if (this.identifyLimit.tooSoon(shardId)) {
      this.stats.identifiesTooSoon++;
      return void this.send(conn, { op: Op.InvalidSession, d: false });
    }
    conn.compressPayloads = d.compress === true && !conn.compressStream;
    this.stats.identifies++;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard: [shardId, shardCount],
      seq: 0,
      buffer: [],
      conn,
      disconnectedAt: null,
      largeThreshold: typeof d.large_threshold === 'number' ? d.large_threshold : 50,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    this.dispatchTo(session, 'READY', {
      v: 10,
      user: { ...renderUser(this.store.botUser), verified: true, mfa_enabled: false, email: null },
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.resumeUrl(),
      shard: session.shard,
      application: { id: app.id, flags: applicationFlags(app.privilegedIntents) },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      auth: {},
      _trace: ['["sandbox-gateway",{}]'],
    });
    if (intents & Intent.Guilds) {
      for (const id of guildIds) this.dispatchTo(session, 'GUILD_CREATE', this.guildCreate(session, id));
    }
  }

  /** GUILD_CREATE for one session: every member only with GUILD_PRESENCES in a small guild, as Discord. */
  guildCreate(session: SessionView & { largeThreshold?: number }, guildId: string): unknown {
    const guild = this.store.guild(guildId)!;
    const small = guild.members.size <= (session.largeThreshold ?? 50);
    return renderGuildCreate(this.store, guild, {
      allMembers: (session.intents & Intent.GuildPresences) !== 0 && small,
    });
  }

  private resume(conn: Connection, d: Record<string, unknown>): void {
    if (!this.tokenMatches(d.token))
      return void this.closeConnection(conn, CloseCode.AuthenticationFailed, 'Authentication failed.');
    this.pruneExpired();
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    const seq = typeof d.seq === 'number' ? d.seq : -1;
    const oldest = session?.buffer[0]?.s ?? (session ? session.seq + 1 : 0);
    // Discord: an unknown/expired session, or a seq we no longer have the events after, cannot resume.
    if (!session || seq > session.seq || seq < oldest - 1) {
      this.send(conn, { op: Op.InvalidSession, d: false });
      return;
    }
    if (session.conn && session.conn !== conn) {
      const previous = session.conn;
      this.detach(previous);
      previous.ws.terminate();
    }
    session.conn = conn;
    session.disconnectedAt = null;
    conn.session = session;
    this.stats.resumes++;
    for (const event of session.buffer) if (event.s > seq) this.sendText(conn, event.text);
    this.dispatchTo(session, 'RESUMED', { _trace: ['["sandbox-gateway",{}]'] });
  }

  private requestGuildMembers(session: Session, d: Record<string, unknown>): void {
    const guildId = String(d.guild_id);
    const guild = this.store.guild(guildId);
    if (!guild) return;
    const nonce = typeof d.nonce === 'string' && d.nonce.length <= 32 ? d.nonce : undefined;
    const userIds = Array.isArray(d.user_ids)
      ? d.user_ids.map(String)
      : typeof d.user_ids === 'string'
        ? [d.user_ids]
        : null;
    const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
    const limit = typeof d.limit === 'number' ? d.limit : 0;
    const all = [...guild.members.values()];
    let members = all;
    const notFound: string[] = [];
    if (userIds) {
      members = all.filter((m) => userIds.includes(m.userId));
      for (const id of userIds) if (!guild.members.has(id)) notFound.push(id);
    } else if (query !== '') {
      members = all
        .filter((m) => {
          const user = this.store.user(m.userId)!;
          return user.username.toLowerCase().startsWith(query) || (m.nick ?? '').toLowerCase().startsWith(query);
        })
        .slice(0, Math.min(limit || 100, 100));
    } else {
      // Discord: the whole member list needs the GUILD_MEMBERS intent.
      if ((session.intents & Intent.GuildMembers) === 0) {
        if (session.conn) void this.closeConnection(session.conn, CloseCode.InvalidIntents, 'Invalid intent(s).');
        return;
      }
      if (limit > 0) members = all.slice(0, limit);
    }
    const chunkSize = 1000;
    const count = Math.max(1, Math.ceil(members.length / chunkSize));
    for (let i = 0; i < count; i++) {
      this.dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
        guild_id: guildId,
        members: members.slice(i * chunkSize, (i + 1) * chunkSize).map((m) => renderMember(this.store, m)),
        chunk_index: i,
        chunk_count: count,
        ...(i === 0 && notFound.length > 0 ? { not_found: notFound } : {}),
        ...(d.presences === true ? { presences: [] } : {}),
        ...(nonce !== undefined ? { nonce } : {}),
      });
    }
  }
}

/** Discord's routing: a guild is on shard (guild_id >> 22) % count; DMs (null) on shard 0. */
function onShard([id, count]: readonly [number, number], guildId: string | null): boolean {
  if (count <= 1) return true;
  if (guildId === null) return id === 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
}
