/**
 * A small typed Discourse REST client over global fetch.
 *
 * Why our own: "@discourse/api-client-lite" does not exist, and the clients that do (discourse-api,
 * discourse-js, node-discourse-api…) are unmaintained for years, untyped or generated from the whole
 * OpenAPI file with none of the routes the spec leaves out (POST /user_badges.json, /solution/*).
 * Convene needs a dozen routes, typed on the fields it reads, and errors classified the way the
 * outbox needs them — a few hundred lines we own beat a dependency we would have to patch.
 *
 * Errors: 429 → RetryableSendError with Discourse's wait (Retry-After header, or the JSON
 * `extras.wait_seconds`); 5xx and network failures → RetryableSendError; other 4xx →
 * DiscourseRequestError (a PermanentSendError carrying the status and Discourse's `errors`).
 */
import { PermanentSendError, RetryableSendError } from '../../outbox/platformSender.js';
import { privateAddressIn } from './publicOnly.js';

export interface DiscourseClientOptions {
  url: string;
  apiKey: string;
  apiUsername: string;
  /** Per request; Discourse answers most routes well under a second. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class DiscourseRequestError extends PermanentSendError {
  constructor(
    readonly status: number,
    readonly route: string,
    readonly errors: string[],
    readonly errorType: string | undefined,
  ) {
    super(`Discourse ${status} on ${route}: ${errors.join('; ') || errorType || 'request failed'}`);
    this.name = 'DiscourseRequestError';
  }
}

// ---------------------------------------------------------------------------------------------
// Response shapes (the fields Convene reads; Discourse sends many more)

export interface BasicUser {
  id: number;
  username: string;
  name?: string | null;
  admin?: boolean;
  moderator?: boolean;
}

export interface Post {
  id: number;
  user_id: number;
  username: string;
  name?: string | null;
  created_at: string;
  updated_at?: string;
  post_number: number;
  post_type?: number;
  version?: number;
  topic_id: number;
  raw?: string;
  cooked?: string;
  reply_to_post_number?: number | null;
  admin?: boolean;
  moderator?: boolean;
  staff?: boolean;
  accepted_answer?: boolean;
  deleted_at?: string | null;
}

export interface TopicListItem {
  id: number;
  title: string;
  created_at: string;
  bumped_at?: string;
  last_posted_at?: string | null;
  posts_count: number;
  category_id?: number | null;
  archetype?: string;
  closed?: boolean;
  archived?: boolean;
  tags?: (string | { name: string })[];
  has_accepted_answer?: boolean;
}

export interface LatestPage {
  users: BasicUser[];
  topics: TopicListItem[];
  perPage: number;
  /** Discourse's "more_topics_url": absent on the last page. */
  moreTopicsUrl: string | null;
}

export interface TopicView {
  id: number;
  title: string;
  created_at: string;
  category_id?: number | null;
  user_id?: number;
  archetype?: string;
  closed?: boolean;
  archived?: boolean;
  tags?: (string | { name: string })[];
  posts_count: number;
  post_stream: { posts: Post[]; stream?: number[] };
  details?: {
    created_by?: BasicUser;
    allowed_users?: BasicUser[];
    allowed_groups?: { id: number; name: string }[];
  };
  accepted_answer?: { post_number: number; username?: string } | null;
}

export interface Category {
  id: number;
  name: string;
  slug: string;
  topic_count?: number;
  description_text?: string | null;
  parent_category_id?: number | null;
  subcategory_list?: Category[];
}

export interface Group {
  id: number;
  name: string;
  display_name?: string;
  automatic?: boolean;
  user_count?: number;
}

export interface AdminUser extends BasicUser {
  created_at: string;
  active?: boolean;
  staged?: boolean;
}

export interface UserDetail extends BasicUser {
  created_at: string;
  groups?: Group[];
}

export interface UserBadge {
  id: number;
  badge_id: number;
  user_id: number;
  granted_at?: string;
}

export interface Upload {
  id: number;
  url: string;
  short_url?: string;
  original_filename: string;
  width?: number | null;
  height?: number | null;
}

// ---------------------------------------------------------------------------------------------

/** Discourse shows at most 20 posts in /t/{id}.json; the rest come by id from /t/{id}/posts.json. */
const POSTS_PER_CHUNK = 20;

export class DiscourseClient {
  readonly baseUrl: string;
  readonly apiUsername: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: DiscourseClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.apiUsername = options.apiUsername;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  // ---- reads -------------------------------------------------------------------------------

