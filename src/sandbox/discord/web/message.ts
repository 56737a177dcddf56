/**
 * One message as the viewing member sees it in Discord's client: author, time, who ran the command
 * it answers, its text, embeds (with their images), attachments, buttons and selects (each a small
 * form that presses it as this member), reactions, and "Only you can see this" on ephemeral answers.
 */
import { type AttachmentRecord, ChannelType, type MessageRecord } from '../model.js';
import { type Html, html, safeHref } from './html.js';
import { type MarkdownContext, markdown } from './markdown.js';
import { canOpen, displayName, interactionLine, type PageWorld } from './view.js';

export interface Viewer {
  world: PageWorld;
  me: string;
  now: number;
  /** The page's own URL with these parameters. */
  url(params: Record<string, string | undefined>, hash?: string): string;
}

const GROUP_WITHIN_MS = 7 * 60_000;

export function when(at: number, now: number): string {
  const ago = Math.max(0, now - at);
  if (ago < 60_000) return 'just now';
  if (ago < 3_600_000) return `${Math.floor(ago / 60_000)} min ago`;
  if (ago < 86_400_000) return `${Math.floor(ago / 3_600_000)} h ago`;
  const days = Math.floor(ago / 86_400_000);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

export function initial(name: string): string {
  return [...name.replace(/^[^\p{L}\p{N}]+/u, '')][0]?.toUpperCase() ?? '?';
}

export function markdownContext(v: Viewer): MarkdownContext {
  const { world } = v;
  return {
    user: (id) => html`<span class="mention${id === v.me ? ' mine' : ''}">@${displayName(world, id)}</span>`,
    role: (id) =>
      html`<span class="mention">@${world.store.guild(world.guildId)?.roles.get(id)?.name ?? 'role'}</span>`,
    channel: (id) => {
      const channel = world.store.channel(id);
      if (!channel) return html`#unknown`;
      const label = channel.type === ChannelType.PrivateThread || channel.type === ChannelType.PublicThread ? '' : '#';
      return canOpen(world, v.me, channel)
        ? html`<a class="mention" href="${v.url({ ch: id })}">${label}${channel.name}</a>`
        : html`<span class="mention">${label}${channel.name}</span>`;
    },
    href: (url) => {
      // A link to a Discord message or channel of this server opens it here, if the viewer may.
      const discord = /^https:\/\/(?:\w+\.)?discord\.com\/channels\/(\d+)\/(\d+)(?:\/(\d+))?$/.exec(url);
      if (discord) {
        const channel = world.store.channel(discord[2]!);
        if (!channel || !canOpen(world, v.me, channel)) return null;
        return v.url({ ch: channel.id }, discord[3] ? `m${discord[3]}` : undefined);
      }
      return attachmentPath(url) ?? safeHref(url);
    },
  };
}

/** Attachments are served by the emulator at /attachments/…: link them on this page's own host. */
function attachmentPath(url: string): string | null {
  const match = /^https?:\/\/127\.0\.0\.1:\d+(\/attachments\/[^\s?#]+)$/.exec(url);
  return match ? match[1]! : null;
}

function attachmentUrl(a: AttachmentRecord): string {
  return attachmentPath(a.url) ?? '#';
}

/**
 * width/height of a PNG (its IHDR chunk), so the browser keeps the image's room before it loads and
 * the page stays at the message it was sent to (the digest's chart loads after the anchor scroll).
 */
function sizeOf(a: AttachmentRecord): Html {
  const png =
    a.data.length >= 24 && a.data.readUInt32BE(0) === 0x89504e47 && a.data.toString('ascii', 12, 16) === 'IHDR';
  return png ? html` width="${a.data.readUInt32BE(16)}" height="${a.data.readUInt32BE(20)}"` : html``;
}

const isImage = (a: AttachmentRecord) =>
  /^image\//.test(a.contentType ?? '') || /\.(png|jpe?g|gif|webp)$/i.test(a.filename);

export function messageHtml(v: Viewer, m: MessageRecord, previous: MessageRecord | undefined): Html {
  const { world } = v;
  const ctx = markdownContext(v);
  const author = world.store.user(m.authorId);
  const bot = author?.bot === true;
  const name = bot ? (author?.username ?? 'Convene') : displayName(world, m.authorId);
  const used = m.interactionId ? interactionLine(world, m.interactionId) : null;
  const continued =
    previous !== undefined &&
    previous.authorId === m.authorId &&
    !used &&
    !m.reference &&
    m.createdAt - previous.createdAt < GROUP_WITHIN_MS;
  const shownImages = new Set<string>();
  const embeds = (m.embeds as Record<string, unknown>[]).map((e) => embedHtml(ctx, e, m, shownImages));
  const files = m.attachments.filter((a) => !shownImages.has(a.filename));
  return html`<article class="msg${continued ? ' cont' : ''}${m.ephemeral ? ' ephemeral' : ''}" id="m${m.id}">
    <div class="avatar${bot ? ' bot' : ''}" aria-hidden="true">${initial(name)}</div>
    <div class="body">
      ${used ? html`<div class="used">${displayName(world, used.userId)} ${used.did} ${used.did === 'used' ? html`<code>${used.what}</code>` : html`<b>${used.what}</b>`}</div>` : ''}
      ${m.reference ? referenceHtml(v, m.reference.messageId) : ''}
      ${continued ? '' : html`<div><span class="who">${name}</span>${bot ? html`<span class="tag">APP</span>` : ''}<time datetime="${new Date(m.createdAt).toISOString()}">${when(m.createdAt, v.now)}</time></div>`}
      ${m.content ? html`<div class="content">${markdown(m.content, ctx)}</div>` : ''}
      ${(m.flags & (1 << 7)) !== 0 ? html`<div class="content subtext">Convene is thinking…</div>` : ''}
      ${embeds}
      ${files.map((a) =>
        isImage(a)
          ? html`<div class="attachment"><img src="${attachmentUrl(a)}"${sizeOf(a)} alt="${a.description ?? a.filename}"></div>`
          : html`<div class="attachment"><a href="${attachmentUrl(a)}">📎 ${a.filename}</a></div>`,
      )}
      ${componentsHtml(v, m)}
      ${m.reactions.length ? html`<div class="reactions">${m.reactions.map((r) => html`<span class="reaction">${r.emoji.id ? `:${r.emoji.name}:` : r.emoji.name} ${r.userIds.length}</span>`)}</div>` : ''}
      ${m.ephemeral ? html`<div class="only-you">👁 Only you can see this</div>` : ''}
    </div>
  </article>`;
}

function referenceHtml(v: Viewer, messageId: string): Html {
  const ref = v.world.store.messages.get(messageId);
  if (!ref || !v.world.members.canSee(v.me, ref)) return html`<div class="ref">↪ replying to a message</div>`;
  const text = ref.content
    .replace(/<@!?(\d+)>/g, (_, id: string) => `@${displayName(v.world, id)}`)
    .replace(/\s+/g, ' ');
  return html`<div class="ref">↪ <a href="${v.url({ ch: ref.channelId }, `m${ref.id}`)}">@${displayName(v.world, ref.authorId)}</a> ${[...text].slice(0, 90).join('')}</div>`;
}

function embedHtml(ctx: MarkdownContext, e: Record<string, unknown>, m: MessageRecord, shown: Set<string>): Html {
  const color = typeof e.color === 'number' ? `#${(e.color >>> 0).toString(16).padStart(6, '0').slice(-6)}` : null;
  const title = typeof e.title === 'string' ? markdown(e.title, ctx) : null;
  const titleHref = ctx.href(typeof e.url === 'string' ? e.url : '');
  const fields = Array.isArray(e.fields) ? (e.fields as { name?: string; value?: string; inline?: boolean }[]) : [];
  const image = (e.image as { url?: string } | undefined)?.url;
  let imageSrc: string | null = null;
  let imageSize = html``;
  if (typeof image === 'string' && image.startsWith('attachment://')) {
    const file = m.attachments.find((a) => a.filename === image.slice('attachment://'.length));
    if (file) {
      shown.add(file.filename);
      imageSrc = attachmentUrl(file);
      imageSize = sizeOf(file);
    }
  } else if (typeof image === 'string') imageSrc = ctx.href(image);
  const footer = (e.footer as { text?: string } | undefined)?.text;
  return html`<div class="embed"${color ? html` style="border-left-color:${color}"` : ''}>
    ${title ? html`<div class="embed-title">${titleHref ? html`<a href="${titleHref}">${title}</a>` : title}</div>` : ''}
    ${typeof e.description === 'string' ? html`<div class="content">${markdown(e.description, ctx)}</div>` : ''}
    ${fields.length ? html`<div class="fields">${fields.map((f) => html`<div class="field-box${f.inline ? ' inline' : ''}"><div class="field-name">${markdown(f.name ?? '', ctx)}</div><div class="content">${markdown(f.value ?? '', ctx)}</div></div>`)}</div>` : ''}
    ${imageSrc ? html`<img src="${imageSrc}"${imageSize} alt="${typeof e.title === 'string' ? e.title : 'image'}">` : ''}
    ${typeof footer === 'string' ? html`<div class="footer">${footer}</div>` : ''}
  </div>`;
}

const BUTTON_STYLE: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger' };

function componentsHtml(v: Viewer, m: MessageRecord): Html {
  const rows = (m.components as Record<string, unknown>[]).filter((c) => c && typeof c === 'object');
  if (rows.length === 0) return html``;
  const hidden = html`<input type="hidden" name="as" value="${v.me}"><input type="hidden" name="ch" value="${m.channelId}"><input type="hidden" name="message" value="${m.id}">`;
  return html`${rows.map((row) => {
    const items =
      row.type === 1 && Array.isArray(row.components) ? (row.components as Record<string, unknown>[]) : [row];
    return html`<div class="row"><form method="post" action="/demo/click">${hidden}${items.map((c) => componentHtml(c))}</form></div>`;
  })}`;
}

function componentHtml(c: Record<string, unknown>): Html {
  const label =
    `${(c.emoji as { name?: string } | undefined)?.name ?? ''} ${typeof c.label === 'string' ? c.label : ''}`.trim();
  if (c.type === 2) {
    if (c.style === 5) {
      const href = safeHref(c.url);
      return href
        ? html`<a class="btn secondary" href="${href}" target="_blank" rel="noopener noreferrer">${label} ↗</a>`
        : html``;
    }
    if (typeof c.custom_id !== 'string') return html``;
    return html`<button type="submit" name="custom" value="${c.custom_id}" class="${BUTTON_STYLE[c.style as number] ?? 'secondary'}"${c.disabled === true ? html` disabled` : ''}>${label || 'Button'}</button>`;
  }
  if (c.type === 3 && typeof c.custom_id === 'string') {
    const options = Array.isArray(c.options) ? (c.options as { label?: string; value?: string }[]) : [];
    const many = typeof c.max_values === 'number' && c.max_values > 1;
    return html`<input type="hidden" name="custom" value="${c.custom_id}">
      <select name="values"${many ? html` multiple` : ''}${c.disabled === true ? html` disabled` : ''}>${options.map((o) => html`<option value="${o.value ?? ''}">${o.label ?? o.value ?? ''}</option>`)}</select>
      <button type="submit" class="primary"${c.disabled === true ? html` disabled` : ''}>${typeof c.placeholder === 'string' ? c.placeholder : 'Choose'}</button>`;
  }
  return html`<span class="hint">(a component this page does not show)</span>`;
}
