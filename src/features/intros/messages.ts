/**
 * What intros say (pure): the Actions that introduce a group, ask for a /meet intro, tell the asker
 * "not this time", ask "Did you meet?" and announce intros in a channel. Plain data in (ids, names,
 * handles, settings), outbox items out; the operations decide who gets which and write them.
 */
import type { Action, MessageBody, OutboxItem } from '../../actions.js';
import { buttonId } from '../../commands.js';
import { asChannelId, asGuildId, asMemberId, type GuildId, type MemberId, type Platform } from '../../events.js';
import { type Handle, nameFor } from './across.js';
import { conversationStarter, explain, type Names, quiet } from './reasons.js';
import { type PairScore, pairKey } from './score.js';
import type { IntrosSettings } from './settings.js';

/** Button ids (custom_id prefixes) of this feature. */
export const BUTTONS = {
  introduce: 'intros-introduce',
  accept: 'intros-accept',
  decline: 'intros-decline',
  feedback: 'intros-feedback',
  join: 'intros-join',
} as const;

const mention = (id: string) => `<@${id}>`;

const lowerFirst = (text: string) => (text.startsWith('You') ? `y${text.slice(1)}` : text);

/** Where a person is written to: their platform, guild and member id there. */
export interface Recipient {
  platform: Platform;
  guildId: GuildId;
  memberId: string;
}

/**
 * In a group of three, what each member is told: the reasons of their own strongest pair in the group,
 * naming that partner. The group's strongest pair's reasons, told to all three, said "you are both
 * active in #category 7" to members who never posted there (9 of the urho3d replay's trio DMs).
 */
export function ownPairWhy(
  memberIds: readonly string[],
  scores: ReadonlyMap<string, PairScore>,
  names: Names,
): (id: string) => string {
  return (id) => {
    let best: PairScore | undefined;
    for (const other of memberIds) {
      if (other === id) continue;
      const s = scores.get(pairKey(id, other));
      if (s && (!best || s.score > best.score)) best = s;
    }
    const partner = best && (best.a === id ? best.b : best.a);
    if (!best || !partner || best.reasons.length === 0) return 'The three of you joined intros';
    return `With ${quiet(names.member(partner))}: ${lowerFirst(explain(best, names, id))}`;
  };
}

/**
 * The Actions that introduce a group: one private thread in the intros channel (key `key`), or a
 * DM to each member when no channel is set (key `<key>:<member>`).
 */
export function introductionActions(
  platform: Platform,
  guildId: GuildId,
  key: string,
  settings: Pick<IntrosSettings, 'channelId'>,
  memberIds: readonly string[],
  reasons: PairScore['reasons'],
  names: Names,
  seed: string,
  kind: 'round' | 'meet',
  whyFor: (id: string) => string = (id) => explain({ reasons }, names, id),
  /** The pair `reasons` are about, when the group is larger: the thread names them. */
  pair?: readonly [string, string],
): OutboxItem[] {
  const why = pair
    ? `${quiet(names.member(pair[0]))} and ${quiet(names.member(pair[1]))}: ${lowerFirst(explain({ reasons }, names, null))}`
    : explain({ reasons }, names, null);
  const starter = conversationStarter(reasons, seed);
  const origin = kind === 'round' ? 'this round of intros' : 'a /meet request you both accepted';
  const footer = `(From ${origin}. /intros leave stops future intros.)`;
  if (settings.channelId) {
    const who = memberIds.map(mention);
    const greeting = `👋 ${who.slice(0, -1).join(', ')}${who.length > 2 ? ',' : ''} meet ${who[who.length - 1]}!`;
    const title = memberIds.map((id) => names.member(id)).join(' & ');
    const action: Action = {
      type: 'thread.create',
      channelId: asChannelId(settings.channelId),
      // Discord: thread names are at most 100 characters.
      name: `Intro: ${title}`.slice(0, 100),
      memberIds: memberIds.map(asMemberId),
      body: {
        content: `${greeting}\n${why}.\nTo get you started: ${starter}\n${footer}`,
        mentions: { members: memberIds.map(asMemberId) },
      },
    };
    return [{ platform, guildId, key, action }];
  }
  return memberIds.map((id) => {
    const others = memberIds.filter((m) => m !== id).map((m) => quiet(names.member(m)));
    return {
      platform,
      guildId,
      key: `${key}:${id}`,
      action: {
        type: 'dm.send',
        memberId: asMemberId(id),
        body: {
          content: `👋 Meet ${others.join(' and ')}! ${whyFor(id)}.\nTo get you started: ${starter}\nSay hello to them directly. ${footer}`,
        },
      },
    };
  });
}

/**
 * The Actions that introduce a group across platforms: a private message to each person on the
 * platform where they are active (key `<key>:<member key>`), naming the others with how to reach
 * them. Mentions list only Discord members of the recipient's own guild (across.ts nameFor).
 */
