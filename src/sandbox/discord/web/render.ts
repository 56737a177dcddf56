/**
 * The page: who you are (any member, or a newcomer who joins now), the channels, threads and DMs
 * that member sees, one channel's messages, a box to write in it, and a form for every command the
 * bot registered. Plain HTML and forms, no script: each action is a POST that the page turns into
 * what a Discord client sends for that member.
 */
import { type ChannelRecord, ChannelType } from '../model.js';
import { type Leaf, leavesOf, optionField } from './commandForm.js';
import { Html, html } from './html.js';
import { initial, messageHtml, type Viewer, when } from './message.js';
import { STYLE } from './style.js';
import {
  commandsFor,
  displayName,
  forumPosts,
  groupedChoices,
  isModerator,
  type MemberChoice,
  memberChoices,
  type PageWorld,
  sidebar,
  visibleMessages,
} from './view.js';

export interface Note {
  tone: 'ok' | 'error' | 'info';
  text: string;
}

export interface OpenModal {
  interactionId: string;
  title: string;
  components: unknown[];
}

export interface PageState {
  world: PageWorld;
  now: number;
  me: string | null;
  channel: ChannelRecord | null;
  before?: string;
  note?: Note;
  modal?: OpenModal;
  /** The command form to show open (the one just run). */
  command?: string;
}

const PAGE_SIZE = 50;

export function pageUrl(params: Record<string, string | undefined>, hash?: string): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
  const q = query.toString();
  return `/demo${q ? `?${q}` : ''}${hash ? `#${hash}` : ''}`;
}

export function channelLabel(channel: ChannelRecord): string {
  if (channel.type === ChannelType.DM) return 'Convene';
  if (channel.type === ChannelType.PublicThread || channel.type === ChannelType.PrivateThread) return channel.name;
  return `${channel.type === ChannelType.GuildForum ? '💬' : '#'} ${channel.name}`;
}