  async latestTopics(
    options: { page?: number; order?: 'default' | 'created' | 'activity'; ascending?: boolean; perPage?: number } = {},
  ): Promise<LatestPage> {
    const query = new URLSearchParams();
    if (options.order) query.set('order', options.order);
    if (options.ascending) query.set('ascending', 'true');
    if (options.page) query.set('page', String(options.page));
    if (options.perPage) query.set('per_page', String(options.perPage));
    const body = await this.get<{
      users?: BasicUser[];
      topic_list: { topics: TopicListItem[]; per_page?: number; more_topics_url?: string };
    }>(`/latest.json${query.size > 0 ? `?${query}` : ''}`);
    return {
      users: body.users ?? [],
      topics: body.topic_list.topics,
      perPage: body.topic_list.per_page ?? body.topic_list.topics.length,
      moreTopicsUrl: body.topic_list.more_topics_url ?? null,
    };
  }

  topic(id: number): Promise<TopicView> {
    return this.get<TopicView>(`/t/${id}.json`);
  }

  async topicPosts(id: number, postIds: readonly number[]): Promise<Post[]> {
    const query = new URLSearchParams();
    for (const postId of postIds) query.append('post_ids[]', String(postId));
    const body = await this.get<{ post_stream: { posts: Post[] } }>(`/t/${id}/posts.json?${query}`);
    return body.post_stream.posts;
  }

  /** A topic and every post in it: the first page from /t/{id}.json, the rest by id, 20 at a time. */
  async topicWithAllPosts(id: number): Promise<{ topic: TopicView; posts: Post[] }> {
    const topic = await this.topic(id);
    const posts = [...topic.post_stream.posts];
    const have = new Set(posts.map((p) => p.id));
    const missing = (topic.post_stream.stream ?? []).filter((postId) => !have.has(postId));
    for (let i = 0; i < missing.length; i += POSTS_PER_CHUNK) {
      posts.push(...(await this.topicPosts(id, missing.slice(i, i + POSTS_PER_CHUNK))));
    }
    posts.sort((a, b) => a.post_number - b.post_number);
    return { topic, posts };
  }

  post(id: number): Promise<Post> {
    return this.get<Post>(`/posts/${id}.json`);
  }

  async user(username: string): Promise<UserDetail> {
    const body = await this.get<{ user: UserDetail }>(`/u/${encodeURIComponent(username)}.json`);
    return body.user;
  }

  /** Admin route: a user by id (the API key must be an admin's). */
  userById(id: number): Promise<AdminUser> {
    return this.get<AdminUser>(`/admin/users/${id}.json`);
  }

  /**
   * Admin route: active users, oldest first, 100 a page. Pages count from 1 (Discourse treats 0 and 1
   * alike: AdminUserIndexQuery offsets by page - 1); an empty page ends the list.
   */
  usersPage(page: number): Promise<AdminUser[]> {
    return this.get<AdminUser[]>(`/admin/users/list/active.json?order=created&asc=true&page=${page}`);
  }

  async categories(): Promise<Category[]> {
    const body = await this.get<{ category_list: { categories: Category[] } }>(
      '/categories.json?include_subcategories=true',
    );
    const all: Category[] = [];
    const walk = (list: Category[], parent: number | null) => {
      for (const category of list) {
        all.push({ ...category, parent_category_id: category.parent_category_id ?? parent });
        if (category.subcategory_list) walk(category.subcategory_list, category.id);
      }
    };
    walk(body.category_list.categories, null);
    return all;
  }

  async groups(): Promise<Group[]> {
    const all: Group[] = [];
    for (let page = 0; ; page++) {
      const body = await this.get<{ groups: Group[]; total_rows_groups?: number }>(`/groups.json?page=${page}`);
      all.push(...body.groups);
      if (body.groups.length === 0 || all.length >= (body.total_rows_groups ?? all.length)) return all;
    }
  }

  async siteTitle(): Promise<string> {
    const body = await this.get<{ title?: string }>('/site/basic-info.json');
    return body.title ?? new URL(this.baseUrl).host;
  }

  async userBadges(username: string): Promise<UserBadge[]> {
    const body = await this.get<{ user_badges: UserBadge[] }>(`/user-badges/${encodeURIComponent(username)}.json`);
    return body.user_badges;
  }

  // ---- writes ------------------------------------------------------------------------------

  reply(topicId: number, raw: string, replyToPostNumber?: number): Promise<Post> {
    return this.send<Post>('POST', '/posts.json', {
      topic_id: topicId,
      raw,
      ...(replyToPostNumber ? { reply_to_post_number: replyToPostNumber } : {}),
    });
  }

