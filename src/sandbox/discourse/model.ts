/**
 * The Discourse emulator's forum: users, categories, topics, posts, PMs, groups, badges, uploads,
 * held in memory. Operations validate like Discourse does (lengths, membership, visibility) and
 * report what happened as webhook events through `emit`; serializers (./serialize.ts) give the JSON.
 */
import { cook } from './cook.js';

export interface UserRec {
  id: number;
  username: string;
  name: string | null;
  admin: boolean;
  moderator: boolean;
  trustLevel: number;
  createdAt: number;
  staged: boolean;
}

export interface CategoryRec {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  parentId: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface TopicRec {
  id: number;
  title: string;
  slug: string;
  categoryId: number | null;
  userId: number;
  archetype: 'regular' | 'private_message';
  createdAt: number;
  bumpedAt: number;
  lastPostedAt: number;
  closed: boolean;
  archived: boolean;
  visible: boolean;
  tags: string[];
  deletedAt: number | null;
  /** PM participants (users); groups are not modelled. */
  allowedUserIds: number[];
  acceptedPostId: number | null;
}

export interface PostRec {
  id: number;
  topicId: number;
  postNumber: number;
  userId: number;
  raw: string;
  cooked: string;
  createdAt: number;
  updatedAt: number;
  version: number;
  replyToPostNumber: number | null;
  postType: number;
  deletedAt: number | null;
  /** Who this post notified through @mentions: user and group names. */
  mentions: { users: string[]; groups: string[] };
}

export interface GroupRec {
  id: number;
  name: string;
  automatic: boolean;
  memberIds: Set<number>;
}

export interface BadgeRec {
  id: number;
  name: string;
}

export interface UserBadgeRec {
  id: number;
  badgeId: number;
  userId: number;
  grantedAt: number;
  grantedById: number;
  reason: string | null;
}

export interface UploadRec {
  id: number;
  name: string;
  contentType: string;
  size: number;
  sha1: string;
  shortUrl: string;
  url: string;
}

/** Discourse's defaults for the site settings the emulator enforces. */
export interface ForumSettings {
  title: string;
  minPostLength: number;
  minFirstPostLength: number;
  minPmPostLength: number;
  minTopicTitleLength: number;
  minPmTitleLength: number;
  maxPostLength: number;
}

export const DEFAULT_SETTINGS: ForumSettings = {
  title: 'Sandbox Forum',
  minPostLength: 20,
  minFirstPostLength: 20,
  minPmPostLength: 10,
  minTopicTitleLength: 15,
  minPmTitleLength: 2,
  maxPostLength: 32_000,
};

/** Something happened that Discourse sends a webhook for: X-Discourse-Event-Type, X-Discourse-Event, the object. */
export interface ForumEvent {
  type: 'topic' | 'post' | 'user' | 'solved' | 'category';
  name: string;
  /** The object, by id: serialized the moment the event happens, like Discourse's job payload. */
  ref: { kind: 'post' | 'topic' | 'user' | 'category'; id: number };
}

export class ForumError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly errorType?: string,
  ) {
    super(errors.join('; '));
  }
}

export const notFound = () => new ForumError(404, ['The requested URL or resource could not be found.'], 'not_found');
export const forbidden = () =>
  new ForumError(403, ['You are not permitted to view the requested resource.'], 'invalid_access');

export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-');
  return slug || 'topic';
}

export class ForumModel {
  readonly users = new Map<number, UserRec>();
  readonly categories = new Map<number, CategoryRec>();
  readonly topics = new Map<number, TopicRec>();
  readonly posts = new Map<number, PostRec>();
  readonly groups = new Map<number, GroupRec>();
  readonly badges = new Map<number, BadgeRec>();
  readonly userBadges = new Map<number, UserBadgeRec>();
  readonly uploads = new Map<number, UploadRec>();
  private next = { user: 1, category: 2, topic: 1, post: 1, group: 41, badge: 100, userBadge: 1, upload: 1 };

  constructor(
    readonly settings: ForumSettings,
    private readonly now: () => number,
    private readonly emit: (event: ForumEvent) => void,
  ) {
    const t = now();
    this.users.set(-1, {
      id: -1,
      username: 'system',
      name: 'system',
      admin: true,
      moderator: true,
      trustLevel: 4,
      createdAt: t,
      staged: false,
    });
    this.categories.set(1, {
      id: 1,
      name: 'Uncategorized',
      slug: 'uncategorized',
      description: null,
      parentId: null,
      createdAt: t,
      updatedAt: t,
    });
    for (const [id, name] of [
      [1, 'admins'],
      [2, 'moderators'],
      [3, 'staff'],
      [10, 'trust_level_0'],
      [11, 'trust_level_1'],
    ] as const) {
      this.groups.set(id, { id, name, automatic: true, memberIds: new Set() });
    }
  }

