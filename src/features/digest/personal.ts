/**
 * The personal weekly DM (/digest me on): for each subscriber, what is theirs this week, from the
 * features' sources. Each member's facts are read, the DM is composed (pure), and every DM of the
 * week is written to the outbox in one transaction.
 */
import type { MessageBody, OutboxItem } from '../../actions.js';
import { type Deps, databaseOf } from '../../commands.js';
import { transaction } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import { enqueueOn, hasKeyOn } from '../../outbox/store.js';
import { type Window, weekEndingAt, windowLabel } from './calendar.js';
import { composePersonal, personalHasContent } from './composePersonal.js';
import { ask, type NamedSource } from './gather.js';
import { subscribers } from './pulseStore.js';
import { type DigestTarget, digestTimezone, personalKey } from './schedule.js';
import { memberInfo, memberWeek } from './sectionsStore.js';
import type { DigestWindow } from './sources.js';
import { guildInfo } from './store.js';

/** The personal weekly DMs for everyone who asked (/digest me on); members with nothing to read get none. */
export async function sendPersonalDigests(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
): Promise<number> {
  const db = databaseOf(deps);
  const members = await subscribers(db, guildId);
  if (members.length === 0) return 0;
  const settings = await readSettings(db, guildId);
  const info = await guildInfo(db, guildId);
  if (!info) return 0;
  const tz = digestTimezone(settings);
  const window = weekEndingAt(target.endDate, tz);
  const dw: DigestWindow = {
    guildId,
    platform: info.platform,
    start: window.start,
    end: window.end,
    timezone: tz,
    now,
  };
  const items: OutboxItem[] = [];
  for (const memberId of members) {
    const key = personalKey(guildId, target.period, memberId);
    if (await hasKeyOn(db, key)) continue;
    const body = await personalDigest(deps, guildId, memberId, dw, window, info.name, sources);
    if (body) items.push({ platform: info.platform, guildId, key, action: { type: 'dm.send', memberId, body } });
  }
  const added = items.length ? await transaction(db, async (tx) => await enqueueOn(tx, items, now)) : 0;
  if (added > 0) deps.wakeOutbox();
  return added;
}

export async function personalDigest(
  deps: Deps,
  guildId: GuildId,
  memberId: MemberId,
  dw: DigestWindow,
  window: Window,
  guildName: string,
  sources: readonly NamedSource[],
): Promise<MessageBody | null> {
  const db = databaseOf(deps);
  const me = await memberInfo(db, guildId, memberId);
  if (!me?.here || me.bot) return null;
  const mine = await memberWeek(db, guildId, memberId, window.start, window.end);
  const questions: { title: string; url?: string }[] = [];
  const people: { name: string; why: string }[] = [];
  let journey: { stage: string; next?: string } | null = null;
  for (const named of sources) {
    const s = named.source;
    if (!s.personal) continue;
    const part = await ask(deps, named, 'personal', () => s.personal!(deps, dw, memberId));
    if (!part) continue;
    questions.push(...(part.questionsYouCouldAnswer ?? []).map((q) => ({ title: q.title, url: q.url })));
    people.push(...(part.peopleToMeet ?? []).map((p) => ({ name: p.name, why: p.why })));
    journey = part.journey ?? journey;
  }
  const data = {
    guildName,
    windowLabel: windowLabel(window),
    memberName: me.name,
    messages: mine.messages,
    repliedTo: mine.repliedTo,
    questionsYouCouldAnswer: questions,
    peopleToMeet: people,
    journey,
  };
  return personalHasContent(data) ? composePersonal(data) : null;
}
