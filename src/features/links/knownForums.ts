/** The web addresses of every forum Convene knows, for links to their topics (forumBase). */
import type { Db } from '../../db/connection.js';
import { forums } from '../../db/schema.js';

/** DISCOURSE_URL's forum and those connected by command (their stored address, scheme and sub-path). */
export function knownForumUrls(deps: { db: Db; config: { discourse?: { url: string } | undefined } }): string[] {
  const stored = deps.db.select({ url: forums.url }).from(forums).all();
  return [...(deps.config.discourse ? [deps.config.discourse.url] : []), ...stored.map((f) => f.url)];
}
