/**
 * A community archive in the format of ../shared/data/urho3d-discourse (see its README):
 * posts.jsonl.gz and topics.jsonl.gz, one JSON object per line. Shared by the evaluation and
 * replay scripts; each takes the fields it needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface ArchivePost {
  topic_id: number;
  post_id: number;
  /** 1 is the topic's opening post. */
  post_number: number;
  user_id: number;
  username: string;
  /** ISO-8601 UTC. */
  created_at: string;
  /** 1 regular, 2 small action, 3 moderator action. */
  post_type: number;
  reply_to_post_number: number | null;
  reply_to_username?: string | null;
  accepted_answer: boolean;
  like_count: number;
  staff: boolean;
  trust_level?: number;
  quotes: { username: string; post_number: number; topic_id: number }[];
  mentions: string[];
  /** Plain text of the post; quoted blocks removed. */
  text: string;
}

export interface ArchiveTopic {
  topic_id: number;
  title: string;
  category_id: number | null;
  tags: string[];
  created_at: string;
  /** The opener. */
  user_id: number;
  closed: boolean;
  archived: boolean;
  accepted_answer_post_number: number | null;
}

export function readJsonl<T>(path: string): T[] {
  return gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export function readPostsAndTopics(dir: string): { posts: ArchivePost[]; topics: ArchiveTopic[] } {
  return {
    posts: readJsonl<ArchivePost>(join(dir, 'posts.jsonl.gz')),
    topics: readJsonl<ArchiveTopic>(join(dir, 'topics.jsonl.gz')),
  };
}
