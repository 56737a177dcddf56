/**
 * JSON as Discourse sends it, field for field in the shapes of the API description and the recorded
 * responses (../shared/specs/discourse/recorded) and webhook captures (…/webhooks): key order too,
 * where a capture shows it. Fields Convene never reads keep plausible constant values.
 */
import type {
  BadgeRec,
  CategoryRec,
  ForumModel,
  GroupRec,
  PostRec,
  TopicRec,
  UploadRec,
  UserBadgeRec,
  UserRec,
} from './model.js';

export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function avatarTemplate(user: UserRec): string {
  if (user.id === -1) return '/images/discourse-logo-sketch-small.png';
  return `/letter_avatar_proxy/v4/letter/${user.username[0]!.toLowerCase()}/5daacb/{size}.png`;
}

export const basicUser = (user: UserRec) => ({
  id: user.id,
  username: user.username,
  name: user.name,
  avatar_template: avatarTemplate(user),
});

const staff = (user: UserRec) => user.admin || user.moderator;

function author(model: ForumModel, post: PostRec): UserRec {
  return (
    model.users.get(post.userId) ?? {
      id: post.userId,
      username: 'deleted',
      name: null,
      admin: false,
      moderator: false,
      trustLevel: 0,
      createdAt: 0,
      staged: false,
    }
  );
}

const ACTIONS_SUMMARY = [3, 4, 8, 10, 7].map((id) => ({ id, can_act: true }));

/** GET /posts/{id}.json, POST /posts.json and the post_stream items of /t/{id}.json. */
export function postJson(model: ForumModel, post: PostRec, viewer: UserRec, withRaw: boolean) {
  const user = author(model, post);
  const topic = model.topics.get(post.topicId)!;
  const accepted = topic.acceptedPostId;
  const acceptedPost = accepted === null ? null : model.posts.get(accepted);
  return {
    id: post.id,
    name: user.name,
    username: user.username,
    avatar_template: avatarTemplate(user),
    created_at: iso(post.createdAt),
    cooked: post.cooked,
    post_number: post.postNumber,
    post_type: post.postType,
    posts_count: model.postsOf(topic.id).length,
    updated_at: iso(post.updatedAt),
    reply_count: model.postsOf(topic.id).filter((p) => p.replyToPostNumber === post.postNumber).length,
    reply_to_post_number: post.replyToPostNumber,
    quote_count: 0,
    incoming_link_count: 0,
    reads: 1,
    readers_count: 0,
    score: 0,
    yours: post.userId === viewer.id,
    topic_id: topic.id,
    topic_slug: topic.slug,
    display_username: user.name ?? user.username,
    primary_group_name: null,
    flair_name: null,
    flair_url: null,
    flair_bg_color: null,
    flair_color: null,
    flair_group_id: null,
    badges_granted: [],
    version: post.version,
    can_edit: viewer.admin || post.userId === viewer.id,
    can_delete: viewer.admin,
    can_recover: false,
    can_see_hidden_post: viewer.admin,
    can_wiki: viewer.admin,
    user_title: null,
    bookmarked: false,
    ...(withRaw ? { raw: post.raw } : {}),
    actions_summary: ACTIONS_SUMMARY,
    moderator: user.moderator,
    admin: user.admin,
    staff: staff(user),
    user_id: user.id,
    hidden: false,
    trust_level: user.trustLevel,
    deleted_at: isoOrNull(post.deletedAt),
    user_deleted: false,
    edit_reason: null,
    can_view_edit_history: true,
    wiki: false,
    reviewable_id: null,
    reviewable_score_count: 0,
    reviewable_score_pending_count: 0,
    post_url: `/t/${topic.slug}/${topic.id}/${post.postNumber}`,
    can_accept_answer: topic.archetype === 'regular' && post.postNumber > 1 && accepted !== post.id,
    can_unaccept_answer: accepted === post.id,
    accepted_answer: accepted === post.id,
    topic_accepted_answer: acceptedPost ? true : null,
    can_vote: false,
  };
}