export function renderPage(state: PageState): Html {
  const { world } = state;
  const guild = world.store.guild(world.guildId);
  const choices = memberChoices(world);
  const me = state.me;
  const viewer: Viewer | null = me
    ? {
        world,
        me,
        now: state.now,
        url: (params, hash) => pageUrl({ as: me, ...params }, hash),
      }
    : null;
  const body = viewer
    ? html`<div class="app">
        ${sidebarHtml(viewer, state.channel)}
        <main class="channel">${state.channel ? channelHtml(viewer, state) : html`<p class="hint">Pick a channel.</p>`}</main>
        ${commandsHtml(viewer, state.channel, choices, state.command)}
      </div>
      ${state.modal ? modalHtml(viewer, state.channel, state.modal) : ''}`
    : landingHtml(state, choices);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Convene demo · ${guild?.name ?? 'server'}</title><style>${new Html(STYLE)}</style></head>
<body>
<header class="top">
  <div class="brand"><b>Convene</b> <span>demo · ${guild?.name ?? ''}</span></div>
  <form method="get" action="/demo"><label for="as">You are</label>
    <select id="as" name="as">${pickerOptions(choices, me, state.now)}</select><button type="submit" class="primary">Switch</button></form>
  <form method="post" action="/demo/join"><input name="name" placeholder="new member's name" required maxlength="32" aria-label="New member's name">
    <button type="submit" class="success">Join as a new member</button></form>
</header>
${body}
</body></html>`;
}

function pickerOptions(choices: MemberChoice[], me: string | null, now: number): Html {
  const { moderators, newcomers, rest } = groupedChoices(choices, now);
  const option = (c: MemberChoice, extra = '') =>
    html`<option value="${c.user.id}"${c.user.id === me ? html` selected` : ''}>${c.name}${extra}</option>`;
  return html`${me ? '' : html`<option value="" selected>Choose a member…</option>`}
    <optgroup label="Moderators">${moderators.map((c) => option(c))}</optgroup>
    <optgroup label="Joined in the last day">${newcomers.map((c) => option(c, ` — joined ${when(c.joinedAt, now)}`))}</optgroup>
    <optgroup label="Everyone else">${rest.map((c) => option(c))}</optgroup>`;
}

function landingHtml(state: PageState, choices: MemberChoice[]): Html {
  const { moderators, newcomers, rest } = groupedChoices(choices, state.now);
  const active = [...rest].sort((a, b) => b.messages - a.messages)[0];
  const introduced = introducedMember(state.world, choices);
  const pick = (c: MemberChoice | undefined, what: string) =>
    c ? html`<a class="pick" href="${pageUrl({ as: c.user.id })}"><b>${c.name}</b><small>${what}</small></a>` : '';
  const guild = state.world.store.guild(state.world.guildId);
  // The emulator keeps to itself (no import of Convene's src/text/plural.ts): its one count agrees here.
  const activeCount = active?.messages ?? 0;
  return html`<div class="landing">
    ${state.note ? noteHtml(state.note) : ''}
    <h1>Try Convene as a member of ${guild?.name ?? 'this server'}</h1>
    <p>This is a local copy of a Discord server, replayed from a real public chat log, with the real Convene bot
    answering. Be anyone in it: see what they see, run Convene's commands, press its buttons. It all runs on this
    computer: nothing is sent to Discord.</p>
    <ol>
      <li>Choose who you are:
        <div class="picks">
          ${pick(moderators[0], 'a moderator: can also run /convene (set-up, digest, intro rounds)')}
          ${pick(newcomers[0], `joined ${newcomers[0] ? when(newcomers[0].joinedAt, state.now) : ''}: see the welcome and /journey`)}
          ${pick(active, `the most active member (${activeCount} ${activeCount === 1 ? 'message' : 'messages'}): try /unanswered, or /intros join then /meet`)}
          ${introduced ? pick(introduced.member, `introduced by Convene in “${introduced.thread}”: see the thread and its buttons`) : ''}
        </div>
        or any member from “You are” above, or join as a new member.</li>
      <li>Open a channel, a thread or your direct messages on the left.</li>
      <li>Run a command from the right, as if you typed “/” in Discord. Answers only you can see are marked so.</li>
    </ol>
  </div>`;
}

/** Someone in a private thread the bot opened (an introduction), to see one from the inside. */
function introducedMember(world: PageWorld, choices: MemberChoice[]): { member: MemberChoice; thread: string } | null {
  const bot = world.store.application.botUserId;
  const byId = new Map(choices.map((c) => [c.user.id, c]));
  for (const channel of world.store.guildChannels(world.guildId)) {
    if (channel.type !== ChannelType.PrivateThread || channel.thread?.ownerId !== bot) continue;
    for (const userId of channel.thread.members.keys()) {
      const member = byId.get(userId);
      if (member) return { member, thread: channel.name };
    }
  }
  return null;
}

function sidebarHtml(v: Viewer, current: ChannelRecord | null): Html {
  const { world, me } = v;
  const { channels, dm } = sidebar(world, me);
  const member = world.store.member(world.guildId, me);
  const user = world.store.user(me);
  const name = displayName(world, me);
  const link = (c: ChannelRecord) =>
    html`<a class="ch${current?.id === c.id ? ' current' : ''}" href="${v.url({ ch: c.id })}">${channelLabel(c)}</a>`;
  return html`<nav class="sidebar" aria-label="Channels">
    <div class="me"><span class="avatar">${initial(name)}</span><div><b>${name}</b>
      <small>@${user?.username ?? ''} · joined ${member ? when(member.joinedAt, v.now) : '?'}${isModerator(world, me) ? ' · moderator' : ''}</small></div></div>
    <h2>Channels</h2>
    <ul>${channels.map(
      (e) =>
        html`<li>${link(e.channel)}${e.threads.length ? html`<ul class="threads">${e.threads.map((t) => html`<li>${link(t)}</li>`)}</ul>` : ''}</li>`,
    )}</ul>
    <h2>Direct messages</h2>
    ${dm ? html`<ul><li>${link(dm)}</li></ul>` : html`<p class="empty">None yet: Convene writes here when it has something for you.</p>`}
  </nav>`;
}

function channelHtml(v: Viewer, state: PageState): Html {
  const channel = state.channel!;
  const { world } = v;
  const parent = channel.parentId ? world.store.channel(channel.parentId) : undefined;
  const head = html`<header class="ch-head"><h1>${channel.type === ChannelType.DM ? 'Direct messages with Convene' : channelLabel(channel)}</h1>
    ${parent ? html`<p class="topic">thread in ${channelLabel(parent)}${channel.type === ChannelType.PrivateThread ? ' · private' : ''}</p>` : ''}
    ${channel.topic ? html`<p class="topic">${channel.topic}</p>` : ''}</header>`;
  const note = state.note ? noteHtml(state.note) : '';
  if (channel.type === ChannelType.GuildForum) {
    const posts = forumPosts(world, v.me, channel.id);
    return html`${head}${note}<div class="scroll top"><div class="posts">${posts.map((p) => {
      const count = world.store.channelMessages.get(p.id)?.length ?? 0;
      return html`<a class="post" href="${v.url({ ch: p.id })}"><b>${p.name}</b>
        <small>by ${displayName(world, p.thread!.ownerId)} · ${count} message${count === 1 ? '' : 's'} · ${when(p.thread!.createdAt, v.now)}</small></a>`;
    })}${posts.length ? '' : html`<p class="hint">No posts yet.</p>`}</div></div>`;
  }
  const { messages, earlier } = visibleMessages(world, v.me, channel.id, {
    limit: PAGE_SIZE,
    ...(state.before ? { before: state.before } : {}),
  });
  const list = messages.map((m, i) => messageHtml(v, m, messages[i - 1]));
  const where = channel.type === ChannelType.DM ? 'Convene' : channelLabel(channel);
  return html`${head}${note}
    <div class="scroll" id="messages"><div class="messages">
      ${earlier ? html`<a class="earlier" href="${v.url({ ch: channel.id, before: messages[0]?.id })}">Show earlier messages</a>` : ''}
      ${state.before ? html`<a class="earlier" href="${v.url({ ch: channel.id })}">Back to the latest</a>` : ''}
      ${list.length ? list : html`<p class="hint">Nothing here yet.</p>`}
    </div></div>
    <form class="composer" method="post" action="/demo/say">
      <input type="hidden" name="as" value="${v.me}"><input type="hidden" name="ch" value="${channel.id}">
      <textarea name="content" required maxlength="2000" placeholder="Message ${where} as ${displayName(world, v.me)}" aria-label="Message"></textarea>
      <button type="submit" class="primary">Send</button>
    </form>`;
}

function noteHtml(note: Note): Html {
  return html`<div class="note ${note.tone}" role="status">${note.text}</div>`;
}

function commandsHtml(v: Viewer, channel: ChannelRecord | null, people: MemberChoice[], open?: string): Html {
  if (!channel?.guildId || channel.type === ChannelType.GuildForum) {
    const first = sidebar(v.world, v.me).channels.find((e) => e.channel.type === ChannelType.GuildText)?.channel;
    return html`<aside class="commands"><h2>Commands</h2>
      <p class="hint">Commands run in a server channel or thread${
        first ? html`: open <a href="${v.url({ ch: first.id })}">#${first.name}</a> (or any channel) to run one` : ''
      }.</p></aside>`;
  }
  const commands = commandsFor(v.world, v.me);
  const hidden = html`<input type="hidden" name="as" value="${v.me}"><input type="hidden" name="ch" value="${channel.id}">`;
  const leafForm = (leaf: Leaf) =>
    html`<form class="leaf" method="post" action="/demo/command" enctype="multipart/form-data">${hidden}
      <input type="hidden" name="cmd" value="${leaf.line}">${leaf.options.map((o) => optionField(v.world, o, people))}
      <button type="submit" class="primary">Run <code>/${leaf.line}</code></button></form>`;
  return html`<aside class="commands" aria-label="Commands"><h2>Commands</h2>
    <p class="hint">Run as ${displayName(v.world, v.me)} in ${channelLabel(channel)}, as if you typed “/” in Discord.</p>
    ${commands.map((command) => {
      const leaves = leavesOf(command);
      const description = (command.definition.description as string | undefined) ?? '';
      const single = leaves.length === 1 && leaves[0]!.line === command.name;
      const isOpen = open !== undefined && (open === command.name || open.startsWith(`${command.name} `));
      return html`<details class="cmd"${isOpen ? html` open` : ''}><summary><code>/${command.name}</code> <span>${description}</span></summary>
        ${
          single
            ? leafForm(leaves[0]!)
            : leaves.map(
                (leaf) =>
                  html`<details${open === leaf.line ? html` open` : ''}><summary><code>/${leaf.line}</code> <span>${leaf.description}</span></summary>${leafForm(leaf)}</details>`,
              )
        }
      </details>`;
    })}
  </aside>`;
}

interface TextInput {
  custom_id: string;
  label?: string;
  style?: number;
  required?: boolean;
  min_length?: number;
  max_length?: number;
  placeholder?: string;
  value?: string;
}

/** Text inputs of a modal, from action rows (type 1) or labels (type 18), with their labels. */
function textInputs(components: unknown[]): { label: string; input: TextInput }[] {
  const out: { label: string; input: TextInput }[] = [];
  for (const raw of components as Record<string, unknown>[]) {
    if (raw.type === 1 && Array.isArray(raw.components)) {
      for (const c of raw.components as TextInput[]) if (c.custom_id) out.push({ label: c.label ?? '', input: c });
    } else if (raw.type === 18 && raw.component) {
      const c = raw.component as TextInput;
      out.push({ label: typeof raw.label === 'string' ? raw.label : '', input: c });
    }
  }
  return out;
}

function modalHtml(v: Viewer, channel: ChannelRecord | null, modal: OpenModal): Html {
  const fields = textInputs(modal.components).map(({ label, input }) => {
    const attrs = html`name="field.${input.custom_id}"${input.required === false ? '' : html` required`}${input.min_length ? html` minlength="${input.min_length}"` : ''}${input.max_length ? html` maxlength="${input.max_length}"` : ''} placeholder="${input.placeholder ?? ''}"`;
    return html`<label class="field"><span class="opt-name">${label}</span>${
      input.style === 2
        ? html`<textarea rows="5" ${attrs}>${input.value ?? ''}</textarea>`
        : html`<input type="text" ${attrs} value="${input.value ?? ''}">`
    }</label>`;
  });
  return html`<dialog open class="modal" aria-label="${modal.title}"><form method="post" action="/demo/modal">
    <input type="hidden" name="as" value="${v.me}"><input type="hidden" name="ch" value="${channel?.id ?? ''}">
    <input type="hidden" name="interaction" value="${modal.interactionId}">
    <h2>${modal.title}</h2>${fields}
    <div class="actions"><a class="btn secondary" href="${v.url({ ch: channel?.id })}">Cancel</a><button type="submit" class="primary">Submit</button></div>
  </form></dialog>`;
}
