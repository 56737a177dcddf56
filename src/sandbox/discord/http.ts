/**
 * The HTTP side: one node:http server on 127.0.0.1 for REST (`/api[/v10]/…`), attachment downloads
 * (`/attachments/…`) and the gateway upgrade (`/gateway`). Each REST call is authenticated, rate
 * limited, routed, answered with Discord's shapes, and recorded for the tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordHttpError, invalidJson, NOT_FOUND_BODY, UNAUTHORIZED_BODY } from './errors.js';
import type { Gateway } from './gateway.js';
import type { DiscordStore } from './model.js';
import type { RateLimiter } from './rateLimiter.js';
import type { RestResponse, Router } from './router.js';
import type { UploadedFile } from './uploads.js';

export interface RecordedRequest {
  at: number;
  method: string;
  /** Path without `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  /** Route template key, e.g. `POST /channels/:channel_id/messages`; null for unknown routes. */
  route: string | null;
  query: Record<string, string>;
  /** JSON body, or the parsed `payload_json` of a multipart body. */
  body: unknown;
  files: { field: string; filename: string; contentType: string | null; size: number }[];
  status: number;
  response: unknown;
}

/** The next `count` requests whose "METHOD /path" matches `route` are answered `status` (a test hook). */
export interface ForcedFailure {
  count: number;
  status: number;
  /** Discord's error body; default `{ message, code: 0 }` for the status. */
  body?: unknown;
  route?: string | RegExp;
}

/**
 * A test hook called for each routed REST request, before its handler runs ('before') and after it
 * ran but before the answer is sent ('after'). Returning true drops the connection there without an
 * answer: what a caller sees when it dies at that moment (fault tests kill the bot from here).
 * Returning `{ status }` answers that error instead ('after': Discord did it, then said 500).
 */
export type CrashPoint = (
  request: { method: string; route: string; path: string },
  phase: 'before' | 'after',
) => boolean | { status: number };

/** Requests whose "METHOD /path" matches `route` wait until `released` resolves (a test hook). */
export interface HeldRoute {
  route: string | RegExp;
  released: Promise<void>;
  /** How many matching requests arrived (each waits for the release). */
  arrived: number;
}

export interface HttpDeps {
  /** See CrashPoint; null when no test set one. */
  crashPoint: { hook: CrashPoint | null };
  held: HeldRoute[];
  store: DiscordStore;
  failures: ForcedFailure[];
  router: Router;
  rateLimiter: RateLimiter;
  gateway: Gateway;
  requests: RecordedRequest[];
  unknownRoutes: RecordedRequest[];
  /** Who a member token belongs to (routes with `auth: 'member'`). */
  members: { userFor(authorization: string | undefined): string | undefined };
}

/** Serves paths outside the API (the demo's web page); answers false for paths it does not serve. */
export type PageHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const API_PREFIX = /^\/api(?:\/v(\d+))?(?=\/)/;

export class HttpServer {
  readonly server: Server;
  private page: PageHandler | null = null;