  createTopic(title: string, raw: string, categoryId: number): Promise<Post> {
    return this.send<Post>('POST', '/posts.json', { title, raw, category: categoryId });
  }

  privateMessage(usernames: readonly string[], title: string, raw: string): Promise<Post> {
    return this.send<Post>('POST', '/posts.json', {
      title,
      raw,
      archetype: 'private_message',
      target_recipients: usernames.join(','),
    });
  }

  addGroupMembers(groupId: number, usernames: readonly string[]) {
    return this.send<{ success: string; usernames: string[] }>('PUT', `/groups/${groupId}/members.json`, {
      usernames: usernames.join(','),
    });
  }

  removeGroupMembers(groupId: number, usernames: readonly string[]) {
    return this.send<{ success: string; usernames: string[]; skipped_usernames: string[] }>(
      'DELETE',
      `/groups/${groupId}/members.json`,
      { usernames: usernames.join(',') },
    );
  }

  async grantBadge(username: string, badgeId: number, reason?: string): Promise<UserBadge> {
    const body = await this.send<{ user_badge: UserBadge }>('POST', '/user_badges.json', {
      username,
      badge_id: badgeId,
      ...(reason ? { reason } : {}),
    });
    return body.user_badge;
  }

  revokeBadge(userBadgeId: number) {
    return this.send<unknown>('DELETE', `/user_badges/${userBadgeId}.json`, undefined);
  }

  upload(file: { name: string; contentType: string; data: Uint8Array }): Promise<Upload> {
    const form = new FormData();
    form.set('upload_type', 'composer');
    form.set('synchronous', 'true');
    form.set('file', new Blob([file.data], { type: file.contentType }), file.name);
    return this.request<Upload>('POST', '/uploads.json', form);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path, undefined);
  }

  send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body: Record<string, unknown> | undefined): Promise<T> {
    return this.request<T>(method, path, body === undefined ? undefined : JSON.stringify(body));
  }

  private async request<T>(method: string, path: string, body: string | FormData | undefined): Promise<T> {
    const route = `${method} ${path.split('?')[0]}`;
    const headers: Record<string, string> = {
      'Api-Key': this.apiKey,
      'Api-Username': this.apiUsername,
      Accept: 'application/json',
    };
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // fetch says only "fetch failed": the reason (refused, timed out, a private address…) is its cause.
      const refusedAddress = privateAddressIn(error);
      const reason = refusedAddress?.message ?? (error instanceof Error ? error.message : String(error));
      const failure = new RetryableSendError(`Discourse unreachable on ${route}: ${reason}`);
      failure.cause = error;
      throw failure;
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      // Discourse answers HTML for some proxy errors (502 pages): classified by status below.
      json = undefined;
    }
    if (response.ok) {
      if (json === undefined) throw new RetryableSendError(`Discourse sent a non-JSON answer on ${route}`);
      return json as T;
    }
    const detail = (json ?? {}) as { errors?: unknown; error_type?: string; extras?: { wait_seconds?: number } };
    const errors = Array.isArray(detail.errors) ? detail.errors.map(String) : [];
    if (response.status === 429) {
      const waitSeconds = retryAfterSeconds(response.headers.get('retry-after'), detail.extras?.wait_seconds);
      throw new RetryableSendError(
        `Discourse rate limit on ${route}: ${errors[0] ?? 'too many requests'}`,
        waitSeconds === undefined ? undefined : waitSeconds * 1000,
      );
    }
    if (response.status >= 500) {
      throw new RetryableSendError(`Discourse ${response.status} on ${route}: ${errors.join('; ') || 'server error'}`);
    }
    throw new DiscourseRequestError(response.status, route, errors, detail.error_type);
  }
}

/** The longer of Retry-After (seconds or an HTTP date) and `extras.wait_seconds`: both mean "not before". */
export function retryAfterSeconds(
  header: string | null,
  waitSeconds: number | undefined,
  now = Date.now(),
): number | undefined {
  let fromHeader: number | undefined;
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) fromHeader = Math.max(0, seconds);
    else {
      const at = Date.parse(header);
      if (!Number.isNaN(at)) fromHeader = Math.max(0, Math.ceil((at - now) / 1000));
    }
  }
  const fromBody =
    typeof waitSeconds === 'number' && Number.isFinite(waitSeconds) ? Math.max(0, waitSeconds) : undefined;
  if (fromHeader === undefined) return fromBody;
  if (fromBody === undefined) return fromHeader;
  return Math.max(fromHeader, fromBody);
}
