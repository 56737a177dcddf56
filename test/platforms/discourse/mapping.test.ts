import { describe, expect, it } from 'vitest';
import { asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../../src/events.js';
import {
  MalformedPayloadError,
  type MappingContext,
  mapWebhook,
  mentionedUsernames,
  textOfCooked,
  type WebhookOutcome,
} from '../../../src/platforms/discourse/mapping.js';
import { capture, headerOf } from './fixtures.js';

const guildId = asGuildId('discourse:forum.example');

function context(overrides: Partial<MappingContext> = {}): MappingContext {
  return {
    guildId,
    botUsername: 'convene',
    memberIdByUsername: () => undefined,
    postIdByNumber: () => undefined,
    topicKnown: () => false,
    categoryKnown: () => false,
    topicOwner: () => undefined,
    postsOfTopic: () => [],
    ...overrides,
  };
}

function mapCapture(name: string, ctx = context(), change?: (payload: Record<string, unknown>) => void) {
  const c = capture(name);
  const body = structuredClone(c.body);
  if (change) change(Object.values(body)[0] as Record<string, unknown>);
  return mapWebhook(headerOf(c, 'X-Discourse-Event'), headerOf(c, 'X-Discourse-Event-Type'), body, ctx);
}

function applied(outcome: WebhookOutcome) {
  if (outcome.kind !== 'apply') throw new Error(`expected events, got ${outcome.kind}`);
  return outcome;
}

const ofKind = <K extends CommunityEvent['kind']>(events: CommunityEvent[], kind: K) =>
  events.filter((e): e is Extract<CommunityEvent, { kind: K }> => e.kind === kind);

describe('Discourse webhook mapping (real captured payloads)', () => {
  it('GIVEN the ping test vector THEN it is a ping and nothing to store', () => {
    expect(mapCapture('ping').kind).toBe('ping');
  });

  it('GIVEN post_created for an unseen topic THEN the category, the topic and the message are stored with platform times', () => {
    const out = applied(mapCapture('post_created'));
    expect(out.events.map((e) => e.kind)).toEqual(['channel.upserted', 'thread.upserted', 'message.created']);
    const [category] = ofKind(out.events, 'channel.upserted');
    expect(category).toMatchObject({
      channelId: 'category:4',
      channelKind: 'forum',
      name: '4-category',
      parentId: null,
    });
    const [thread] = ofKind(out.events, 'thread.upserted');
    expect(thread).toMatchObject({
      threadId: '10',
      parentId: 'category:4',
      ownerId: '1',
      name: '阿里云-计算,为了无法计算的价值',
    });
    const [message] = ofKind(out.events, 'message.created');
    expect(message).toMatchObject({
      guildId,
      platform: 'discourse',
      messageId: '12',
      channelId: '10',
      authorId: '1',
      authorName: 'user1',
      authorIsBot: false,
      replyToId: null,
      at: Date.parse('2026-01-02T13:58:49.606Z'),
    });
    expect(message!.content.startsWith('*阿里云*')).toBe(true);
    expect(out.index.posts).toEqual([{ postId: '12', topicId: '10', postNumber: 1, userId: '1' }]);
    expect(out.createdPost).toMatchObject({ postId: '12', privateMessage: false, moderator: true, byBot: false });
  });

  it('GIVEN post_created in a topic already stored THEN only the message is emitted', () => {
    const out = applied(mapCapture('post_created', context({ topicKnown: () => true, categoryKnown: () => true })));
    expect(out.events.map((e) => e.kind)).toEqual(['message.created']);
  });

  it('GIVEN a reply to post number 1 THEN replyToId is that post id', () => {
    const ctx = context({
      topicKnown: () => true,
      categoryKnown: () => true,
      postIdByNumber: (topic, n) => (topic === '10' && n === 1 ? asMessageId('11') : undefined),
    });
    const out = applied(
      mapCapture('post_created', ctx, (p) => {
        p.post_number = 2;
        p.reply_to_post_number = 1;
      }),
    );
    expect(ofKind(out.events, 'message.created')[0]!.replyToId).toBe('11');
  });

  it('GIVEN a post in a private message THEN nothing is stored as community talk but the command reader sees it', () => {
    const out = applied(mapCapture('post_created_private_message'));
    expect(out.events).toEqual([]);
    expect(out.createdPost).toMatchObject({ privateMessage: true, topicId: '12', username: 'Anillc', userId: '1' });
  });

  it('GIVEN topic_created THEN the topic is a thread of its category, owned by its creator, at its creation time', () => {
    const out = applied(mapCapture('topic_created', context({ categoryKnown: () => true })));
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'thread.upserted',
        threadId: '8',
        parentId: 'category:4',
        ownerId: '1',
        tags: [],
        archived: false,
        createdAt: Date.parse('2026-01-02T12:40:25.548Z'),
        at: Date.parse('2026-01-02T12:40:25.649Z'),
      }),
    ]);
  });

  it('GIVEN user_created THEN the member joins at the account creation time with their groups as roles', () => {
    const out = applied(mapCapture('user_created'));
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'member.joined',
        memberId: '4',
        username: 'adsad',
        displayName: 'adsad',
        bot: false,
        moderator: false,
        roles: ['10', '11'],
        at: Date.parse('2025-12-31T10:58:17.185Z'),
      }),
    ]);
    expect(out.index.users).toEqual([{ userId: '4', username: 'adsad' }]);
  });

  it('GIVEN accepted_solution THEN the answer is accepted by the topic owner (not the stale payload flag)', () => {
    const out = applied(mapCapture('accepted_solution', context({ topicOwner: () => asMemberId('7') })));
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'answer.accepted',
        threadId: '16',
        messageId: '24',
        byMemberId: '7',
        accepted: true,
      }),
    ]);
    expect(out.key).toBe('solved:post:24:accepted');
    expect(out.supersedes).toEqual(['solved:post:24:unaccepted']);
  });

  it('GIVEN unaccepted_solution THEN it is an acceptance withdrawn, superseding the accept', () => {
    const c = capture('accepted_solution');
    const out = applied(mapWebhook('unaccepted_solution', 'solved', c.body, context()));
    expect(ofKind(out.events, 'answer.accepted')[0]!.accepted).toBe(false);
    expect(out.supersedes).toEqual(['solved:post:24:accepted']);
  });

  it('GIVEN the same post delivered twice THEN both deliveries share one key, and an edit has another', () => {
    const first = applied(mapCapture('post_created'));
    const again = applied(mapCapture('post_created'));
    expect(again.key).toBe(first.key);
    const edited = applied(
      mapCapture('post_created', context(), (p) => {
        p.updated_at = '2026-01-02T14:00:00.000Z';
        p.version = 2;
      }),
    );
    expect(edited.key).not.toBe(first.key);
  });

  it('GIVEN a topic edited without new posts THEN its key differs from the creation (title digest)', () => {
    const created = applied(mapCapture('topic_created'));
    const c = capture('topic_created');
    const body = structuredClone(c.body) as { topic: Record<string, unknown> };
    body.topic.title = 'A clearer title for the same topic';
    const edited = applied(mapWebhook('topic_edited', 'topic', body, context()));
    expect(edited.key).not.toBe(created.key);
    expect(ofKind(edited.events, 'thread.upserted')[0]!.name).toBe('A clearer title for the same topic');
  });

  it('GIVEN post_edited THEN the message is updated at the edit time', () => {
    const c = capture('post_created');
    const body = structuredClone(c.body) as { post: Record<string, unknown> };
    body.post.raw = 'edited text';
    body.post.updated_at = '2026-01-03T00:00:00.000Z';
    const out = applied(mapWebhook('post_edited', 'post', body, context()));
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'message.updated',
        messageId: '12',
        content: 'edited text',
        at: Date.parse('2026-01-03T00:00:00.000Z'),
      }),
    ]);
  });

  it('GIVEN post_destroyed THEN the message is deleted', () => {
    const c = capture('post_created');
    const body = structuredClone(c.body) as { post: Record<string, unknown> };
    body.post.deleted_at = '2026-01-04T00:00:00.000Z';
    const out = applied(mapWebhook('post_destroyed', 'post', body, context()));
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'message.deleted',
        messageId: '12',
        channelId: '10',
        at: Date.parse('2026-01-04T00:00:00.000Z'),
      }),
    ]);
  });

  it('GIVEN topic_destroyed THEN every known post of it is deleted and the thread archived', () => {
    const c = capture('topic_created');
    const ctx = context({ postsOfTopic: (t) => (t === '8' ? [asMessageId('30'), asMessageId('31')] : []) });
    const out = applied(mapWebhook('topic_destroyed', 'topic', c.body, ctx));
    expect(ofKind(out.events, 'message.deleted').map((e) => e.messageId)).toEqual(['30', '31']);
    expect(ofKind(out.events, 'thread.upserted')[0]!.archived).toBe(true);
  });

  it.each([
    ['a small action ("closed this topic")', 3],
    ['a staff whisper', 4],
  ])('GIVEN %s THEN it is not stored as conversation', (_what, postType) => {
    const out = mapCapture('post_created', context(), (p) => {
      p.post_type = postType;
    });
    expect(out.kind).toBe('ignored');
  });

  it('GIVEN a post by the bot or by the system user THEN it is stored as a bot message', () => {
    const byBot = applied(mapCapture('post_created', context(), (p) => (p.username = 'Convene')));
    expect(ofKind(byBot.events, 'message.created')[0]!.authorIsBot).toBe(true);
    expect(byBot.createdPost!.byBot).toBe(true);
    const bySystem = applied(mapCapture('post_created', context(), (p) => (p.user_id = -1)));
    expect(ofKind(bySystem.events, 'message.created')[0]!.authorIsBot).toBe(true);
  });

  it('GIVEN mentions in cooked HTML THEN known members are the mentionIds (the author excluded)', () => {
    const ctx = context({ memberIdByUsername: (n) => ({ alice: asMemberId('5'), user1: asMemberId('1') })[n] });
    const out = applied(
      mapCapture('post_created', ctx, (p) => {
        p.cooked =
          '<p>Hi <a class="mention" href="/u/alice">@alice</a> and <a class="mention" href="/u/user1">@user1</a>, <a class="mention" href="/u/ghost">@ghost</a></p>';
      }),
    );
    expect(ofKind(out.events, 'message.created')[0]!.mentionIds).toEqual(['5']);
  });

  it.each([
    ['an unknown event', 'like_created', 'like', { like: {} }],
    [
      'a private-message topic',
      'topic_created',
      'topic',
      { topic: { ...(capture('topic_created').body.topic as object), archetype: 'private_message' } },
    ],
  ])('GIVEN %s THEN it is acknowledged and ignored', (_what, event, type, body) => {
    expect(mapWebhook(event, type, body, context()).kind).toBe('ignored');
  });

  it.each([
    ['a JSON array', 'post_created', 'post', []],
    [
      'a post without an id',
      'post_created',
      'post',
      { post: { username: 'a', user_id: 1, created_at: '2026-01-01T00:00:00Z', post_number: 1, topic_id: 2 } },
    ],
    [
      'a post with an unreadable date',
      'post_created',
      'post',
      { post: { id: 1, username: 'a', user_id: 1, created_at: 'yesterday', post_number: 1, topic_id: 2 } },
    ],
    ['a user without a username', 'user_created', 'user', { user: { id: 3, created_at: '2026-01-01T00:00:00Z' } }],
  ])('GIVEN %s THEN the payload is malformed', (_what, event, type, body) => {
    expect(() => mapWebhook(event, type, body, context())).toThrow(MalformedPayloadError);
  });
});

describe('Discourse post text', () => {
  it('GIVEN cooked HTML THEN its text keeps words and decodes entities', () => {
    expect(textOfCooked('<p>Fish &amp; chips<br>are <em>great</em> &lt;3</p>\n<p>Next</p>')).toBe(
      'Fish & chips\nare great <3\n\nNext',
    );
  });

  it.each([
    ['plain mentions', 'thanks @Alice and @bob.smith!', ['alice', 'bob.smith']],
    ['inline code', 'run `@alice` please', []],
    ['a fenced block', '```\n@alice\n```\nok', []],
    ['a quote', '[quote="x"]\n@alice\n[/quote]\n@bob', ['bob']],
    ['an email address', 'write to me@example.com', []],
  ])('GIVEN raw markdown with %s THEN the mentioned usernames are found', (_what, raw, names) => {
    expect(mentionedUsernames(null, raw)).toEqual(names);
  });
});
