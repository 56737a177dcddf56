/**
 * The demo's narrator: what the bot does (every REST call that posts, opens a thread or gives a
 * role), printed as a person would read it. Lines are clipped at a word, and a run of near-identical
 * messages (a welcome DM to each of 40 newcomers) is shown once, then counted: "… and 39 more DMs
 * like it, to a, b, c and 36 others" when the section ends.
 */
import type { DiscordSandbox, RecordedRequest } from '../discord/index.js';

export interface Narrator {
  /** Prints what the bot did since the last call; near-identical lines after the first are counted. */
  flush(): void;
  /** Ends the current section (printing its counts) and prints the next one's title. */
  section(title: string): void;
  /** Ends the current section: prints what was counted instead of shown. */
  endSection(): void;
}

/** How much of a message one terminal line shows. */
const SHOWN = 160;

/** At most `max` characters, cut between words (never inside one, never inside an emoji), with "…". */
export function clipAtWord(text: string, max = SHOWN): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join('');
  const space = cut.search(/\s\S*$/);
  // A single very long "word" (a URL) is cut where it must be.
  const kept = space > cut.length / 2 ? cut.slice(0, space) : cut;
  return `${kept.trimEnd()}…`;
}

interface Said {
  /** Where, as a person reads it: "DM to mei", "#help", "thread “Intro: …”". */
  where: string;
  text: string;
  /** For DMs: who it went to (left out of the comparison with other DMs). */
  to?: string;
}

interface Run {
  where: string;
  dm: boolean;
  more: string[];
}

export function narrator(sandbox: DiscordSandbox, opts: { print: (line: string) => void; quiet?: boolean }): Narrator {
  let seen = 0;
  const runs = new Map<string, Run>();
  const print = (line: string) => {
    if (!opts.quiet) opts.print(line);
  };
  const username = (id: string) => sandbox.user(id)?.username ?? id;
  const name = (channelId: string): { where: string; to?: string } => {
    const channel = sandbox.channel(channelId);
    if (!channel) return { where: channelId };
    if (channel.recipientId) {
      const to = username(channel.recipientId);
      return { where: `DM to ${to}`, to };
    }
    return { where: channel.type === 11 || channel.type === 12 ? `thread “${channel.name}”` : `#${channel.name}` };
  };
  const text = (body: unknown) => {
    const b = body as { content?: string; embeds?: { title?: string; description?: string }[] } | null;
    const parts = [b?.content ?? '', ...(b?.embeds ?? []).map((e) => `[${e.title ?? ''}] ${e.description ?? ''}`)];
    return parts
      .join(' ')
      .replace(/<@!?(\d+)>/g, (_, id: string) => `@${username(id)}`)
      .replace(/<#(\d+)>/g, (_, id: string) => `#${sandbox.channel(id)?.name ?? id}`)
      .replace(/\s+/g, ' ')
      .trim();
  };
  const describe = (r: RecordedRequest): Said | string | null => {
    // Rate limits are part of Discord's pace: the bot waits and retries; the summary counts them.
    if (r.status === 429) return null;
    if (r.status >= 400) return `✗ ${r.method} ${r.path} → ${r.status}`;
    const channel = /^\/channels\/(\d+)\/messages$/.exec(r.path);
    if (r.method === 'POST' && channel) return { ...name(channel[1]!), text: text(r.body) };
    const threads = /^\/channels\/(\d+)\/threads$/.exec(r.path);
    if (r.method === 'POST' && threads)
      return `opened a private thread in ${name(threads[1]!).where}: “${(r.body as { name?: string }).name}”`;
    const role = /^\/guilds\/\d+\/members\/(\d+)\/roles\/(\d+)$/.exec(r.path);
    if (role)
      return `${r.method === 'PUT' ? 'gave' : 'removed'} role ${role[2]} ${r.method === 'PUT' ? 'to' : 'from'} ${username(role[1]!)}`;
    return null;
  };
  const say = (said: Said) => {
    // DMs alike but for their recipient are one run; so are identical messages in one channel.
    const key = said.to ? `DM\n${said.text.split(`@${said.to}`).join('@…')}` : `${said.where}\n${said.text}`;
    const run = runs.get(key);
    if (run) {
      run.more.push(said.to ?? '');
      return;
    }
    runs.set(key, { where: said.where, dm: said.to !== undefined, more: [] });
    print(`  [bot] ${said.where} ← ${clipAtWord(said.text)}`);
  };
  const endSection = () => {
    for (const run of runs.values()) {
      const n = run.more.length;
      if (n === 0) continue;
      if (run.dm) {
        const named = run.more.slice(0, 3).join(', ');
        const others = n > 3 ? ` and ${n - 3} others` : '';
        print(`  [bot] … and ${n} more DM${n === 1 ? '' : 's'} like it, to ${named}${others}`);
      } else {
        print(`  [bot] … and ${n} more like it in ${run.where}`);
      }
    }
    runs.clear();
  };
  return {
    flush() {
      const requests = sandbox.requests;
      for (; seen < requests.length; seen++) {
        const said = describe(requests[seen]!);
        if (typeof said === 'string') print(`  [bot] ${said}`);
        else if (said) say(said);
      }
    },
    section(title: string) {
      this.flush();
      endSection();
      opts.print(title);
    },
    endSection() {
      this.flush();
      endSection();
    },
  };
}