/** The `post` (and `solved`) webhook payload: the key order of the 2025.12 capture. */
export function webhookPostJson(model: ForumModel, post: PostRec) {
  const user = author(model, post);
  const topic = model.topics.get(post.topicId)!;
  const category = topic.categoryId === null ? undefined : model.categories.get(topic.categoryId);
  const posts = model.postsOf(topic.id);
  return {
    id: post.id,
    name: user.name,
    username: user.username,
    avatar_template: avatarTemplate(user),
    created_at: iso(post.createdAt),
    cooked: post.cooked,
    post_number: post.postNumber,
    post_type: post.postType,
    posts_count: posts.length,
    updated_at: iso(post.updatedAt),
    reply_count: posts.filter((p) => p.replyToPostNumber === post.postNumber).length,
    reply_to_post_number: post.replyToPostNumber,
    quote_count: 0,
    incoming_link_count: 0,
    reads: 0,
    score: 0,
    topic_id: topic.id,
    topic_slug: topic.slug,
    topic_title: topic.title,
    category_id: topic.categoryId,
    display_username: user.name,
    primary_group_name: null,
    flair_name: null,
    flair_group_id: null,
    version: post.version,
    user_title: null,
    bookmarked: false,
    raw: post.raw,
    moderator: user.moderator,
    admin: user.admin,
    staff: staff(user),
    user_id: user.id,
    hidden: false,
    trust_level: user.trustLevel,
    deleted_at: isoOrNull(post.deletedAt),
    user_deleted: false,
    edit_reason: null,
    wiki: false,
    reviewable_id: null,
    reviewable_score_count: 0,
    reviewable_score_pending_count: 0,
    post_url: `/t/${topic.slug}/${topic.id}/${post.postNumber}`,
    topic_posts_count: posts.length,
    topic_filtered_posts_count: posts.length,
    topic_archetype: topic.archetype,
    ...(category ? { category_slug: category.slug } : {}),
    can_accept_answer: false,
    can_unaccept_answer: false,
    accepted_answer: false,
    topic_accepted_answer: null,
    can_vote: false,
  };
}

/** The `topic` webhook payload (WebHookTopicViewSerializer), key order of the capture. */
export function webhookTopicJson(model: ForumModel, topic: TopicRec) {
  const posts = model.postsOf(topic.id);
  const creator = model.users.get(topic.userId)!;
  const last = posts.at(-1);
  const lastPoster = last ? (model.users.get(last.userId) ?? creator) : creator;
  return {
    tags: topic.tags,
    tags_descriptions: {},
    fancy_title: topic.title,
    id: topic.id,
    title: topic.title,
    posts_count: posts.length,
    created_at: iso(topic.createdAt),
    views: 0,
    reply_count: Math.max(0, posts.length - 1),
    like_count: 0,
    last_posted_at: iso(topic.lastPostedAt),
    visible: topic.visible,
    closed: topic.closed,
    archived: topic.archived,
    archetype: topic.archetype,
    slug: topic.slug,
    category_id: topic.categoryId,
    word_count: posts.reduce((n, p) => n + p.raw.split(/\s+/).filter(Boolean).length, 0),
    deleted_at: isoOrNull(topic.deletedAt),
    user_id: topic.userId,
    featured_link: null,
    pinned_globally: false,
    pinned_at: null,
    pinned_until: null,
    unpinned: null,
    pinned: false,
    highest_post_number: model.postsOf(topic.id, true).length,
    deleted_by: null,
    has_deleted: model.postsOf(topic.id, true).some((p) => p.deletedAt !== null),
    bookmarked: false,
    participant_count: new Set(posts.map((p) => p.userId)).size,
    queued_posts_count: 0,
    thumbnails: null,
    created_by: basicUser(creator),
    last_poster: basicUser(lastPoster),
    pending_posts: [],
  };
}

/** The `user` webhook payload (user_created), the fields of the capture that matter and a few more. */
export function webhookUserJson(model: ForumModel, user: UserRec) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    avatar_template: avatarTemplate(user),
    last_posted_at: null,
    last_seen_at: null,
    created_at: iso(user.createdAt),
    muted: false,
    trust_level: user.trustLevel,
    moderator: user.moderator,
    admin: user.admin,
    title: null,
    badge_count: 0,
    time_read: 0,
    recent_time_read: 0,
    primary_group_id: null,
    primary_group_name: null,
    flair_group_id: null,
    flair_name: null,
    flair_url: null,
    flair_bg_color: null,
    flair_color: null,
    featured_topic: null,
    staged: user.staged,
    pending_count: 0,
    profile_view_count: 0,
    second_factor_enabled: false,
    post_count: 0,
    locale: 'en',
    accepted_answers: 0,
    featured_user_badge_ids: [],
    invited_by: null,
    groups: model.groupsOf(user).map(groupJson),
  };
}

