/**
 * Member profiles for introductions, built from plain data (pure: `now` is a parameter).
 *
 * A profile says what someone talks about (terms weighted by rarity in this community), what they
 * ask about and what they answer, where they are active (channels, forum tags), who they already
 * talk to (the reply/mention graph), when they are around (hours), how helpful they are (answers
 * that solved questions), their journey stage when known, and what they declared themselves
 * (interests, timezone, about). The bot builds the input from its tables (store.ts), the eval
 * builds it from an archive (scripts/evalIntros.ts): the same function decides in both.
 */

import { tokenize, words } from '../../text/tokenize.js';
import { CommunityWordCounter, type CommunityWords, isTopicWord, nameWords } from '../../text/topicWords.js';
import { communityStats } from './graph.js';

const DAY_MS = 86_400_000;

/** How many entries of each kind a profile keeps (what is stored and compared). */
export const PROFILE_LIMITS = { terms: 48, asked: 24, answered: 24, channels: 12, neighbours: 64 } as const;

/** Half-life of "recently active" (a member quiet for a month counts half). */
export const ACTIVITY_HALF_LIFE = 30 * DAY_MS;
/** Half-life of interactions in the graph: old conversations fade but do not vanish. */
const TIE_HALF_LIFE = 365 * DAY_MS;
/** "This month" in reasons. */
export const RECENT_WINDOW = 30 * DAY_MS;

/** One message, as the profile builder needs it (derived terms, never the text). */
export interface ProfileMessage {
  authorId: string;
  /** Top-level channel (the forum/category the thread lives in). */
  channelId: string;
  /** The thread/topic, when the message is in one. */
  threadId: string | null;
  createdAt: number;
  terms: readonly string[];
  /** The words the message wrote for its terms where known (stem → form as written). */
  forms?: ReadonlyMap<string, string>;
  /**
   * Whom this message answers: the author of the message it replies to, else the thread opener
   * (a post in someone's topic talks to them). Null for an opening post or a plain channel message.
   */
  repliesToId: string | null;
  mentionIds: readonly string[];
  /** The first message of its thread (a question when asked in a Q&A forum). */
  opensThread: boolean;
  /** This message was accepted as the answer to its thread. */
  accepted: boolean;
}

export interface ThreadInfo {
  /** Terms of the title. */
  titleTerms: readonly string[];
  /** The title's words as written (stem → form). */
  titleForms?: ReadonlyMap<string, string>;
  /** Forum tags ("solved", "vulkan"…): where someone is active, like channels. */
  tags: readonly string[];
  openerId: string | null;
}

export interface DeclaredProfile {
  /** As typed, comma separated into items ("Vulkan shaders", "Rust"). */
  interests: readonly string[];
  about: string;
  timezone: string | null;
}

export interface ProfileSource {
  /** Members to profile (others appear only as neighbours). */
  members: readonly {
    memberId: string;
    declared?: DeclaredProfile | null;
    /** Journey stage when the journey feature knows it ("newcomer", "regular", "expert"…). */
    stage?: string | null;
    /** When they joined the community (newcomers are matched with experienced members). */
    joinedAt?: number | null;
  }[];
  /** Messages in time order is not required. */
  messages: Iterable<ProfileMessage>;
  threads: ReadonlyMap<string, ThreadInfo>;
  /** Usernames and display names of the community's members: never a topic. */
  names?: Iterable<string>;
}

