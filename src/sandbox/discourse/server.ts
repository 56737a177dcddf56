/**
 * A Discourse emulator on 127.0.0.1 for tests, benchmarks and the demo.
 *
 * HTTP: the routes Convene's client uses, with the shapes of Discourse's API description and the
 * recorded 3.5.1 responses; `Api-Key` + `Api-Username` auth (403 `invalid_access` otherwise); admin
 * routes for admins only; a rate limit answering 429 with `Retry-After` and
 * `{"errors":[…],"error_type":"rate_limit","extras":{"wait_seconds":N}}` like Discourse.
 *
 * Webhooks: every change is POSTed to the configured URL exactly as Discourse's
 * emit_web_hook_event does — body `{"<type>": payload}` serialized compactly, headers
 * X-Discourse-Instance, -Event-Id, -Event-Type, -Event and, with a secret, -Event-Signature
 * (`sha256=` HMAC of the body). `redeliver(id)` resends a stored event under a new id, like the
 * "Redeliver" button.
 *
 * Test API: createUser / createCategory / createTopic / reply / acceptAnswer / sendPm / … act as
 * forum members; `requests`, `privateMessagesTo`, `groupMembers`, `badgesOf` inspect what the bot did.
 */
import { createHash, createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  DEFAULT_SETTINGS,
  ForumError,
  type ForumEvent,
  ForumModel,
  type ForumSettings,
  forbidden,
  notFound,
  type PostRec,
  type TopicRec,
  type UserRec,
} from './model.js';
import {
  adminUserJson,
  badgeJson,
  categoryJson,
  groupJson,
  postJson,
  topicListItem,
  topicView,
  uploadJson,
  userBadgeJson,
  userDetailJson,
  webhookPostJson,
  webhookTopicJson,
  webhookUserJson,
} from './serialize.js';

export interface DiscourseSandboxOptions {
  /** The one API key the forum accepts (an "all users" admin key, like a bot's). */
  apiKey: string;
  /** The bot's account, created as an admin. */
  botUsername: string;
  port?: number;
  host?: string;
  settings?: Partial<ForumSettings>;
  /** Requests per minute per API key before 429 (Discourse's admin default is 60); unlimited if absent. */
  perMinute?: number;
  webhook?: { url: string; secret?: string };
  now?: () => number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  apiUsername: string | undefined;
  body: unknown;
  status: number;
}

export interface Delivery {
  eventId: number;
  type: string;
  event: string;
  /** The exact bytes sent (and signed). */
  body: string;
  headers: Record<string, string>;
  /** False when no webhook URL was configured at the time (nothing was sent). */
  sent: boolean;
  status?: number;
  response?: unknown;
  error?: string;
}

interface RouteContext {
  request: FastifyRequest;
  user: UserRec;
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}

interface Route {
  method: string;
  pattern: RegExp;
  name: string;
  admin?: boolean;
  handle(ctx: RouteContext): unknown | Promise<unknown>;
}

const INVALID_KEY = 'You are not permitted to view the requested resource. The API username or key is invalid.';

const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
const int = (value: unknown): number | undefined => {
  const text = str(value);
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
};

export class DiscourseSandbox {
  readonly model: ForumModel;
  readonly bot: UserRec;
  readonly requests: RequestRecord[] = [];
  readonly deliveries: Delivery[] = [];
  url = '';
  private app: FastifyInstance;
  private webhook: { url: string; secret?: string } | undefined;
  private nextEventId = 1;
  private queue: Promise<void> = Promise.resolve();
  private forced: { count: number; status: number; waitSeconds: number; routes?: RegExp }[] = [];
  private window: number[] = [];
  private readonly routes: Route[];
  private readonly now: () => number;