export function categoryJson(model: ForumModel, category: CategoryRec) {
  const topics = [...model.topics.values()].filter(
    (t) => t.categoryId === category.id && t.deletedAt === null && t.archetype === 'regular',
  );
  const children = [...model.categories.values()].filter((c) => c.parentId === category.id);
  return {
    id: category.id,
    name: category.name,
    color: '25AAE2',
    text_color: 'FFFFFF',
    slug: category.slug,
    topic_count: topics.length,
    post_count: topics.reduce((n, t) => n + model.postsOf(t.id).length, 0),
    position: category.id,
    description: category.description ? `<p>${category.description}</p>` : null,
    description_text: category.description,
    description_excerpt: category.description,
    topic_url: null,
    read_restricted: false,
    permission: 1,
    notification_level: 1,
    can_edit: true,
    topic_template: null,
    has_children: children.length > 0,
    subcategory_count: children.length || null,
    sort_order: null,
    sort_ascending: null,
    show_subcategory_list: false,
    num_featured_topics: 3,
    default_view: null,
    subcategory_list_style: 'rows_with_featured_topics',
    default_top_period: 'all',
    default_list_filter: 'all',
    minimum_required_tags: 0,
    navigate_to_first_post_after_read: false,
    parent_category_id: category.parentId ?? undefined,
    subcategory_ids: children.map((c) => c.id),
  };
}

export function topicListItem(model: ForumModel, topic: TopicRec) {
  const posts = model.postsOf(topic.id);
  const last = posts.at(-1);
  const lastPoster = last ? model.users.get(last.userId) : undefined;
  return {
    fancy_title: topic.title,
    id: topic.id,
    title: topic.title,
    slug: topic.slug,
    posts_count: posts.length,
    reply_count: Math.max(0, posts.length - 1),
    highest_post_number: model.postsOf(topic.id, true).length,
    image_url: null,
    created_at: iso(topic.createdAt),
    last_posted_at: iso(topic.lastPostedAt),
    bumped: true,
    bumped_at: iso(topic.bumpedAt),
    archetype: topic.archetype,
    unseen: false,
    pinned: false,
    unpinned: null,
    visible: topic.visible,
    closed: topic.closed,
    archived: topic.archived,
    bookmarked: false,
    liked: false,
    tags: topic.tags,
    tags_descriptions: {},
    views: 0,
    like_count: 0,
    has_summary: false,
    last_poster_username: lastPoster?.username ?? null,
    category_id: topic.categoryId,
    pinned_globally: false,
    featured_link: null,
    has_accepted_answer: topic.acceptedPostId !== null,
    can_vote: false,
    posters: [...new Set(posts.map((p) => p.userId))].map((userId, i, all) => ({
      extras: i === all.length - 1 ? 'latest' : null,
      description: i === 0 ? 'Original Poster' : 'Frequent Poster',
      user_id: userId,
      primary_group_id: null,
      flair_group_id: null,
    })),
  };
}

/** Discourse shows the first 20 posts of a topic and lists every post id in `stream`. */
export const TOPIC_CHUNK = 20;

export function topicView(model: ForumModel, topic: TopicRec, viewer: UserRec) {
  const posts = model.postsOf(topic.id);
  const creator = model.users.get(topic.userId)!;
  const accepted = topic.acceptedPostId === null ? undefined : model.posts.get(topic.acceptedPostId);
  const acceptedBy = accepted ? model.users.get(accepted.userId) : undefined;
  const participants = [...new Set(posts.map((p) => p.userId))]
    .map((id) => model.users.get(id))
    .filter((u): u is UserRec => u !== undefined);
  return {
    post_stream: {
      posts: posts.slice(0, TOPIC_CHUNK).map((p) => postJson(model, p, viewer, false)),
      stream: posts.map((p) => p.id),
    },
    timeline_lookup: [[1, 0]],
    suggested_topics: [],
    tags: topic.tags,
    tags_descriptions: {},
    fancy_title: topic.title,
    id: topic.id,
    title: topic.title,
    posts_count: posts.length,
    created_at: iso(topic.createdAt),
    views: 0,
    reply_count: Math.max(0, posts.length - 1),
    like_count: 0,
    last_posted_at: iso(topic.lastPostedAt),
    visible: topic.visible,
    closed: topic.closed,
    archived: topic.archived,
    has_summary: false,
    archetype: topic.archetype,
    slug: topic.slug,
    category_id: topic.categoryId,
    word_count: 0,
    deleted_at: isoOrNull(topic.deletedAt),
    user_id: topic.userId,
    featured_link: null,
    pinned_globally: false,
    pinned_at: null,
    pinned_until: null,
    image_url: null,
    highest_post_number: model.postsOf(topic.id, true).length,
    chunk_size: TOPIC_CHUNK,
    bookmarked: false,
    participant_count: participants.length,
    accepted_answer: accepted
      ? { post_number: accepted.postNumber, username: acceptedBy?.username, excerpt: accepted.raw.slice(0, 100) }
      : null,
    details: {
      can_edit: viewer.admin,
      notification_level: 1,
      participants: participants.map((u) => ({
        ...basicUser(u),
        post_count: posts.filter((p) => p.userId === u.id).length,
        admin: u.admin,
        moderator: u.moderator,
        trust_level: u.trustLevel,
      })),
      created_by: basicUser(creator),
      last_poster: basicUser(model.users.get(posts.at(-1)?.userId ?? creator.id) ?? creator),
      ...(topic.archetype === 'private_message'
        ? {
            allowed_users: topic.allowedUserIds
              .map((id) => model.users.get(id))
              .filter((u): u is UserRec => u !== undefined)
              .map(basicUser),
            allowed_groups: [],
          }
        : {}),
    },
    pending_posts: [],
  };
}

