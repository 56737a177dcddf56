/**
 * The demo's web page on the emulator's own HTTP server (127.0.0.1 only): GET /demo shows the server
 * as a chosen member sees it; each POST is one thing a member does (join, write, run a command,
 * press a button, submit a modal), done through the MemberClient, i.e. on the same path as a Discord
 * client's request: INTERACTION_CREATE to the real bot, its answer through the interaction callback.
 * The page never acts as the bot. Every answer is a redirect back to the page (no script needed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordHttpError } from '../errors.js';
import type { InteractionRecord, InteractionResult } from '../interactions.js';
import type { MemberClient } from '../memberClient.js';
import { type ChannelRecord, ChannelType, type DiscordStore } from '../model.js';
import { compareIds } from '../snowflake.js';
import type { World } from '../world.js';
import { findLeaf, optionInputs } from './commandForm.js';
import { type Note, pageUrl, renderPage } from './render.js';
import { canOpen, commandsFor, displayName, interactionLine, type PageWorld } from './view.js';

export interface DemoPageDeps {
  store: DiscordStore;
  world: World;
  members: MemberClient;
  guildId: string;
  interactions(): readonly InteractionRecord[];
  /** The emulator's port: only requests to 127.0.0.1/localhost on it are served. */
  port(): number;
}

/** What a page action leads to: a note to show and where to go back to. */
interface Outcome {
  /** Who the visitor is afterwards (a newcomer who just joined). */
  as?: string;
  note?: Note;
  channelId?: string;
  hash?: string;
  modal?: string;
  command?: string;
}

const MAX_BODY = 9 * 1024 * 1024;
const NOTES_KEPT = 200;
/** A newcomer's welcome DM goes through the bot's outbox: wait this long for it before showing the page. */
const WELCOME_WAIT_MS = 5_000;
/** Who counts as a newcomer when choosing where the page opens. */
const NEWCOMER_MS = 86_400_000;