  // ---- lookups -----------------------------------------------------------------------------

  userByName(username: string): UserRec | undefined {
    const lower = username.toLowerCase();
    for (const user of this.users.values()) if (user.username.toLowerCase() === lower) return user;
    return undefined;
  }

  requireUser(username: string): UserRec {
    const user = this.userByName(username);
    if (!user) throw notFound();
    return user;
  }

  groupByName(name: string): GroupRec | undefined {
    const lower = name.toLowerCase();
    for (const group of this.groups.values()) if (group.name.toLowerCase() === lower) return group;
    return undefined;
  }

  postsOf(topicId: number, includeDeleted = false): PostRec[] {
    return [...this.posts.values()]
      .filter((p) => p.topicId === topicId && (includeDeleted || p.deletedAt === null))
      .sort((a, b) => a.postNumber - b.postNumber);
  }

  canSee(user: UserRec, topic: TopicRec): boolean {
    if (topic.deletedAt !== null && !user.admin && !user.moderator) return false;
    if (topic.archetype === 'private_message') return user.admin || topic.allowedUserIds.includes(user.id);
    return true;
  }

  /** Automatic groups a user is in (trust levels, staff), plus custom ones. */
  groupsOf(user: UserRec): GroupRec[] {
    return [...this.groups.values()].filter((g) => g.memberIds.has(user.id));
  }

  // ---- writes ------------------------------------------------------------------------------

  createUser(input: {
    username: string;
    name?: string | null;
    admin?: boolean;
    moderator?: boolean;
    createdAt?: number;
  }) {
    if (this.userByName(input.username)) throw new ForumError(422, [`Username ${input.username} is taken`]);
    if (!/^[\w.-]{2,60}$/.test(input.username))
      throw new ForumError(422, ['Username must only include letters, numbers, dashes, dots and underscores']);
    const user: UserRec = {
      id: this.next.user++,
      username: input.username,
      name: input.name ?? null,
      admin: input.admin ?? false,
      moderator: input.moderator ?? false,
      trustLevel: 1,
      createdAt: input.createdAt ?? this.now(),
      staged: false,
    };
    this.users.set(user.id, user);
    this.groups.get(10)!.memberIds.add(user.id);
    this.groups.get(11)!.memberIds.add(user.id);
    if (user.admin) this.groups.get(1)!.memberIds.add(user.id);
    if (user.moderator) this.groups.get(2)!.memberIds.add(user.id);
    if (user.admin || user.moderator) this.groups.get(3)!.memberIds.add(user.id);
    this.emit({ type: 'user', name: 'user_created', ref: { kind: 'user', id: user.id } });
    return user;
  }

  createCategory(input: { name: string; slug?: string; description?: string; parentId?: number }) {
    const t = this.now();
    const category: CategoryRec = {
      id: this.next.category++,
      name: input.name,
      slug: input.slug ?? slugify(input.name),
      description: input.description ?? null,
      parentId: input.parentId ?? null,
      createdAt: t,
      updatedAt: t,
    };
    this.categories.set(category.id, category);
    this.emit({ type: 'category', name: 'category_created', ref: { kind: 'category', id: category.id } });
    return category;
  }

  createGroup(name: string): GroupRec {
    if (this.groupByName(name)) throw new ForumError(422, ['Name has already been taken']);
    const group: GroupRec = { id: this.next.group++, name, automatic: false, memberIds: new Set() };
    this.groups.set(group.id, group);
    return group;
  }

  createBadge(name: string): BadgeRec {
    const badge = { id: this.next.badge++, name };
    this.badges.set(badge.id, badge);
    return badge;
  }

  /** Discourse's markdown (markdown-it, as Discourse) and who gets notified: see ./cook.ts. */
  cook(raw: string): { cooked: string; mentions: { users: string[]; groups: string[] } } {
    return cook(raw, {
      user: (name) => this.userByName(name)?.username,
      group: (name) => this.groupByName(name)?.name,
    });
  }