export function adminUserJson(model: ForumModel, user: UserRec) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    avatar_template: avatarTemplate(user),
    active: true,
    admin: user.admin,
    moderator: user.moderator,
    last_seen_at: null,
    last_emailed_at: null,
    created_at: iso(user.createdAt),
    last_seen_age: null,
    last_emailed_age: null,
    created_at_age: null,
    trust_level: user.trustLevel,
    manual_locked_trust_level: null,
    title: null,
    time_read: 0,
    staged: user.staged,
    days_visited: 0,
    posts_read_count: 0,
    topics_entered: 0,
    post_count: [...model.posts.values()].filter((p) => p.userId === user.id && p.deletedAt === null).length,
  };
}

export function userDetailJson(model: ForumModel, user: UserRec) {
  return {
    user_badges: [],
    user: {
      ...basicUser(user),
      last_posted_at: null,
      last_seen_at: null,
      created_at: iso(user.createdAt),
      trust_level: user.trustLevel,
      moderator: user.moderator,
      admin: user.admin,
      title: null,
      badge_count: [...model.userBadges.values()].filter((b) => b.userId === user.id).length,
      staged: user.staged,
      can_send_private_messages: true,
      can_send_private_message_to_user: true,
      groups: model.groupsOf(user).map(groupJson),
    },
  };
}

export function groupJson(group: GroupRec) {
  return {
    id: group.id,
    automatic: group.automatic,
    name: group.name,
    display_name: group.name,
    user_count: group.memberIds.size,
    mentionable_level: 0,
    messageable_level: 0,
    visibility_level: 0,
    primary_group: false,
    title: null,
    grant_trust_level: null,
    incoming_email: null,
    has_messages: false,
    flair_url: null,
    flair_bg_color: null,
    flair_color: null,
    bio_raw: null,
    bio_cooked: null,
    bio_excerpt: null,
    public_admission: false,
    public_exit: false,
    allow_membership_requests: false,
    full_name: null,
    default_notification_level: 3,
    membership_request_template: null,
    members_visibility_level: 0,
    can_see_members: true,
    can_admin_group: true,
    publish_read_state: false,
  };
}

export function badgeJson(badge: BadgeRec) {
  return {
    id: badge.id,
    name: badge.name,
    description: '',
    grant_count: 0,
    allow_title: false,
    multiple_grant: false,
    icon: 'certificate',
    image_url: null,
    listable: true,
    enabled: true,
    badge_grouping_id: 5,
    system: false,
    slug: badge.name.toLowerCase().replace(/\W+/g, '-'),
    manually_grantable: true,
    badge_type_id: 3,
  };
}

export function userBadgeJson(userBadge: UserBadgeRec) {
  return {
    id: userBadge.id,
    granted_at: iso(userBadge.grantedAt),
    created_at: iso(userBadge.grantedAt),
    count: 1,
    post_id: null,
    post_number: null,
    badge_id: userBadge.badgeId,
    user_id: userBadge.userId,
    granted_by_id: userBadge.grantedById,
    topic_id: null,
  };
}

export function uploadJson(upload: UploadRec) {
  const image = upload.contentType.startsWith('image/');
  return {
    id: upload.id,
    url: upload.url,
    original_filename: upload.name,
    filesize: upload.size,
    width: image ? 690 : null,
    height: image ? 388 : null,
    thumbnail_width: image ? 690 : null,
    thumbnail_height: image ? 388 : null,
    extension: upload.url.split('.').pop(),
    short_url: upload.shortUrl,
    short_path: `/uploads/short-url/${upload.shortUrl.slice('upload://'.length)}`,
    retain_hours: null,
    human_filesize: `${Math.max(1, Math.round(upload.size / 1024))} KB`,
    dominant_color: null,
    thumbnail: null,
  };
}