  constructor(private readonly deps: HttpDeps) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        console.error('sandbox: request failed', error);
        if (!res.headersSent) send(res, 500, { message: '500: Internal Server Error', code: 0 });
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path.startsWith('/gateway')) deps.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  /** Serve a page beside the API (the demo's web page). */
  servePage(handler: PageHandler): void {
    this.page = handler;
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) return this.serveAttachment(url.pathname, res);
    if (this.page && !API_PREFIX.test(url.pathname) && (await this.page(req, res, url))) return;
    const raw = await readBody(req);
    const prefix = API_PREFIX.exec(url.pathname);
    // Decoded ("/users/@me", "/reactions/👋/@me") so tests and forced 429 rules can match what they read.
    const path = decodePath(prefix ? url.pathname.slice(prefix[0].length) : url.pathname);
    const record: RecordedRequest = {
      at: Date.now(),
      method,
      path,
      route: null,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      files: [],
      status: 0,
      response: undefined,
    };
    const finish = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      record.response = body;
      this.deps.requests.push(record);
      send(res, status, body, headers);
    };

    let json: unknown;
    let body: Record<string, unknown> = {};
    let files: UploadedFile[] = [];
    try {
      ({ json, body, files } = await parseBody(req.headers['content-type'], raw));
    } catch (error) {
      if (error instanceof DiscordHttpError) return finish(error.status, error.body);
      throw error;
    }
    record.body = json;
    record.files = files.map((f) => ({
      field: f.field,
      filename: f.filename,
      contentType: f.contentType,
      size: f.data.length,
    }));

    const match = prefix ? this.deps.router.match(method, path) : undefined;
    if (!match) {
      this.deps.unknownRoutes.push(record);
      return finish(404, NOT_FOUND_BODY);
    }
    record.route = match.route.key;
    if (match.route.auth === 'bot' && !this.authorized(req)) return finish(401, UNAUTHORIZED_BODY);
    const caller = match.route.auth === 'member' ? this.deps.members.userFor(req.headers.authorization) : undefined;
    if (match.route.auth === 'member' && !caller) return finish(401, UNAUTHORIZED_BODY);

    const hold = this.deps.held.find((h) => matches(h.route, `${method} ${path}`));
    if (hold) {
      hold.arrived++;
      await hold.released;
    }
    const failure = takeFailure(this.deps.failures, `${method} ${path}`);
    if (failure)
      return finish(failure.status, failure.body ?? { message: `${failure.status}: Forced by the test`, code: 0 });

    const decision = this.deps.rateLimiter.check({
      method,
      path,
      route: match.route.key,
      major: match.major,
      exemptFromGlobal: match.route.globalExempt,
    });
    if (decision.limited) return finish(429, decision.body, decision.headers);

    const point = { method, route: match.route.key, path };
    const early = this.deps.crashPoint.hook?.(point, 'before');
    if (early === true) return void res.destroy();
    if (early) return finish(early.status, { message: `${early.status}: Forced by the test`, code: 0 });
    let result: RestResponse;
    try {
      result = await match.route.handler({
        method,
        path,
        params: match.params,
        query: url.searchParams,
        json,
        body,
        files,
        ...(caller ? { caller } : {}),
      });
    } catch (error) {
      if (!(error instanceof DiscordHttpError)) throw error;
      result = { status: error.status, body: error.body };
    }
    const late = this.deps.crashPoint.hook?.(point, 'after');
    if (late && late !== true) return finish(late.status, { message: `${late.status}: Forced by the test`, code: 0 });
    if (late) {
      record.status = result.status;
      record.response = result.body;
      this.deps.requests.push(record);
      return void res.destroy();
    }
    finish(result.status, result.body, decision.headers);
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bot ${this.deps.store.application.token}`;
  }

  private serveAttachment(pathname: string, res: ServerResponse): void {
    const [, , , id] = pathname.split('/');
    const attachment = id ? this.deps.store.attachments.get(id) : undefined;
    if (!attachment) {
      send(res, 404, NOT_FOUND_BODY);
      return;
    }
    res.writeHead(200, {
      'content-type': attachment.contentType ?? 'application/octet-stream',
      'content-length': attachment.data.length,
    });
    res.end(attachment.data);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 && body === undefined ? 204 : status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const matches = (route: string | RegExp, target: string) =>
  typeof route === 'string' ? target.includes(route) : route.test(target);

function takeFailure(failures: ForcedFailure[], target: string): ForcedFailure | undefined {
  const rule = failures.find((r) => r.route === undefined || matches(r.route, target));
  if (!rule) return undefined;
  rule.count--;
  if (rule.count <= 0) failures.splice(failures.indexOf(rule), 1);
  return rule;
}

function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseBody(
  contentType: string | undefined,
  raw: Buffer,
): Promise<{ json: unknown; body: Record<string, unknown>; files: UploadedFile[] }> {
  if (raw.length === 0) return { json: undefined, body: {}, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    // undici (Node's fetch) parses multipart for us: no extra dependency for file uploads.
    const form = await new Request('http://sandbox.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    let body: Record<string, unknown> = {};
    const files: UploadedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = { ...body, ...asObject(parseJson(value)) };
        else body[field] = value;
      } else {
        files.push({
          field,
          filename: value.name,
          contentType: value.type || null,
          data: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json: body, body, files };
  }
  const json = parseJson(raw.toString('utf8'));
  return { json, body: asObject(json), files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJson();
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