export interface Profile {
  memberId: string;
  declared: DeclaredProfile | null;
  /** Declared interests as terms (tokenized, stemmed) for matching. */
  interestTerms: string[];
  stage: string | null;
  joinedAt: number | null;
  /** What they talk about: term → tf-idf weight, L2-normalised, top PROFILE_LIMITS.terms. */
  terms: Map<string, number>;
  /** Terms of the threads they opened (what they ask about): term → count. */
  asked: Map<string, number>;
  /** Terms of other people's threads they answered in: term → [answers, this month, accepted, last at]. */
  answered: Map<string, Answered>;
  /**
   * The words to show for their terms: the form they wrote most for each term that is a topic in
   * this community (topicWords.ts). A term without one is never shown (it is a stem, a name, or a
   * word that says nothing here); it still counts in every score.
   */
  forms: Map<string, string>;
  /** Share of their messages per channel / forum tag ("tag:vulkan"). */
  channels: Map<string, number>;
  /** Who they talk with: member → decayed interaction weight (both directions). */
  neighbours: Map<string, number>;
  /** Graph degree of each neighbour (kept with the profile: a neighbour may have no profile). */
  neighbourDegree: Map<string, number>;
  /** Accepted answers, decayed over a year, and how many this month. */
  helpfulness: number;
  acceptedThisMonth: number;
  /** Replies to other people's threads this month (answers, helpful or not). */
  answersThisMonth: number;
  messageCount: number;
  firstSeenAt: number;
  lastActiveAt: number;
  /** Decayed message count (half-life ACTIVITY_HALF_LIFE): "is around these days". */
  activity: number;
  /** Messages per UTC hour (24 bins), for timezone overlap when none is declared. */
  hours: number[];
}

/** What the whole community looks like, for rarity weights and the graph measures. */
export interface CommunityStats {
  /** Profiled members. */
  memberCount: number;
  /** Members whose profile uses each term. */
  termFreq: Map<string, number>;
  /** Distinct interaction partners per member (graph degree), everyone seen. */
  degree: Map<string, number>;
  /** Degree at or above which a member is a hub (top 1% of profiled members). */
  hubDegree: number;
  /** A coarse partition of the graph (label propagation): bridges connect different parts. */
  community: Map<string, number>;
}

/** Answers about a term: how many, how many this month, how many accepted, and when the last one was. */
export type Answered = [count: number, recent: number, accepted: number, lastAt: number];

interface Acc {
  tf: Map<string, number>;
  /** Forms they wrote for each term, with how often. */
  forms: Map<string, Map<string, number>>;
  asked: Map<string, number>;
  answered: Map<string, Answered>;
  channels: Map<string, number>;
  neighbours: Map<string, number>;
  helpfulness: number;
  acceptedThisMonth: number;
  answersThisMonth: number;
  count: number;
  first: number;
  last: number;
  activity: number;
  hours: number[];
}

/** How much answers about a term say about experience: an accepted answer counts three times. */
export const answerWeight = ([count, , accepted]: readonly [number, number, number, ...number[]]) =>
  count + 2 * accepted;

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** The words of declared interests as typed (stem → form). */
export function interestForms(interests: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of interests) for (const w of words(i)) if (!out.has(w.stem)) out.set(w.stem, w.form);
  return out;
}

/** Turn declared interests ("Vulkan shaders, Rust") into terms comparable with message terms. */
export function interestTerms(interests: readonly string[]): string[] {
  return [...new Set(interests.flatMap((i) => tokenize(i)))];
}

function topEntries<V>(map: Map<string, V>, n: number, weight: (v: V) => number): Map<string, V> {
  if (map.size <= n) return map;
  return new Map([...map].sort((x, y) => weight(y[1]) - weight(x[1]) || (x[0] < y[0] ? -1 : 1)).slice(0, n));
}

/**
 * Build profiles for `source.members` at time `now` (messages after `now` are ignored, so a replay
 * sees only the past). Members with no messages still get a profile from what they declared.
 */
export function buildProfiles(
  source: ProfileSource,
  now: number,
  /**
   * The other platform's vocabulary in a paired community (see vocabularyOf): a word one member
   * uses here and one there is shared, and rarity is counted over both.
   */
  shared?: Vocabulary,
): { profiles: Map<string, Profile>; stats: CommunityStats } {
  const builder = profileBuilder(source, now);
  for (const msg of source.messages) builder.add(msg);
  return builder.finish(shared);
}