  createPost(
    author: UserRec,
    input: {
      topicId?: number;
      title?: string;
      raw: string;
      categoryId?: number;
      archetype?: string;
      targetRecipients?: string[];
      replyToPostNumber?: number;
      createdAt?: number;
    },
  ): { post: PostRec; topic: TopicRec; newTopic: boolean } {
    const raw = (input.raw ?? '').trim();
    const isPm = input.archetype === 'private_message';
    const errors: string[] = [];
    let topic: TopicRec | undefined;
    if (input.topicId !== undefined) {
      topic = this.topics.get(input.topicId);
      if (!topic || !this.canSee(author, topic)) throw notFound();
      if (topic.closed && !author.admin && !author.moderator) throw new ForumError(403, ['This topic is closed.']);
    }
    const minLength = topic
      ? topic.archetype === 'private_message'
        ? this.settings.minPmPostLength
        : this.settings.minPostLength
      : isPm
        ? this.settings.minPmPostLength
        : this.settings.minFirstPostLength;
    if (raw.length < minLength) errors.push(`Body is too short (minimum is ${minLength} characters)`);
    if (raw.length > this.settings.maxPostLength)
      errors.push(`Body is too long (maximum is ${this.settings.maxPostLength} characters)`);
    let recipients: UserRec[] = [];
    if (!topic) {
      const title = (input.title ?? '').trim();
      const minTitle = isPm ? this.settings.minPmTitleLength : this.settings.minTopicTitleLength;
      if (title.length < minTitle) errors.push(`Title is too short (minimum is ${minTitle} characters)`);
      if (title.length > 255) errors.push('Title is too long (maximum is 255 characters)');
      if (isPm) {
        const names = input.targetRecipients ?? [];
        if (names.length === 0) errors.push('You must choose a valid user.');
        for (const name of names) {
          const user = this.userByName(name);
          if (!user) errors.push(`Sorry, there is no user named ${name}.`);
          else recipients.push(user);
        }
      } else if (input.categoryId !== undefined && !this.categories.has(input.categoryId)) {
        errors.push('Category can’t be blank');
      }
    }
    if (errors.length > 0) throw new ForumError(422, errors);

    const t = input.createdAt ?? this.now();
    let newTopic = false;
    if (!topic) {
      newTopic = true;
      recipients = recipients.filter((r) => r.id !== author.id);
      topic = {
        id: this.next.topic++,
        title: input.title!.trim(),
        slug: slugify(input.title!),
        categoryId: isPm ? null : (input.categoryId ?? 1),
        userId: author.id,
        archetype: isPm ? 'private_message' : 'regular',
        createdAt: t,
        bumpedAt: t,
        lastPostedAt: t,
        closed: false,
        archived: false,
        visible: true,
        tags: [],
        deletedAt: null,
        allowedUserIds: isPm ? [author.id, ...recipients.map((r) => r.id)] : [],
        acceptedPostId: null,
      };
      this.topics.set(topic.id, topic);
    }
    const postNumber = this.postsOf(topic.id, true).length + 1;
    const replyTo =
      input.replyToPostNumber && this.postsOf(topic.id).some((p) => p.postNumber === input.replyToPostNumber)
        ? input.replyToPostNumber
        : null;
    const { cooked, mentions } = this.cook(raw);
    const post: PostRec = {
      id: this.next.post++,
      topicId: topic.id,
      postNumber,
      userId: author.id,
      raw,
      cooked,
      createdAt: t,
      updatedAt: t,
      version: 1,
      replyToPostNumber: replyTo,
      postType: 1,
      deletedAt: null,
      mentions,
    };
    this.posts.set(post.id, post);
    topic.bumpedAt = t;
    topic.lastPostedAt = t;
    // Discourse does not send topic events for private messages.
    if (newTopic && topic.archetype === 'regular') {
      this.emit({ type: 'topic', name: 'topic_created', ref: { kind: 'topic', id: topic.id } });
    }
    this.emit({ type: 'post', name: 'post_created', ref: { kind: 'post', id: post.id } });
    return { post, topic, newTopic };
  }

  editPost(postId: number, raw: string): PostRec {
    const post = this.posts.get(postId);
    if (!post || post.deletedAt !== null) throw notFound();
    const { cooked, mentions } = this.cook(raw);
    post.raw = raw;
    post.cooked = cooked;
    post.mentions = mentions;
    post.version += 1;
    post.updatedAt = Math.max(this.now(), post.updatedAt + 1);
    this.emit({ type: 'post', name: 'post_edited', ref: { kind: 'post', id: post.id } });
    return post;
  }

  deletePost(postId: number): PostRec {
    const post = this.posts.get(postId);
    if (!post || post.deletedAt !== null) throw notFound();
    post.deletedAt = Math.max(this.now(), post.updatedAt);
    post.updatedAt = post.deletedAt;
    this.emit({ type: 'post', name: 'post_destroyed', ref: { kind: 'post', id: post.id } });
    return post;
  }

