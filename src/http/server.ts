/**
 * The bot's one HTTP server (fastify): `GET /healthz` and whatever routes platforms register
 * (Discourse webhooks). Bound to 127.0.0.1 by default: put a reverse proxy with TLS in front of it.
 *
 * Fastify needs every route before it listens, so the server is created, platforms register on it,
 * then it listens: `createHttpServer` → `route(...)` → `listen()`, or `startHttpServer` in one call.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Deps } from '../commands.js';
import { Rejections } from './rejections.js';

/**
 * What a client may hold of the process. Webhook senders (Discourse) post one small body at once and
 * close; nothing legitimate needs minutes, megabytes or hundreds of sockets, so a flood or a
 * slow-loris client is cut off here instead of growing the process.
 */
export interface HttpLimits {
  /** Headers and body must have arrived within this, else 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** Headers must have arrived within this (Node's slow-loris guard). */
  headersTimeoutMs: number;
  /** A socket silent for this long is closed. */
  idleTimeoutMs: number;
  /** How long a finished connection is kept for a next request. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the request and header timeouts. */
  timeoutCheckMs: number;
  /** Connections beyond this are dropped as they arrive. */
  maxConnections: number;
  maxRequestsPerSocket: number;
  /** Body limit of routes that do not set their own (/healthz has no body at all). */
  bodyLimit: number;
  /** Refused requests are summarised in one log line per this period. */
  rejectionSummaryMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckMs: 2_000,
  // Discourse delivers from a few Sidekiq threads (5 by default); 32 leaves room for a proxy and
  // health probes while bounding what buffered bodies can cost (32 × the webhook's 512 KiB = 16 MiB).
  maxConnections: 32,
  maxRequestsPerSocket: 100,
  bodyLimit: 16 * 1024,
  rejectionSummaryMs: 60_000,
};

export interface HttpOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  limits?: Partial<HttpLimits>;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /** Count a request a route refused (bad signature, malformed…): summarised, never one line each. */
  readonly rejections: Rejections;
  /** Add routes; only before listen(). */
  route(register: (app: FastifyInstance) => void | Promise<void>): void;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/**
 * What /healthz answers: which platforms are up, since when the process runs, and any problem the
 * process knows of (a failing database write, a refused command sync…): one of those makes it 503.
 */
export function health(deps: Pick<Deps, 'status'>) {
  const platforms = Object.fromEntries(
    Object.entries(deps.status.platforms).map(([name, state]) => [
      name,
      { up: state?.connected ?? false, ...(state?.detail ? { detail: state.detail } : {}) },
    ]),
  );
  const up = Object.values(platforms).some((p) => p.up);
  const problems = deps.status.problems ?? {};
  const ok = up && Object.keys(problems).length === 0;
  // Which Discord shards this process runs and whether each is connected (several processes share them).
  const shards = deps.status.shards && {
    count: deps.status.shards.count,
    running: Object.entries(deps.status.shards.running).map(([id, state]) => ({
      id: Number(id),
      up: state.connected,
      ...(state.detail ? { detail: state.detail } : {}),
    })),
  };
  return {
    ok,
    startedAt: new Date(deps.status.startedAt).toISOString(),
    platforms,
    ...(shards ? { shards } : {}),
    ...(Object.keys(problems).length ? { problems } : {}),
  };
}

/**
 * One info line per request would drown the log on a busy forum: requests go to debug, server errors
 * stay errors, and requests refused for the client's fault (413, 404…) are counted, not logged one by one.
 */
class QuietRequests extends LogController {
  constructor(private readonly rejections: Rejections) {
    super();
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, 'http: request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const detail = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime };
    if (error && reply.statusCode >= 500) reply.log.error({ ...detail, err: error }, 'http: request failed');
    else reply.log.debug(detail, 'http: answered');
  }

  override defaultErrorLog(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) {
      reply.log.error({ method: request.method, url: request.url, err: error }, 'http: request failed');
      return;
    }
    const reason =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'body too large'
        : `${reply.statusCode} ${error.code ?? error.message}`;
    this.rejections.count(reason, { method: request.method, url: request.url });
  }

  override routeNotFound(request: FastifyRequest): void {
    this.rejections.count('no such route', { method: request.method, url: request.url });
  }
}

export function createHttpServer(deps: Pick<Deps, 'status' | 'log'>, options: HttpOptions): HttpServer {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const log = deps.log.child({ module: 'http' });
  const rejections = new Rejections(log, limits.rejectionSummaryMs);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new QuietRequests(rejections),
    bodyLimit: limits.bodyLimit,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckMs },
    // Stopping must not wait for a slow client to finish its upload.
    forceCloseConnections: true,
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      // A reset socket is gone already; anything else is a client that broke HTTP or ran out of time.
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, reason] =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', 'request timeout']
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? ['431 Request Header Fields Too Large', 'headers too large']
            : ['400 Bad Request', 'malformed HTTP'];
      rejections.count(reason);
      if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    },
  });
  app.server.maxConnections = limits.maxConnections;
  app.server.on('drop', (data) => rejections.count('too many connections', { remote: data?.remoteAddress }));
  // A refused request's body is not worth reading: close the connection instead of draining the upload.
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode >= 400 && reply.statusCode < 500) reply.header('connection', 'close');
  });
  app.get('/healthz', async (_request, response) => {
    const body = health(deps);
    return response.code(body.ok ? 200 : 503).send(body);
  });
  let listening = false;
  return {
    app,
    rejections,
    route(register) {
      if (listening) throw new Error('routes must be registered before the HTTP server listens');
      app.register(async (scope) => {
        await register(scope);
      });
    },
    async listen() {
      listening = true;
      const host = options.host ?? '127.0.0.1';
      await app.listen({ port: options.port, host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      deps.log.info({ host, port }, 'http: listening');
      return { port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
    },
    async close() {
      rejections.flush();
      await app.close();
    },
  };
}

/** Create, let `register` add routes, and listen. */
export async function startHttpServer(
  deps: Pick<Deps, 'status' | 'log'>,
  options: HttpOptions,
  register: (app: FastifyInstance) => void | Promise<void> = () => {},
): Promise<HttpServer & { port: number; url: string }> {
  const server = createHttpServer(deps, options);
  server.route(register);
  const { port, url } = await server.listen();
  return Object.assign(server, { port, url });
}