/**
 * buildProfiles in steps, for messages read in pages from the store: `add` each message (any
 * order), then `finish` once.
 */
export function profileBuilder(source: Omit<ProfileSource, 'messages'>, now: number) {
  const wanted = new Set(source.members.map((m) => m.memberId));
  const acc = new Map<string, Acc>();
  const accOf = (id: string): Acc => {
    let a = acc.get(id);
    if (!a) {
      a = {
        tf: new Map(),
        forms: new Map(),
        asked: new Map(),
        answered: new Map(),
        channels: new Map(),
        neighbours: new Map(),
        helpfulness: 0,
        acceptedThisMonth: 0,
        answersThisMonth: 0,
        count: 0,
        first: Number.POSITIVE_INFINITY,
        last: 0,
        activity: 0,
        hours: new Array(24).fill(0),
      };
      acc.set(id, a);
    }
    return a;
  };
  // The graph is over everyone seen (a neighbour's degree matters even if they are not profiled).
  const graph = new Map<string, Map<string, number>>();
  const tie = (a: string, b: string, w: number) => {
    if (a === b) return;
    const ga = graph.get(a) ?? new Map<string, number>();
    graph.set(a, ga);
    ga.set(b, (ga.get(b) ?? 0) + w);
    const gb = graph.get(b) ?? new Map<string, number>();
    graph.set(b, gb);
    gb.set(a, (gb.get(a) ?? 0) + w);
  };

  // What the whole community writes (every author, not only those profiled): which words are topics.
  const counter = new CommunityWordCounter();
  const add = (msg: ProfileMessage): void => {
    if (msg.createdAt >= now) return;
    const age = now - msg.createdAt;
    counter.add(msg.authorId, msg.threadId ?? `${msg.channelId}@${Math.floor(msg.createdAt / DAY_MS)}`, msg.terms);
    const tieWeight = 2 ** (-age / TIE_HALF_LIFE);
    if (msg.repliesToId) tie(msg.authorId, msg.repliesToId, tieWeight);
    for (const m of msg.mentionIds) tie(msg.authorId, m, tieWeight * 0.5);
    if (!wanted.has(msg.authorId)) return;
    const a = accOf(msg.authorId);
    a.count++;
    a.first = Math.min(a.first, msg.createdAt);
    a.last = Math.max(a.last, msg.createdAt);
    a.activity += 2 ** (-age / ACTIVITY_HALF_LIFE);
    a.hours[new Date(msg.createdAt).getUTCHours()]!++;
    bump(a.channels, msg.channelId);
    const thread = msg.threadId ? source.threads.get(msg.threadId) : undefined;
    for (const tag of thread?.tags ?? []) bump(a.channels, `tag:${tag}`, 0.5);
    const terms = new Set(msg.terms);
    if (msg.opensThread) for (const t of thread?.titleTerms ?? []) terms.add(t);
    for (const t of terms) bump(a.tf, t);
    // Only their own words: a form someone else wrote is never shown as theirs.
    if (msg.forms) for (const [t, f] of msg.forms) bumpForm(a.forms, t, f);
    if (msg.opensThread && thread?.titleForms) for (const [t, f] of thread.titleForms) bumpForm(a.forms, t, f);
    const recent = age < RECENT_WINDOW;
    if (msg.opensThread) {
      for (const t of terms) bump(a.asked, t);
    } else if (thread?.openerId && thread.openerId !== msg.authorId) {
      // An answer in someone else's thread: experience with what the thread is about.
      if (recent) a.answersThisMonth++;
      const topic = new Set([...thread.titleTerms, ...msg.terms]);
      for (const t of topic) {
        const cur: Answered = a.answered.get(t) ?? [0, 0, 0, 0];
        cur[0] += 1;
        if (recent) cur[1] += 1;
        if (msg.accepted) cur[2] += 1;
        cur[3] = Math.max(cur[3], msg.createdAt);
        a.answered.set(t, cur);
      }
    }
    if (msg.accepted && !msg.opensThread) {
      a.helpfulness += 2 ** (-age / TIE_HALF_LIFE);
      if (recent) a.acceptedThisMonth++;
    }
  };

  const finish = (shared?: Vocabulary): { profiles: Map<string, Profile>; stats: CommunityStats } => {
    // Rarity: in how many members' vocabularies a term appears.
    const termFreq = new Map<string, number>();
    for (const a of acc.values()) for (const t of a.tf.keys()) bump(termFreq, t);
    const declaredById = new Map(source.members.map((m) => [m.memberId, m]));
    for (const m of source.members) for (const t of interestTerms(m.declared?.interests ?? [])) bump(termFreq, t);
    if (shared) for (const [t, n] of termFreq) termFreq.set(t, n + (shared.termFreq.get(t) ?? 0));
    const memberCount = Math.max(1, source.members.length + (shared?.memberCount ?? 0));
    const idf = (t: string) => Math.log((memberCount + 1) / ((termFreq.get(t) ?? 0) + 1)) + 0.1;

    const degree = new Map<string, number>();
    for (const [id, nb] of graph) degree.set(id, nb.size);
    const community = counter.finish(nameWords(source.names ?? []));

    const profiles = new Map<string, Profile>();
    for (const id of wanted) {
      const m = declaredById.get(id)!;
      const a = acc.get(id);
      const interest = interestTerms(m.declared?.interests ?? []);
      // Keep what they talk about MOST (a term used by one other member at least), then weigh it by
      // rarity. Keeping the rarest terms instead leaves only idiosyncrasies: on the urho3d archive that
      // made topical similarity no better than chance at predicting who talks to whom.
      const used = new Map<string, number>();
      if (a) for (const [t, tf] of a.tf) if ((termFreq.get(t) ?? 0) >= 2) used.set(t, tf + idf(t) * 1e-6);
      const top = new Map<string, number>();
      for (const t of topEntries(used, PROFILE_LIMITS.terms - Math.min(interest.length, 16), (x) => x).keys()) {
        top.set(t, Math.log1p(a!.tf.get(t)!) * idf(t));
      }
      // Declared interests always count, like a topic someone talks about often.
      for (const t of interest.slice(0, 16)) top.set(t, (top.get(t) ?? 0) + 2 * idf(t));
      let norm = 0;
      for (const w of top.values()) norm += w * w;
      norm = Math.sqrt(norm) || 1;
      for (const [t, w] of top) top.set(t, w / norm);
      const neighbours = topEntries(graph.get(id) ?? new Map<string, number>(), PROFILE_LIMITS.neighbours, (x) => x);
      const channels = new Map<string, number>();
      if (a) {
        let total = 0;
        for (const c of a.channels.values()) total += c;
        for (const [c, n] of topEntries(a.channels, PROFILE_LIMITS.channels, (x) => x)) channels.set(c, n / total);
      }
      profiles.set(id, {
        memberId: id,
        declared: m.declared ?? null,
        interestTerms: interest,
        stage: m.stage ?? null,
        joinedAt: m.joinedAt ?? null,
        terms: top,
        asked: a ? topEntries(a.asked, PROFILE_LIMITS.asked, (x) => x) : new Map(),
        answered: a ? topEntries(a.answered, PROFILE_LIMITS.answered, answerWeight) : new Map(),
        forms: new Map(),
        channels,
        neighbours,
        neighbourDegree: new Map([...neighbours.keys()].map((z) => [z, degree.get(z) ?? 1])),
        helpfulness: a?.helpfulness ?? 0,
        acceptedThisMonth: a?.acceptedThisMonth ?? 0,
        answersThisMonth: a?.answersThisMonth ?? 0,
        messageCount: a?.count ?? 0,
        firstSeenAt: a && a.count > 0 ? a.first : (m.joinedAt ?? now),
        lastActiveAt: a?.last ?? 0,
        activity: a?.activity ?? 0,
        hours: a?.hours ?? new Array(24).fill(0),
      });
    }
    for (const p of profiles.values()) {
      p.forms = showableForms(p, acc.get(p.memberId)?.forms, community);
      // What they declared is shown as they typed it.
      for (const [t, f] of interestForms(p.declared?.interests ?? [])) if (!p.forms.has(t)) p.forms.set(t, f);
    }
    return { profiles, stats: communityStats(profiles, degree, graph) };
  };
  return { add, finish };
}