  editTopic(topicId: number, change: { title?: string; categoryId?: number; tags?: string[]; closed?: boolean }) {
    const topic = this.topics.get(topicId);
    if (!topic || topic.deletedAt !== null) throw notFound();
    if (change.title !== undefined) topic.title = change.title;
    if (change.categoryId !== undefined) topic.categoryId = change.categoryId;
    if (change.tags !== undefined) topic.tags = change.tags;
    if (change.closed !== undefined) topic.closed = change.closed;
    this.emit({ type: 'topic', name: 'topic_edited', ref: { kind: 'topic', id: topic.id } });
    return topic;
  }

  deleteTopic(topicId: number): TopicRec {
    const topic = this.topics.get(topicId);
    if (!topic || topic.deletedAt !== null) throw notFound();
    topic.deletedAt = this.now();
    for (const post of this.postsOf(topicId)) post.deletedAt = topic.deletedAt;
    if (topic.archetype === 'regular')
      this.emit({ type: 'topic', name: 'topic_destroyed', ref: { kind: 'topic', id: topic.id } });
    return topic;
  }

  acceptAnswer(postId: number, accepted: boolean): PostRec {
    const post = this.posts.get(postId);
    if (!post || post.deletedAt !== null) throw notFound();
    const topic = this.topics.get(post.topicId)!;
    if (post.postNumber === 1) throw new ForumError(403, ['You are not permitted to view the requested resource.']);
    if (accepted) {
      if (topic.acceptedPostId !== null && topic.acceptedPostId !== postId)
        this.acceptAnswer(topic.acceptedPostId, false);
      topic.acceptedPostId = postId;
    } else if (topic.acceptedPostId === postId) {
      topic.acceptedPostId = null;
    }
    this.emit({
      type: 'solved',
      name: accepted ? 'accepted_solution' : 'unaccepted_solution',
      ref: { kind: 'post', id: post.id },
    });
    return post;
  }

  addGroupMembers(groupId: number, usernames: string[]): { added: string[]; already: string[] } {
    const group = this.groups.get(groupId);
    if (!group) throw notFound();
    if (group.automatic) throw new ForumError(422, ['You cannot modify an automatic group']);
    const added: string[] = [];
    const already: string[] = [];
    for (const name of usernames) {
      const user = this.userByName(name);
      if (!user) throw new ForumError(400, [`Could not find user(s) ${name}`], 'invalid_parameters');
      if (group.memberIds.has(user.id)) already.push(user.username);
      else {
        group.memberIds.add(user.id);
        added.push(user.username);
      }
    }
    if (added.length === 0 && already.length > 0) {
      throw new ForumError(422, [
        `${already.join(', ')} ${already.length === 1 ? 'is' : 'are'} already a member of this group`,
      ]);
    }
    return { added, already };
  }

  removeGroupMembers(groupId: number, usernames: string[]): { removed: string[]; skipped: string[] } {
    const group = this.groups.get(groupId);
    if (!group) throw notFound();
    if (group.automatic) throw new ForumError(422, ['You cannot modify an automatic group']);
    const removed: string[] = [];
    const skipped: string[] = [];
    for (const name of usernames) {
      const user = this.userByName(name);
      if (user && group.memberIds.delete(user.id)) removed.push(user.username);
      else skipped.push(name);
    }
    return { removed, skipped };
  }

  grantBadge(grantedBy: UserRec, username: string, badgeId: number, reason: string | null): UserBadgeRec {
    const user = this.requireUser(username);
    if (!this.badges.has(badgeId)) throw notFound();
    const userBadge: UserBadgeRec = {
      id: this.next.userBadge++,
      badgeId,
      userId: user.id,
      grantedAt: this.now(),
      grantedById: grantedBy.id,
      reason,
    };
    this.userBadges.set(userBadge.id, userBadge);
    return userBadge;
  }

  revokeBadge(userBadgeId: number): void {
    if (!this.userBadges.delete(userBadgeId)) throw notFound();
  }

  addUpload(file: { name: string; contentType: string; data: Uint8Array; sha1: string }): UploadRec {
    const id = this.next.upload++;
    const extension = file.name.includes('.') ? file.name.split('.').pop()! : 'bin';
    const short = Buffer.from(file.sha1.slice(0, 20), 'hex').toString('base64url');
    const upload: UploadRec = {
      id,
      name: file.name,
      contentType: file.contentType,
      size: file.data.byteLength,
      sha1: file.sha1,
      shortUrl: `upload://${short}.${extension}`,
      url: `/uploads/default/original/1X/${file.sha1}.${extension}`,
    };
    this.uploads.set(id, upload);
    return upload;
  }
}
