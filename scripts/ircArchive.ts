/**
 * The Ubuntu IRC disentanglement data (../shared/data/ubuntu-irc-disentangle, see its README) read as
 * an archive in the forum's shape, so that chat goes through the same replay and scorer as a forum:
 * - each annotated conversation (messages joined by reply-to links) is a topic; the message that opens
 *   it is the question (post 1), the others are its replies in time order;
 * - every other line a person wrote (the ~1,000 context lines of each sample, unannotated lines) is
 *   activity only: a post in a topic that is not listed, so it is never a question nor a reply.
 * System lines ("=== nick has joined") are dropped. Times are to the minute in the log: the line
 * number is added in milliseconds to keep the log's order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ArchivePost, ArchiveTopic } from './archive.js';

const LINE = /^\[(\d{2}):(\d{2})\] <([^>]+)> ?(.*)$/;

/** Whether a directory holds the IRC data (train/dev/test folders of *.raw.txt.gz). */
export function isIrcData(dir: string): boolean {
  try {
    return readdirSync(dir).some((d) => ['train', 'dev', 'test'].includes(d)) && ircFiles(dir).length > 0;
  } catch {
    // Not a readable directory: not IRC data (the forum reader reports the real error).
    return false;
  }
}

function ircFiles(dir: string): { raw: string; annotation: string; day: string }[] {
  const out: { raw: string; annotation: string; day: string }[] = [];
  for (const sub of ['train', 'dev', 'test']) {
    let names: string[];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue; // a split may be absent
    }
    for (const name of names.sort()) {
      const m = /^(\d{4}-\d{2}-\d{2})(.*)\.raw\.txt\.gz$/.exec(name);
      if (!m) continue;
      out.push({
        raw: join(dir, sub, name),
        annotation: join(dir, sub, `${m[1]}${m[2]}.annotation.txt.gz`),
        day: m[1]!,
      });
    }
  }
  return out;
}

const gunzipText = (path: string) => gunzipSync(readFileSync(path)).toString('utf8');

export function loadIrcArchive(dir: string): { posts: ArchivePost[]; topics: ArchiveTopic[] } {
  const files = ircFiles(dir);
  if (files.length === 0) throw new Error(`${dir}: no IRC logs (train/dev/test/*.raw.txt.gz)`);
  const ids = new Map<string, number>();
  const idOf = (nick: string) => {
    const key = nick.toLowerCase();
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(key, id);
    }
    return id;
  };
  const posts: ArchivePost[] = [];
  const topics: ArchiveTopic[] = [];
  let nextTopic = 1;
  let postId = 1;
  for (const file of files) {
    const dayStart = Date.parse(`${file.day}T00:00:00Z`);
    const lines = gunzipText(file.raw).split('\n');
    // Conversations: union-find over the annotated links (i j: j replies to i; i = j opens one).
    const parent = new Map<number, number>();
    const find = (x: number): number => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const row of gunzipText(file.annotation).split('\n')) {
      const [a, b] = row.trim().split(/\s+/).map(Number);
      if (a === undefined || b === undefined || !Number.isInteger(a) || !Number.isInteger(b)) continue;
      for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
    }
    // Times: the log is in order; a line whose clock goes back wrapped past midnight.
    let dayOffset = 0;
    let lastMinute = -1;
    const topicOf = new Map<number, { topic: number; count: number }>();
    for (let i = 0; i < lines.length; i++) {
      const m = LINE.exec(lines[i]!);
      if (!m) continue;
      const minute = Number(m[1]) * 60 + Number(m[2]);
      if (minute < lastMinute - 60) dayOffset += 1;
      lastMinute = minute;
      const at = dayStart + dayOffset * 86_400_000 + minute * 60_000 + i;
      const nick = m[3]!;
      const text = m[4]!;
      const base = {
        post_id: postId++,
        user_id: idOf(nick),
        username: nick,
        created_at: new Date(at).toISOString(),
        post_type: 1,
        reply_to_post_number: null,
        accepted_answer: false,
        like_count: 0,
        staff: false,
        quotes: [],
        mentions: [],
        text,
      };
      if (!parent.has(i)) {
        // Context: activity only (a topic id no topic has).
        posts.push({ ...base, topic_id: -postId, post_number: 1 });
        continue;
      }
      const root = find(i);
      let conv = topicOf.get(root);
      if (!conv) {
        conv = { topic: nextTopic++, count: 0 };
        topicOf.set(root, conv);
        topics.push({
          topic_id: conv.topic,
          title: '',
          category_id: null,
          tags: [],
          created_at: base.created_at,
          user_id: base.user_id,
          closed: false,
          archived: false,
          accepted_answer_post_number: null,
        });
      }
      conv.count += 1;
      posts.push({ ...base, topic_id: conv.topic, post_number: conv.count });
    }
  }
  return { posts, topics };
}