export function acrossActions(
  key: string,
  memberIds: readonly string[],
  handles: ReadonlyMap<string, Handle>,
  reasons: PairScore['reasons'],
  names: Names,
  seed: string,
  kind: 'round' | 'meet',
  whyFor: (id: string) => string = (id) => explain({ reasons }, names, id),
): OutboxItem[] {
  const starter = conversationStarter(reasons, seed);
  const origin = kind === 'round' ? 'this round of intros' : 'a /meet request you both accepted';
  const footer = `(From ${origin}. /intros leave stops future intros.)`;
  const out: OutboxItem[] = [];
  for (const id of memberIds) {
    const to = handles.get(id);
    if (!to) continue;
    const mentions: MemberId[] = [];
    const others = memberIds
      .filter((m) => m !== id)
      .map((m) => {
        const h = handles.get(m);
        if (!h) return quiet(names.member(m));
        const n = nameFor(h, to, quiet);
        if (n.mention) mentions.push(asMemberId(n.mention));
        return n.text;
      });
    out.push({
      platform: to.platform,
      guildId: asGuildId(to.guildId),
      key: `${key}:${id}`,
      action: {
        type: 'dm.send',
        memberId: asMemberId(to.memberId),
        body: {
          content: `👋 Meet ${others.join(' and ')}! ${whyFor(id)}.\nTo get you started: ${starter}\nSay hello to them where they are. ${footer}`,
          mentions: { members: mentions },
        },
      },
    });
  }
  return out;
}

/** "X would like to meet you" with Accept / Decline, to the other member of a /meet request. */
export function askItem(
  platform: Platform,
  guildId: GuildId,
  introId: string,
  otherId: MemberId,
  askerName: string,
  why: string,
): OutboxItem {
  const body: MessageBody = {
    content: `Hi! ${quiet(askerName)} would like to meet you through Convene. ${why}. Would you like an introduction?`,
    buttons: [
      { id: buttonId(BUTTONS.accept, `${guildId}:${introId}`), label: 'Accept', style: 'success' },
      { id: buttonId(BUTTONS.decline, `${guildId}:${introId}`), label: 'Decline', style: 'secondary' },
    ],
  };
  return {
    platform,
    guildId,
    key: `intros:${guildId}:ask:${introId}`,
    action: { type: 'dm.send', memberId: otherId, body },
  };
}

/**
 * "Introduce us" to someone only on the other platform (no buttons there): a private message naming
 * the asker with how to reach them, under `key`.
 */
export function askAcrossItem(key: string, asker: Handle, other: Handle, why: string): OutboxItem {
  const askerName = nameFor(asker, other, quiet);
  return {
    platform: other.platform,
    guildId: asGuildId(other.guildId),
    key,
    action: {
      type: 'dm.send',
      memberId: asMemberId(other.memberId),
      body: {
        content: `Hi! ${quiet(asker.displayName)} (${askerName.text}) would like to meet you through Convene. ${why}. If you would like that too, say hello to them there. (Not now? Nothing to do: they will not hear more. /intros leave stops intros.)`,
        mentions: { members: askerName.mention ? [asMemberId(askerName.mention)] : [] },
      },
    },
  };
}

/** "Not this time" to the asker of a declined /meet request. */
export function declinedItem(
  platform: Platform,
  guildId: GuildId,
  introId: string,
  askerId: string,
  otherName: string,
): OutboxItem {
  return {
    platform,
    guildId,
    key: `intros:${guildId}:declined:${introId}`,
    action: {
      type: 'dm.send',
      memberId: asMemberId(askerId),
      body: { content: `About meeting ${quiet(otherName)}: not this time. /meet has more people for you.` },
    },
  };
}

/**
 * "Did you meet?" to each member of an intro who is still in intros (`consent`), on the account
 * `accountOf` gives, with the three answer buttons.
 */
export function followUpItems(
  guildId: GuildId,
  intro: { introId: string; memberIds: readonly string[] },
  consent: ReadonlySet<string>,
  names: ReadonlyMap<string, string>,
  accountOf: (id: string) => Recipient,
): OutboxItem[] {
  const items: OutboxItem[] = [];
  for (const id of intro.memberIds) {
    // Someone who left intros since is not contacted again.
    if (!consent.has(id)) continue;
    const others = intro.memberIds.filter((m) => m !== id).map((m) => quiet(names.get(m) ?? 'them'));
    const arg = (answer: string) => `${guildId}:${intro.introId}:${answer}`;
    const to = accountOf(id);
    items.push({
      platform: to.platform,
      guildId: to.guildId,
      key: `intros:${guildId}:followup:${intro.introId}:${id}`,
      action: {
        type: 'dm.send',
        memberId: asMemberId(to.memberId),
        body: {
          content: `Did you meet ${others.join(' and ')}? Your answer helps the next intros fit better.`,
          buttons: [
            { id: buttonId(BUTTONS.feedback, arg('met')), label: 'We met', style: 'success' },
            { id: buttonId(BUTTONS.feedback, arg('not_yet')), label: 'Not yet', style: 'secondary' },
            { id: buttonId(BUTTONS.feedback, arg('skip')), label: 'Skip me next round', style: 'secondary' },
          ],
        },
      },
    });
  }
  return items;
}

/** The "join intros" post in the intros channel (once per channel: its key). */
export function announceItem(platform: Platform, guildId: GuildId, channelId: string): OutboxItem {
  return {
    platform,
    guildId,
    key: `intros:${guildId}:announce:${channelId}`,
    action: {
      type: 'message.send',
      channelId: asChannelId(channelId),
      body: {
        content:
          'Intros are on! Every round, Convene pairs people who would enjoy talking — with a short reason why. Join whenever you like; /intros leave takes you out any time.',
        buttons: [{ id: buttonId(BUTTONS.join, guildId), label: 'Join intros', style: 'primary' }],
      },
    },
  };
}