function bumpForm(forms: Map<string, Map<string, number>>, term: string, form: string) {
  let m = forms.get(term);
  if (!m) {
    m = new Map();
    forms.set(term, m);
  }
  m.set(form, (m.get(form) ?? 0) + 1);
}

/** The form a member wrote most for a term (ties: the lower-case one, then the shorter). */
function mostUsed(forms: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestN = 0;
  for (const [f, n] of forms) {
    if (
      n > bestN ||
      (n === bestN && best !== undefined && (f === f.toLowerCase()) > (best === best.toLowerCase())) ||
      (n === bestN && best !== undefined && f.length < best.length)
    ) {
      best = f;
      bestN = n;
    }
  }
  return best;
}

/** The words a profile may show: for its terms, the member's own most-used form, when a topic here. */
function showableForms(
  p: Profile,
  own: ReadonlyMap<string, ReadonlyMap<string, number>> | undefined,
  community: CommunityWords,
): Map<string, string> {
  const out = new Map<string, string>();
  if (!own) return out;
  for (const t of new Set([...p.terms.keys(), ...p.asked.keys(), ...p.answered.keys()])) {
    const f = own.get(t);
    const form = f ? mostUsed(f) : undefined;
    if (form && isTopicWord(t, form, community)) out.set(t, form);
  }
  return out;
}

