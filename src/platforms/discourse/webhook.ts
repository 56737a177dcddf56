/**
 * POST /webhooks/discourse.
 *
 * 1. The signature: `X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`,
 *    computed over the exact bytes received (never a re-serialization) and compared in constant
 *    time. Missing or wrong → 401, nothing stored.
 * 2. The body: JSON of the shape the event needs, else 400, nothing stored.
 * 3. De-duplication by event name + the object's own id and version (see mapping.ts): a repeat
 *    answers 200 `{ duplicate: true }` and changes nothing.
 * 4. 2xx only after the events are committed (Ingestor.push resolves after the transaction); a
 *    failure answers 500 so Discourse delivers again later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Deps, databaseOf } from '../../commands.js';
import type { GuildId } from '../../events.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import { MalformedPayloadError, mapWebhook, type PostFacts, type WebhookOutcome } from './mapping.js';
import { mapWithStore } from './mappingStore.js';
import { isKeySeen, recordKey, writeIndex } from './store.js';

export const WEBHOOK_PATH = '/webhooks/discourse';

/**
 * A delivery is one post, topic or user: the largest of the 36,990 real posts of the urho3d forum
 * (../shared/data) is 59 KB of text, and a post_created body carries it twice (raw and cooked HTML)
 * plus about 3 KB of fields, so under 200 KB; the captured deliveries in ../shared/specs are 1-8 KB.
 * 512 KiB leaves more than twice that, and Discourse's own default max_post_length is 32,000
 * characters. Anything bigger is not Discourse: refused before it is read (by its Content-Length) or
 * as soon as it passes the limit.
 */
export const WEBHOOK_BODY_LIMIT = 512 * 1024;

export function signatureOf(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Constant-time check of the signature header against the raw body. */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(secret, rawBody));
  const given = Buffer.from(header.trim().toLowerCase());
  // timingSafeEqual needs equal lengths; a length mismatch is a mismatch (the length is not secret).
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookOptions {
  deps: Deps;
  ingestor: Ingestor;
  guildId: GuildId;
  secret: string;
  botUsername: string;
  /** A new post was stored: the command reader looks at it before the delivery is acknowledged. */
  onPostCreated?: (post: PostFacts) => Promise<unknown>;
  /**
   * A delivery was refused (bad signature, malformed…). The HTTP server counts these and logs a
   * summary: a flood of forged requests must not write one log line each. Default: one warning each.
   */
  rejected?: (reason: string, detail: Record<string, unknown>) => void;
  now?: () => number;
}

export interface WebhookResult {
  status: number;
  body: Record<string, unknown>;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function registerDiscourseWebhook(app: FastifyInstance, options: WebhookOptions): void {
  const rejected = options.rejected ?? warnEach(options.deps);
  const handle = createWebhookHandler({ ...options, rejected });
  registerWebhookRoute(app, WEBHOOK_PATH, rejected, () => handle);
}

export type WebhookHandle = (raw: Buffer, headers: DeliveryHeaders) => Promise<WebhookResult>;

/**
 * The route of a webhook path, with the body limits and the refusals before the body is read.
 * `handlerFor` picks the handler from the path's parameters (a forum connected by command has its
 * own path and secret); null answers 404, nothing read or stored.
 */
export function registerWebhookRoute(
  app: FastifyInstance,
  path: string,
  rejected: (reason: string, detail: Record<string, unknown>) => void,
  handlerFor: (params: Record<string, string>) => WebhookHandle | null | Promise<WebhookHandle | null>,
): void {
  // Keep the raw bytes: the HMAC is over them, and Discourse may label the JSON body as
  // application/x-www-form-urlencoded when the hook is configured that way.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });
  app.post(
    path,
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      // Before a byte of the body is read: an unknown forum, an unsigned delivery or a declared size
      // above the limit is refused whatever the body holds.
      onRequest: async (request, response) => {
        const detail = { event: header(request.headers['x-discourse-event']) };
        if (!(await handlerFor(request.params as Record<string, string>))) {
          rejected('webhook for an unknown forum', { ...detail, url: request.url });
          return response.code(404).send({ error: 'no such forum' });
        }
        if (!header(request.headers['x-discourse-event-signature'])) {
          rejected('webhook without a signature', detail);
          return response.code(401).send({ error: 'invalid signature' });
        }
        if (Number(request.headers['content-length']) > WEBHOOK_BODY_LIMIT) {
          rejected('body too large', detail);
          return response.code(413).send({ error: `body larger than ${WEBHOOK_BODY_LIMIT} bytes` });
        }
      },
    },
    async (request, response) => {
      const handle = await handlerFor(request.params as Record<string, string>);
      // Disconnected while the body arrived: as unknown as before.
      if (!handle) return response.code(404).send({ error: 'no such forum' });
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await handle(raw, {
        signature: header(request.headers['x-discourse-event-signature']),
        event: header(request.headers['x-discourse-event']),
        type: header(request.headers['x-discourse-event-type']),
        deliveryId: header(request.headers['x-discourse-event-id']),
      });
      return response.code(result.status).send(result.body);
    },
  );
}

