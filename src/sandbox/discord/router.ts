/** A small path router for Discord's REST routes (`/channels/:channel_id/messages`). */
import type { UploadedFile } from './uploads.js';

export interface RestRequest {
  method: string;
  /** Path without the `/api/v10` prefix, percent-decoded per segment. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body as sent (an array for bulk command overwrites). */
  json: unknown;
  /** The body as an object: JSON, or `payload_json` plus plain fields of a multipart body. */
  body: Record<string, unknown>;
  files: UploadedFile[];
  /** The person a member-token route acts for (`auth: 'member'`). */
  caller?: string;
}

export interface RestResponse {
  status: number;
  body?: unknown;
}

export type RouteHandler = (req: RestRequest) => RestResponse | Promise<RestResponse>;

export interface RouteOptions {
  /**
   * 'none' for interaction callbacks and interaction webhooks, which discord.js calls without a token;
   * 'member' for what a Discord client sends for a person (their member token, never the bot's).
   */
  auth?: 'bot' | 'none' | 'member';
  /** Discord: interaction callbacks are not subject to the global rate limit. */
  globalExempt?: boolean;
}

export interface Route extends Required<RouteOptions> {
  method: string;
  template: string;
  segments: string[];
  handler: RouteHandler;
  /** "POST /channels/:channel_id/messages" */
  key: string;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  /** The bucket's major parameter (channel, guild, webhook or interaction), as Discord keys buckets. */
  major: string;
}

const MAJOR_PARAMS = ['channel_id', 'guild_id', 'webhook_id', 'interaction_id'];

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this.routes.push({
      method,
      template,
      segments: template.split('/').filter(Boolean),
      handler,
      key: `${method} ${template}`,
      auth: options.auth ?? 'bot',
      globalExempt: options.globalExempt ?? false,
    });
  }

  get(template: string, handler: RouteHandler, options?: RouteOptions): void {
    this.add('GET', template, handler, options);
  }
  post(template: string, handler: RouteHandler, options?: RouteOptions): void {
    this.add('POST', template, handler, options);
  }
  put(template: string, handler: RouteHandler, options?: RouteOptions): void {
    this.add('PUT', template, handler, options);
  }
  patch(template: string, handler: RouteHandler, options?: RouteOptions): void {
    this.add('PATCH', template, handler, options);
  }
  delete(template: string, handler: RouteHandler, options?: RouteOptions): void {
    this.add('DELETE', template, handler, options);
  }

  match(method: string, path: string): RouteMatch | undefined {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = route.segments[i]!;
        if (seg.startsWith(':')) params[seg.slice(1)] = parts[i]!;
        else ok = seg === parts[i];
      }
      if (!ok) continue;
      const majorName = MAJOR_PARAMS.find((p) => p in params);
      const major = majorName
        ? majorName === 'webhook_id' && params.webhook_token
          ? `${params.webhook_id}:${params.webhook_token}`
          : params[majorName]!
        : 'global';
      return { route, params, major };
    }
    return undefined;
  }
}
