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

export interface HttpOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
}

export interface HttpServer {
  readonly app: FastifyInstance;
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
  return {
    ok,
    startedAt: new Date(deps.status.startedAt).toISOString(),
    platforms,
    ...(Object.keys(problems).length ? { problems } : {}),
  };
}

/** One info line per request would drown the log on a busy forum: requests go to debug, errors stay errors. */
class QuietRequests extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, 'http: request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const detail = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime };
    if (error) reply.log.error({ ...detail, err: error }, 'http: request failed');
    else reply.log.debug(detail, 'http: answered');
  }
}

export function createHttpServer(deps: Pick<Deps, 'status' | 'log'>, options: HttpOptions): HttpServer {
  const app = Fastify({
    loggerInstance: deps.log.child({ module: 'http' }) as FastifyBaseLogger,
    logController: new QuietRequests(),
  });
  app.get('/healthz', async (_request, response) => {
    const body = health(deps);
    return response.code(body.ok ? 200 : 503).send(body);
  });
  let listening = false;
  return {
    app,
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
    close: () => app.close(),
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