  private constructor(private readonly options: DiscourseSandboxOptions) {
    this.now = options.now ?? Date.now;
    this.webhook = options.webhook;
    this.model = new ForumModel({ ...DEFAULT_SETTINGS, ...options.settings }, this.now, (event) => this.emit(event));
    this.bot = this.model.createUser({ username: options.botUsername, name: 'Convene', admin: true });
    this.routes = this.buildRoutes();
    this.app = Fastify({ logger: false });
    this.app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    this.app.addContentTypeParser(/^multipart\/form-data/, { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    this.app.all('/*', (request, reply) => this.dispatch(request, reply));
  }

  static async start(options: DiscourseSandboxOptions): Promise<DiscourseSandbox> {
    const sandbox = new DiscourseSandbox(options);
    const host = options.host ?? '127.0.0.1';
    await sandbox.app.listen({ port: options.port ?? 0, host });
    const address = sandbox.app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    sandbox.url = `http://${host}:${port}`;
    return sandbox;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.app.close();
  }

  // ---- test API: configuration ---------------------------------------------------------------

  setWebhook(webhook: { url: string; secret?: string } | undefined): void {
    this.webhook = webhook;
  }

  /** The next `count` API requests (optionally only those whose "METHOD /path" matches) answer 429. */
  forceRateLimit(count: number, waitSeconds: number, routes?: RegExp): void {
    this.forced.push({ count, status: 429, waitSeconds, routes });
  }

  /** The next `count` API requests (optionally only matching ones) fail with `status` (5xx: an outage). */
  failNext(count: number, status = 500, routes?: RegExp): void {
    this.forced.push({ count, status, waitSeconds: 0, routes });
  }

  /** Requests made with the bot's username (what Convene did), optionally of one "METHOD /path" shape. */
  botRequests(filter?: RegExp): RequestRecord[] {
    return this.requests.filter(
      (r) =>
        r.apiUsername?.toLowerCase() === this.bot.username.toLowerCase() &&
        (!filter || filter.test(`${r.method} ${r.path}`)),
    );
  }

  // ---- test API: members acting on the forum -------------------------------------------------

  createUser(input: { username: string; name?: string; admin?: boolean; moderator?: boolean; createdAt?: number }) {
    return this.model.createUser(input);
  }

  createCategory(input: { name: string; slug?: string; description?: string }) {
    return this.model.createCategory(input);
  }

  createGroup(name: string) {
    return this.model.createGroup(name);
  }

  createBadge(name: string) {
    return this.model.createBadge(name);
  }

  createTopic(input: { username: string; title: string; raw: string; categoryId?: number; createdAt?: number }) {
    const { post, topic } = this.model.createPost(this.model.requireUser(input.username), {
      title: input.title,
      raw: input.raw,
      categoryId: input.categoryId,
      createdAt: input.createdAt,
    });
    return { topic, post };
  }

  reply(input: {
    username: string;
    topicId: number;
    raw: string;
    replyToPostNumber?: number;
    createdAt?: number;
  }): PostRec {
    return this.model.createPost(this.model.requireUser(input.username), {
      topicId: input.topicId,
      raw: input.raw,
      replyToPostNumber: input.replyToPostNumber,
      createdAt: input.createdAt,
    }).post;
  }

  editPost(postId: number, raw: string) {
    return this.model.editPost(postId, raw);
  }

  editTopic(topicId: number, change: { title?: string; categoryId?: number; tags?: string[]; closed?: boolean }) {
    return this.model.editTopic(topicId, change);
  }

  deletePost(postId: number) {
    return this.model.deletePost(postId);
  }

  deleteTopic(topicId: number) {
    return this.model.deleteTopic(topicId);
  }

  acceptAnswer(postId: number) {
    return this.model.acceptAnswer(postId, true);
  }

  unacceptAnswer(postId: number) {
    return this.model.acceptAnswer(postId, false);
  }

  sendPm(input: { from: string; to: string[]; title: string; raw: string }) {
    const { post, topic } = this.model.createPost(this.model.requireUser(input.from), {
      title: input.title,
      raw: input.raw,
      archetype: 'private_message',
      targetRecipients: input.to,
    });
    return { topic, post };
  }

  replyPm(input: { from: string; topicId: number; raw: string }) {
    return this.reply({ username: input.from, topicId: input.topicId, raw: input.raw });
  }

  /** A ping, as the "Ping" button sends it: `{"ping":"OK"}`. */
  ping(): Delivery {
    return this.enqueueDelivery('ping', 'ping', JSON.stringify({ ping: 'OK' }));
  }

  /** Send a stored event again under a new X-Discourse-Event-Id, same body (the "Redeliver" button). */
  redeliver(eventId: number): Delivery {
    const original = this.deliveries.find((d) => d.eventId === eventId);
    if (!original) throw new Error(`no webhook event ${eventId}`);
    return this.enqueueDelivery(original.type, original.event, original.body);
  }

  /** Wait until every webhook queued so far has been delivered (and answered). */
  async flush(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  lastDelivery(event?: string): Delivery | undefined {
    return this.sentDeliveries()
      .filter((d) => !event || d.event === event)
      .at(-1);
  }

  /** Deliveries actually sent (events before a webhook was configured are kept but not sent). */
  sentDeliveries(): Delivery[] {
    return this.deliveries.filter((d) => d.sent);
  }

  // ---- test API: inspecting ------------------------------------------------------------------

  postsIn(topicId: number): (PostRec & { username: string })[] {
    return this.model
      .postsOf(topicId)
      .map((p) => ({ ...p, username: this.model.users.get(p.userId)?.username ?? '?' }));
  }

  /** PM topics a user is in, with their posts. */
  privateMessagesTo(
    username: string,
  ): { topic: TopicRec; participants: string[]; posts: (PostRec & { username: string })[] }[] {
    const user = this.model.requireUser(username);
    return [...this.model.topics.values()]
      .filter((t) => t.archetype === 'private_message' && t.allowedUserIds.includes(user.id))
      .map((topic) => ({
        topic,
        participants: topic.allowedUserIds.map((id) => this.model.users.get(id)?.username ?? '?'),
        posts: this.postsIn(topic.id),
      }));
  }

  groupMembers(groupId: number): string[] {
    const group = this.model.groups.get(groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    return [...group.memberIds].map((id) => this.model.users.get(id)!.username).sort();
  }

  badgesOf(username: string): string[] {
    const user = this.model.requireUser(username);
    return [...this.model.userBadges.values()]
      .filter((b) => b.userId === user.id)
      .map((b) => this.model.badges.get(b.badgeId)!.name);
  }

  // ---- webhooks ------------------------------------------------------------------------------

  private emit(event: ForumEvent): void {
    const object = this.serializeRef(event.ref);
    if (!object) return;
    this.enqueueDelivery(event.type, event.name, JSON.stringify({ [event.type]: object }));
  }

  private serializeRef(ref: ForumEvent['ref']): Record<string, unknown> | undefined {
    switch (ref.kind) {
      case 'post': {
        const post = this.model.posts.get(ref.id);
        return post ? webhookPostJson(this.model, post) : undefined;
      }
      case 'topic': {
        const topic = this.model.topics.get(ref.id);
        return topic ? webhookTopicJson(this.model, topic) : undefined;
      }
      case 'user': {
        const user = this.model.users.get(ref.id);
        return user ? webhookUserJson(this.model, user) : undefined;
      }
      case 'category': {
        const category = this.model.categories.get(ref.id);
        return category
          ? {
              ...categoryJson(this.model, category),
              created_at: new Date(category.createdAt).toISOString(),
              updated_at: new Date(category.updatedAt).toISOString(),
            }
          : undefined;
      }
    }
  }

  private enqueueDelivery(type: string, event: string, body: string): Delivery {
    const target = this.webhook;
    const delivery: Delivery = { eventId: this.nextEventId++, type, event, body, headers: {}, sent: Boolean(target) };
    this.deliveries.push(delivery);
    if (!target) return delivery;
    delivery.headers = {
      Accept: '*/*',
      'Content-Type': 'application/json',
      'User-Agent': 'Discourse/2025.12.0-latest-sandbox; +https://www.discourse.org/',
      'X-Discourse-Instance': this.url,
      'X-Discourse-Event-Id': String(delivery.eventId),
      'X-Discourse-Event-Type': type,
      'X-Discourse-Event': event,
      ...(target.secret
        ? { 'X-Discourse-Event-Signature': `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}` }
        : {}),
    };
    this.queue = this.queue.then(async () => {
      try {
        const response = await fetch(target.url, { method: 'POST', headers: delivery.headers, body });
        delivery.status = response.status;
        const text = await response.text();
        try {
          delivery.response = JSON.parse(text);
        } catch {
          // A receiver may answer plain text; keep it as it came.
          delivery.response = text;
        }
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error);
      }
    });
    return delivery;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async dispatch(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = new URL(request.url, 'http://sandbox');
    const path = url.pathname;
    const apiKey = request.headers['api-key'];
    const apiUsername =
      typeof request.headers['api-username'] === 'string' ? request.headers['api-username'] : undefined;
    const record: RequestRecord = {
      method: request.method,
      path,
      query: url.searchParams,
      apiUsername,
      body: request.body,
      status: 0,
    };
    this.requests.push(record);
    const send = (
      status: number,
      body: unknown,
      route = 'application/not_found',
      headers: Record<string, string> = {},
    ) => {
      record.status = status;
      reply
        .code(status)
        .headers({
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-cache, no-store',
          'x-discourse-route': route,
          ...(apiUsername ? { 'x-discourse-username': apiUsername } : {}),
          ...headers,
        })
        .send(JSON.stringify(body));
    };

    const route = this.routes.find((r) => r.method === request.method && r.pattern.test(path));
    if (!route)
      return send(404, { errors: ['The requested URL or resource could not be found.'], error_type: 'not_found' });

    const user = apiUsername ? this.model.userByName(apiUsername) : undefined;
    if (apiKey !== this.options.apiKey || !user) {
      return send(403, { errors: [INVALID_KEY], error_type: 'invalid_access' }, route.name);
    }

    const limited = this.rateLimited(`${request.method} ${path}`);
    if (limited) {
      if (limited.status === 429) {
        const wait = limited.waitSeconds;
        return send(
          429,
          {
            errors: [`You’ve performed this action too many times. Please wait ${wait} seconds before trying again.`],
            error_type: 'rate_limit',
            extras: { wait_seconds: wait, time_left: `${wait} seconds` },
          },
          route.name,
          { 'retry-after': String(wait), 'discourse-rate-limit-error-code': 'admin_api_key_rate_limit' },
        );
      }
      return send(limited.status, { errors: ['Internal Server Error'], error_type: 'server_error' }, route.name);
    }

    if (route.admin && !user.admin)
      return send(403, { errors: [forbidden().errors[0]], error_type: 'invalid_access' }, route.name);

    try {
      const match = route.pattern.exec(path)!;
      let body: Record<string, unknown> = {};
      if (Buffer.isBuffer(request.body)) body = await this.parseMultipart(request);
      else if (request.body && typeof request.body === 'object') body = request.body as Record<string, unknown>;
      const result = await route.handle({ request, user, params: match.slice(1), query: url.searchParams, body });
      send(200, result, route.name);
    } catch (error) {
      if (error instanceof ForumError) {
        return send(
          error.status,
          {
            ...(error.status === 422 ? { action: route.name.replace('/', '_') } : {}),
            errors: error.errors,
            ...(error.errorType ? { error_type: error.errorType } : {}),
          },
          route.name,
        );
      }
      throw error;
    }
  }

  private rateLimited(route: string): { status: number; waitSeconds: number } | null {
    const forced = this.forced.find((f) => f.count > 0 && (!f.routes || f.routes.test(route)));
    if (forced) {
      forced.count--;
      this.forced = this.forced.filter((f) => f.count > 0);
      return forced;
    }
    const perMinute = this.options.perMinute;
    if (perMinute === undefined) return null;
    const now = this.now();
    this.window = this.window.filter((t) => t > now - 60_000);
    if (this.window.length >= perMinute) {
      return { status: 429, waitSeconds: Math.max(1, Math.ceil((this.window[0]! + 60_000 - now) / 1000)) };
    }
    this.window.push(now);
    return null;
  }

  private async parseMultipart(request: FastifyRequest): Promise<Record<string, unknown>> {
    const form = await new Response(request.body as Buffer, {
      headers: { 'content-type': String(request.headers['content-type']) },
    }).formData();
    const out: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) out[key] = value;
    return out;
  }

  private topicFor(user: UserRec, id: number): TopicRec {
    const topic = this.model.topics.get(id);
    if (!topic || !this.model.canSee(user, topic)) throw notFound();
    return topic;
  }

  private buildRoutes(): Route[] {
    const m = this.model;
    const routes: Route[] = [
      {
        method: 'GET',
        pattern: /^\/latest\.json$/,
        name: 'list/latest',
        handle: ({ query }) => {
          const perPage = Math.min(100, Math.max(1, int(query.get('per_page')) ?? 30));
          const page = Math.max(0, int(query.get('page')) ?? 0);
          const order = query.get('order') ?? 'default';
          const ascending = query.get('ascending') === 'true';
          const key = (t: TopicRec) => (order === 'created' ? t.createdAt : t.bumpedAt);
          const topics = [...m.topics.values()]
            .filter((t) => t.archetype === 'regular' && t.deletedAt === null && t.visible)
            .sort((a, b) => (ascending ? key(a) - key(b) || a.id - b.id : key(b) - key(a) || b.id - a.id));
          const slice = topics.slice(page * perPage, (page + 1) * perPage);
          const more = topics.length > (page + 1) * perPage;
          const userIds = new Set(slice.flatMap((t) => m.postsOf(t.id).map((p) => p.userId)));
          const params = new URLSearchParams(query);
          params.set('page', String(page + 1));
          return {
            users: [...userIds]
              .map((id) => m.users.get(id))
              .filter((u): u is UserRec => !!u)
              .map((u) => ({
                ...adminUserJson(m, u),
              })),
            primary_groups: [],
            flair_groups: [],
            topic_list: {
              can_create_topic: true,
              ...(more ? { more_topics_url: `/latest?${params}` } : {}),
              per_page: perPage,
              top_tags: [],
              topics: slice.map((t) => topicListItem(m, t)),
            },
          };
        },
      },
      {
        method: 'GET',
        pattern: /^\/t\/(?:[^/]+\/)?(\d+)\/posts\.json$/,
        name: 'topics/posts',
        handle: ({ user, params, query }) => {
          const topic = this.topicFor(user, Number(params[0]));
          const ids = new Set(query.getAll('post_ids[]').map(Number));
          const posts = m.postsOf(topic.id).filter((p) => ids.has(p.id));
          return { post_stream: { posts: posts.map((p) => postJson(m, p, user, false)) }, id: topic.id };
        },
      },
      {
        method: 'GET',
        pattern: /^\/t\/(?:[^/]+\/)?(\d+)\.json$/,
        name: 'topics/show',
        handle: ({ user, params }) => topicView(m, this.topicFor(user, Number(params[0])), user),
      },
      {
        method: 'GET',
        pattern: /^\/posts\/(\d+)\.json$/,
        name: 'posts/show',
        handle: ({ user, params }) => {
          const post = m.posts.get(Number(params[0]));
          if (!post || post.deletedAt !== null) throw notFound();
          this.topicFor(user, post.topicId);
          return postJson(m, post, user, true);
        },
      },
      {
        method: 'POST',
        pattern: /^\/posts\.json$/,
        name: 'posts/create',
        handle: ({ user, body }) => {
          const recipients = (str(body.target_recipients) ?? str(body.target_usernames) ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const { post } = m.createPost(user, {
            topicId: int(body.topic_id),
            title: str(body.title),
            raw: str(body.raw) ?? '',
            categoryId: int(body.category),
            archetype: str(body.archetype),
            targetRecipients: recipients,
            replyToPostNumber: int(body.reply_to_post_number),
          });
          return postJson(m, post, user, true);
        },
      },
      {
        method: 'GET',
        pattern: /^\/u\/([^/]+)\.json$/,
        name: 'users/show',
        handle: ({ params }) => userDetailJson(m, m.requireUser(decodeURIComponent(params[0]!))),
      },
      {
        method: 'GET',
        pattern: /^\/admin\/users\/list\/(\w+)\.json$/,
        name: 'admin/users/index',
        admin: true,
        handle: ({ query }) => {
          // AdminUserIndexQuery: 100 a page, offset (page - 1) * 100, so pages 0 and 1 are the same.
          const page = Math.max(0, (int(query.get('page')) ?? 1) - 1);
          const asc = query.get('asc') === 'true';
          const users = [...m.users.values()]
            .filter((u) => u.id > 0)
            .sort((a, b) =>
              asc ? a.createdAt - b.createdAt || a.id - b.id : b.createdAt - a.createdAt || b.id - a.id,
            );
          return users.slice(page * 100, (page + 1) * 100).map((u) => adminUserJson(m, u));
        },
      },
      {
        method: 'GET',
        pattern: /^\/admin\/users\/(-?\d+)\.json$/,
        name: 'admin/users/show',
        admin: true,
        handle: ({ params }) => {
          const user = m.users.get(Number(params[0]));
          if (!user) throw notFound();
          return adminUserJson(m, user);
        },
      },
      {
        method: 'GET',
        pattern: /^\/categories\.json$/,
        name: 'categories/index',
        handle: () => ({
          category_list: {
            can_create_category: true,
            can_create_topic: true,
            categories: [...m.categories.values()].map((c) => categoryJson(m, c)),
          },
        }),
      },
      {
        method: 'GET',
        pattern: /^\/groups\.json$/,
        name: 'groups/index',
        handle: ({ query }) => {
          const pageSize = 36;
          const page = Math.max(0, int(query.get('page')) ?? 0);
          const groups = [...m.groups.values()];
          return {
            groups: groups.slice(page * pageSize, (page + 1) * pageSize).map(groupJson),
            extras: { type_filters: ['my', 'owner', 'public', 'close', 'automatic', 'non_automatic'] },
            total_rows_groups: groups.length,
            load_more_groups: `/groups?page=${page + 1}`,
          };
        },
      },
      {
        method: 'PUT',
        pattern: /^\/groups\/(\d+)\/members\.json$/,
        name: 'groups/add_members',
        admin: true,
        handle: ({ params, body }) => {
          const usernames = (str(body.usernames) ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const { added } = m.addGroupMembers(Number(params[0]), usernames);
          return { success: 'OK', usernames: added, emails: [] };
        },
      },
      {
        method: 'DELETE',
        pattern: /^\/groups\/(\d+)\/members\.json$/,
        name: 'groups/remove_member',
        admin: true,
        handle: ({ params, body }) => {
          const usernames = (str(body.usernames) ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const { removed, skipped } = m.removeGroupMembers(Number(params[0]), usernames);
          return { success: 'OK', usernames: removed, skipped_usernames: skipped };
        },
      },
      {
        method: 'POST',
        pattern: /^\/user_badges\.json$/,
        name: 'user_badges/create',
        admin: true,
        handle: ({ user, body }) => {
          const badgeId = int(body.badge_id);
          if (badgeId === undefined)
            throw new ForumError(400, ['param is missing or the value is empty: badge_id'], 'invalid_parameters');
          const granted = m.grantBadge(user, str(body.username) ?? '', badgeId, str(body.reason) ?? null);
          const target = m.users.get(granted.userId)!;
          return {
            badges: [badgeJson(m.badges.get(badgeId)!)],
            users: [{ id: target.id, username: target.username, name: target.name }],
            user_badge: userBadgeJson(granted),
          };
        },
      },
      {
        method: 'DELETE',
        pattern: /^\/user_badges\/(\d+)\.json$/,
        name: 'user_badges/destroy',
        admin: true,
        handle: ({ params }) => {
          m.revokeBadge(Number(params[0]));
          return { success: 'OK' };
        },
      },
      {
        method: 'GET',
        pattern: /^\/user-badges\/([^/]+)\.json$/,
        name: 'user_badges/username',
        handle: ({ params }) => {
          const user = m.requireUser(decodeURIComponent(params[0]!));
          const held = [...m.userBadges.values()].filter((b) => b.userId === user.id);
          return {
            badges: [...new Set(held.map((b) => b.badgeId))].map((id) => badgeJson(m.badges.get(id)!)),
            user_badges: held.map(userBadgeJson),
          };
        },
      },
      {
        method: 'POST',
        pattern: /^\/uploads\.json$/,
        name: 'uploads/create',
        handle: async ({ body }) => {
          const file = body.file;
          if (!(file instanceof Blob)) throw new ForumError(422, ['You must provide a file to upload.']);
          const data = new Uint8Array(await file.arrayBuffer());
          const sha1 = createHash('sha1').update(data).digest('hex');
          const name = file instanceof File ? file.name : 'upload';
          return uploadJson(m.addUpload({ name, contentType: file.type || 'application/octet-stream', data, sha1 }));
        },
      },
      {
        method: 'POST',
        pattern: /^\/solution\/(accept|unaccept)\.json$/,
        name: 'solution/accept',
        handle: ({ params, body }) => {
          const id = int(body.id);
          if (id === undefined) throw notFound();
          const post = m.acceptAnswer(id, params[0] === 'accept');
          return { success: 'OK', accepted_answer: params[0] === 'accept' ? { post_number: post.postNumber } : null };
        },
      },
      {
        method: 'GET',
        pattern: /^\/site\/basic-info\.json$/,
        name: 'site/basic_info',
        handle: () => ({
          logo_url: '',
          logo_small_url: '',
          apple_touch_icon_url: '',
          favicon_url: '',
          title: m.settings.title,
          description: 'A Discourse emulator for Convene',
          header_primary_color: '222222',
          header_background_color: 'ffffff',
          login_required: false,
          locale: 'en',
          include_in_discourse_discover: false,
          mobile_logo_url: '',
        }),
      },
    ];
    return routes;
  }
}