/** Without a summarising HTTP server (tests of the handler alone): one warning per refusal. */
function warnEach(deps: Deps) {
  const log = deps.log.child({ module: 'discourse-webhook' });
  return (reason: string, detail: Record<string, unknown>) => log.warn(detail, `discourse webhook: ${reason}`);
}

export interface DeliveryHeaders {
  signature: string | undefined;
  event: string | undefined;
  type: string | undefined;
  deliveryId: string | undefined;
}

/** The whole receive path without HTTP: raw body + headers → status and JSON answer. */
export function createWebhookHandler(options: WebhookOptions) {
  const { deps, ingestor, guildId, secret, botUsername } = options;
  const now = options.now ?? Date.now;
  const log = deps.log.child({ module: 'discourse-webhook' });
  const rejected = options.rejected ?? warnEach(deps);
  /** Deliveries of one object being applied right now: a concurrent repeat waits for the first. */
  const inFlight = new Map<string, Promise<WebhookResult>>();

  return async function handle(raw: Buffer, headers: DeliveryHeaders): Promise<WebhookResult> {
    if (!verifySignature(secret, raw, headers.signature)) {
      rejected('webhook with a wrong signature', { deliveryId: headers.deliveryId, event: headers.event });
      return { status: 401, body: { error: 'invalid signature' } };
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      // Unparseable JSON is the sender's fault: 400, and nothing is stored.
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    if (!headers.event) return { status: 400, body: { error: 'missing X-Discourse-Event header' } };

    let outcome: WebhookOutcome;
    try {
      const event = headers.event;
      outcome = await mapWithStore(databaseOf(deps), guildId, botUsername, (context) =>
        mapWebhook(event, headers.type ?? '', body, context),
      );
    } catch (error) {
      if (error instanceof MalformedPayloadError) {
        rejected('malformed webhook', { deliveryId: headers.deliveryId, event: headers.event, problem: error.message });
        return { status: 400, body: { error: error.message } };
      }
      throw error;
    }
    if (outcome.kind === 'ping') return { status: 200, body: { ok: true, ping: 'pong' } };
    if (outcome.kind === 'ignored') return { status: 200, body: { ok: true, ignored: outcome.reason } };

    const { key } = outcome;
    const running = inFlight.get(key);
    if (running) {
      await running.catch(() => undefined);
      return { status: 200, body: { ok: true, duplicate: true } };
    }
    if (await isKeySeen(databaseOf(deps), guildId, key)) return { status: 200, body: { ok: true, duplicate: true } };

    const work = apply(outcome, headers.event);
    inFlight.set(key, work);
    try {
      return await work;
    } catch (error) {
      log.error({ err: error, deliveryId: headers.deliveryId, event: headers.event, key }, 'discourse webhook failed');
      return { status: 500, body: { error: 'could not store the event; deliver it again' } };
    } finally {
      inFlight.delete(key);
    }
  };

  async function apply(outcome: Extract<WebhookOutcome, { kind: 'apply' }>, event: string): Promise<WebhookResult> {
    await writeIndex(databaseOf(deps), guildId, outcome.index, now());
    const fresh = await Promise.all(outcome.events.map((e) => ingestor.push(e)));
    if (outcome.createdPost && options.onPostCreated) await options.onPostCreated(outcome.createdPost);
    // Only now, after the commit: a crash before this line means Discourse's retry applies it again
    // (ingest is idempotent), never that an event is marked seen but lost.
    await recordKey(databaseOf(deps), guildId, outcome.key, event, outcome.supersedes, now());
    return { status: 200, body: { ok: true, stored: fresh.filter(Boolean).length } };
  }
}
