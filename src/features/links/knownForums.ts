/** The web addresses of every forum Convene knows, for links to their topics (forumBase). */
import type { Database } from '../../db/database.js';

type ForumConfig = { discourse?: { url: string } | undefined };

/** DISCOURSE_URL's forum and those connected by command (their stored address, scheme and sub-path). */
export async function readForumUrls(db: Database, config: ForumConfig): Promise<string[]> {
  const { forums } = db.tables;
  return withConfigured(config, await db.select({ url: forums.url }).from(forums));
}

const withConfigured = (config: ForumConfig, stored: readonly { url: string }[]) => [
  ...(config.discourse ? [config.discourse.url] : []),
  ...stored.map((f) => f.url),
];