/** How many profiled members use each word (their messages, thread titles and declared interests). */
export interface Vocabulary {
  memberCount: number;
  termFreq: ReadonlyMap<string, number>;
}

/**
 * The vocabulary buildProfiles counts, without building profiles: what one platform of a paired
 * community lends the other's profiles. Members in `exclude` (a linked person's account on this
 * side, already counted on the other) are left out, so one person is never two users of a word.
 */
export function vocabularyOf(source: ProfileSource, exclude: ReadonlySet<string> = new Set()): Vocabulary {
  const builder = vocabularyBuilder(source, exclude);
  for (const msg of source.messages) builder.add(msg);
  return builder.finish();
}

/** vocabularyOf in steps, for messages read in pages: `add` each message, then `finish` once. */
export function vocabularyBuilder(source: Omit<ProfileSource, 'messages'>, exclude: ReadonlySet<string> = new Set()) {
  const wanted = new Set(source.members.map((m) => m.memberId).filter((id) => !exclude.has(id)));
  const used = new Map<string, Set<string>>();
  const add = (msg: ProfileMessage): void => {
    if (!wanted.has(msg.authorId)) return;
    const terms = used.get(msg.authorId) ?? new Set<string>();
    used.set(msg.authorId, terms);
    for (const t of msg.terms) terms.add(t);
    if (msg.opensThread && msg.threadId)
      for (const t of source.threads.get(msg.threadId)?.titleTerms ?? []) terms.add(t);
  };
  const finish = (): Vocabulary => {
    const termFreq = new Map<string, number>();
    for (const terms of used.values()) for (const t of terms) bump(termFreq, t);
    for (const m of source.members) {
      if (wanted.has(m.memberId)) for (const t of interestTerms(m.declared?.interests ?? [])) bump(termFreq, t);
    }
    return { memberCount: wanted.size, termFreq };
  };
  return { add, finish };
}

/** Terms of stored text (thread names are stored, message text is not): the same tokenizer. */
export const titleTerms = (name: string): string[] => [...new Set(tokenize(name))];

/** The words of a stored title as written (stem → first form). */
export function titleForms(name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words(name)) if (!out.has(w.stem)) out.set(w.stem, w.form);
  return out;
}