const SECURITY_HEADERS = {
  // No script at all: member text cannot run even if it ever slipped through unescaped.
  'content-security-policy':
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: Chromium then sends "Origin: null" with the page's own forms.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export class DemoPage {
  private readonly notes = new Map<string, Note>();
  private noteCount = 0;
  private readonly world: PageWorld;

  constructor(private readonly deps: DemoPageDeps) {
    this.world = {
      store: deps.store,
      members: deps.members,
      guildId: deps.guildId,
      interactions: deps.interactions,
    };
  }

  /** Serves /demo (and / as a way in); false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return true;
    }
    if (url.pathname !== '/' && url.pathname !== '/demo' && !url.pathname.startsWith('/demo/')) return false;
    if (!this.sameHost(req)) {
      text(res, 403, 'This demo page answers on 127.0.0.1 or localhost only.');
      return true;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === '/') return redirect(res, '/demo');
    if (method === 'GET' && url.pathname === '/demo') {
      this.show(res, url);
      return true;
    }
    if (method !== 'POST') {
      text(res, 404, 'Not found');
      return true;
    }
    if (!this.sameOrigin(req)) {
      text(res, 403, 'Forms on this page can only be sent from this page.');
      return true;
    }
    const form = await readForm(req);
    if (!form) {
      text(res, 413, `The form is larger than ${MAX_BODY / 1024 / 1024} MB.`);
      return true;
    }
    const me = this.person(form.get('as'));
    if (!me && url.pathname !== '/demo/join') {
      return redirect(res, pageUrl({ note: this.keep({ tone: 'error', text: 'Choose who you are first.' }) }));
    }
    const channel = this.openable(me, form.get('ch'));
    let outcome: Outcome;
    try {
      outcome = await this.act(url.pathname, me ?? '', channel, form);
    } catch (error) {
      outcome = { note: { tone: 'error', text: refusal(error) } };
    }
    const target = pageUrl(
      {
        as: outcome.as ?? me ?? undefined,
        ch: outcome.channelId ?? channel?.id,
        note: outcome.note ? this.keep(outcome.note) : undefined,
        modal: outcome.modal,
        cmd: outcome.command,
      },
      outcome.hash,
    );
    return redirect(res, target);
  }

  private show(res: ServerResponse, url: URL): void {
    const me = this.person(url.searchParams.get('as'));
    const channel = me ? (this.openable(me, url.searchParams.get('ch')) ?? this.startingChannel(me)) : null;
    const noteId = url.searchParams.get('note');
    const modalId = url.searchParams.get('modal');
    const modal = me && modalId ? this.deps.members.openModal(me, modalId) : null;
    const before = url.searchParams.get('before');
    const command = url.searchParams.get('cmd');
    const page = renderPage({
      world: this.world,
      now: Date.now(),
      me,
      channel,
      ...(before ? { before } : {}),
      ...(noteId && this.notes.has(noteId) ? { note: this.notes.get(noteId)! } : {}),
      ...(modal && modalId
        ? { modal: { interactionId: modalId, title: modal.title, components: modal.components } }
        : {}),
      ...(command ? { command } : {}),
    });
    const body = Buffer.from(page.value, 'utf8');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  }

  private async act(path: string, me: string, channel: ChannelRecord | null, form: FormData): Promise<Outcome> {
    const { members } = this.deps;
    const where = () => {
      if (!channel) throw new Error('That channel cannot be opened by this member.');
      return channel;
    };
    switch (path) {
      case '/demo/join':
        return this.join(String(form.get('name') ?? ''));
      case '/demo/say': {
        const message = members.post(me, where().id, String(form.get('content') ?? ''));
        return { hash: `m${message.id}` };
      }
      case '/demo/command': {
        const line = String(form.get('cmd') ?? '').trim();
        const command = commandsFor(this.world, me).find((c) => c.name === line.split(' ')[0]);
        const leaf = findLeaf(command, line);
        if (!leaf)
          return {
            note: { tone: 'error', text: `/${line} is not a command ${displayName(this.world, me)} can run here.` },
          };
        const inputs = await optionInputs(leaf, form);
        const result = await members.command(me, where().id, leaf.line, inputs);
        return { ...this.answered(result, `/${leaf.line}`), command: leaf.line };
      }
      case '/demo/click': {
        const values = form.getAll('values').map(String);
        const result = await members.component(
          me,
          where().id,
          String(form.get('message') ?? ''),
          String(form.get('custom') ?? ''),
          values.length ? values : undefined,
        );
        return this.answered(result, this.said(result));
      }
      case '/demo/modal': {
        const values: Record<string, string> = {};
        for (const [key, value] of form.entries()) {
          if (key.startsWith('field.') && typeof value === 'string') values[key.slice('field.'.length)] = value;
        }
        const result = await members.submitModal(me, String(form.get('interaction') ?? ''), values);
        return this.answered(result, this.said(result));
      }
      default:
        return { note: { tone: 'error', text: 'Unknown action.' } };
    }
  }

  /** “This week helped me” (the button's label), “Tell the moderators” (the form's title). */
  private said(result: InteractionResult): string {
    const line = interactionLine(this.world, result.interactionId);
    return line ? `“${line.what}”` : 'it';
  }

  /** Where the bot's answer is, and a line saying what happened. */
  private answered(result: InteractionResult, what: string): Outcome {
    if (result.modal) return { modal: result.interactionId };
    const message = result.followups.at(-1) ?? result.message;
    const hash = message ? `m${message.id}` : undefined;
    const channelId = message?.channelId;
    const base = { ...(hash ? { hash } : {}), ...(channelId ? { channelId } : {}) };
    if (result.type === 7 || result.type === 6) {
      return { ...base, note: { tone: 'ok', text: `You pressed ${what}: Convene updated the message.` } };
    }
    const seen = result.ephemeral ? ' Only you can see the answer, marked below.' : ' Its answer is below.';
    return { ...base, note: { tone: 'ok', text: `Convene answered ${what}.${seen}` } };
  }

  private async join(rawName: string): Promise<Outcome> {
    const name = rawName.replace(/\s+/g, ' ').trim().slice(0, 32);
    if (!name) return { note: { tone: 'error', text: 'A new member needs a name.' } };
    const { store, world, guildId } = this.deps;
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9_.]/g, '')
        .slice(0, 28) || 'newcomer';
    const taken = new Set([...store.users.values()].map((u) => u.username));
    let username = base;
    for (let n = 2; taken.has(username); n++) username = `${base}${n}`;
    const now = Date.now();
    const user = world.createUser({ username, globalName: name, at: now });
    world.addMember(guildId, user.id, { at: now });
    const guildName = store.guild(guildId)?.name ?? 'the server';
    const deadline = Date.now() + WELCOME_WAIT_MS;
    let dm: ChannelRecord | undefined;
    while (Date.now() < deadline) {
      const id = store.dmChannels.get(user.id);
      dm = id ? store.channel(id) : undefined;
      if (dm && store.history(dm.id).length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const welcomed = dm && store.history(dm.id).length > 0;
    return {
      ...(welcomed ? { channelId: dm!.id } : {}),
      note: {
        tone: 'ok',
        text: welcomed
          ? `You are ${name}, who joined ${guildName} just now. Convene's welcome arrived in your direct messages.`
          : `You are ${name}, who joined ${guildName} just now. Convene did not write to you (yet): reload in a moment.`,
      },
      as: user.id,
    };
  }

  /** A person in this server (never the bot), or null. */
  private person(value: unknown): string | null {
    if (typeof value !== 'string' || !value) return null;
    const user = this.deps.store.user(value);
    if (!user || user.bot || !this.deps.store.member(this.deps.guildId, value)) return null;
    return value;
  }

  private openable(me: string | null, value: unknown): ChannelRecord | null {
    if (!me || typeof value !== 'string') return null;
    const channel = this.deps.store.channel(value);
    return channel && canOpen(this.world, me, channel) ? channel : null;
  }

  /**
   * A newcomer starts in their DMs (Convene's welcome); anyone else where Convene last spoke that
   * they can see (a channel, an intro thread, their DMs), else the first channel.
   */
  private startingChannel(me: string): ChannelRecord | null {
    const { store } = this.deps;
    const dmId = store.dmChannels.get(me);
    const joinedAt = store.member(this.deps.guildId, me)?.joinedAt ?? 0;
    if (dmId && Date.now() - joinedAt < NEWCOMER_MS) return store.channel(dmId) ?? null;
    const bot = store.application.botUserId;
    let best: { channel: ChannelRecord; last: string } | null = null;
    let first: ChannelRecord | null = null;
    for (const channel of store.channels.values()) {
      if (channel.type === ChannelType.GuildForum || !canOpen(this.world, me, channel)) continue;
      if (channel.guildId === this.deps.guildId && channel.type === ChannelType.GuildText && !first) first = channel;
      const last = store.history(channel.id).findLast((m) => m.authorId === bot);
      if (last && (!best || compareIds(last.id, best.last) > 0)) best = { channel, last: last.id };
    }
    return best?.channel ?? first;
  }

  private keep(note: Note): string {
    const id = String(++this.noteCount);
    this.notes.set(id, note);
    if (this.notes.size > NOTES_KEPT) this.notes.delete(this.notes.keys().next().value!);
    return id;
  }

  private sameHost(req: IncomingMessage): boolean {
    const host = req.headers.host ?? '';
    const port = this.deps.port();
    // Also keeps out pages that rebind their own domain name to 127.0.0.1.
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  }

  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${req.headers.host}`;
  }
}

/** What Discord would say to the member, in words. */
function refusal(error: unknown): string {
  if (error instanceof DiscordHttpError) {
    const detail = firstFieldError(error.body.errors);
    if (error.status === 403) return `Discord refuses this for this member: ${detail ?? error.body.message}.`;
    return `Discord refuses this: ${detail ?? error.body.message}`;
  }
  const message = error instanceof Error ? error.message.replace(/^sandbox: /, '') : String(error);
  if (/not acknowledged|no answer/.test(message)) return `Convene did not answer in time (${message}).`;
  return message;
}

function firstFieldError(errors: unknown): string | undefined {
  if (typeof errors !== 'object' || errors === null) return undefined;
  const node = errors as Record<string, unknown>;
  const list = node._errors as { message?: string }[] | undefined;
  if (list?.[0]?.message) return list[0].message;
  for (const value of Object.values(node)) {
    const found = firstFieldError(value);
    if (found) return found;
  }
  return undefined;
}

/** The submitted form, or null when it is larger than MAX_BODY. */
async function readForm(req: IncomingMessage): Promise<FormData | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  // undici (Node's fetch) parses both urlencoded and multipart forms: no extra dependency.
  return new Request('http://demo.local/', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
    body: Buffer.concat(chunks),
  }).formData();
}

function redirect(res: ServerResponse, location: string): true {
  res.writeHead(303, { ...SECURITY_HEADERS, location });
  res.end();
  return true;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
