import { describe, expect, it } from 'vitest';
import type { MessageBody } from '../../../src/actions.js';
import { asMemberId, asRoleId } from '../../../src/events.js';
import { escapeMentions, type RenderContext, renderBody, titleFor } from '../../../src/platforms/discourse/render.js';

const ZWJ = '\u200D';
const ctx: RenderContext = {
  baseUrl: 'https://forum.example',
  usernameOf: (id) => ({ '7': 'alice', '8': 'bob' })[id],
  groupNameOf: (id) => ({ '45': 'mentors' })[id],
};

/** Discourse's mention rule, as the forum applies it: "@" not after a word character, then username characters. */
const notified = (raw: string) => [...raw.matchAll(/(^|[^\w@/])@([\w.-]*\w)/g)].map((m) => m[2]);

describe('Discourse rendering: mentions are explicit', () => {
  it.each([['@everyone'], ['@here'], ['@staff'], ['@someone'], ['hey @alice, see @moderators']])(
    'GIVEN member text "%s" THEN the post notifies nobody and still reads the same',
    (text) => {
      const raw = renderBody({ content: `Your question: ${text}` }, ctx);
      expect(notified(raw)).toEqual([]);
      expect(raw.replaceAll(ZWJ, '')).toBe(`Your question: ${text}`);
    },
  );

  it('GIVEN a member token listed in mentions.members THEN it becomes @username, and an unlisted one is named without a ping', () => {
    const body: MessageBody = { content: 'Meet <@7> and <@8>!', mentions: { members: [asMemberId('7')] } };
    const raw = renderBody(body, ctx);
    expect(notified(raw)).toEqual(['alice']);
    expect(raw).toBe('Meet @alice and bob!');
  });

  it('GIVEN a group token THEN it pings only when listed in mentions.roles', () => {
    expect(notified(renderBody({ content: 'Ask <@&45>' }, ctx))).toEqual([]);
    expect(notified(renderBody({ content: 'Ask <@&45>', mentions: { roles: [asRoleId('45')] } }, ctx))).toEqual([
      'mentors',
    ]);
  });

  it('GIVEN user text inside embeds THEN it is escaped there too', () => {
    const raw = renderBody(
      {
        content: '',
        embeds: [
          {
            title: '@staff',
            description: '@everyone look',
            fields: [{ name: 'Asked by', value: '@someone' }],
            footer: '@here',
          },
        ],
      },
      ctx,
    );
    expect(notified(raw)).toEqual([]);
    expect(raw).toContain('**@\u200Dstaff**');
  });

  it('GIVEN channel, time and emoji tokens THEN they become a link, a readable UTC date and a shortcode', () => {
    const raw = renderBody({ content: 'See <#16> in <#category:4> <t:1767225600:R> <:wave:123>' }, ctx);
    expect(raw).toBe('See https://forum.example/t/16 in https://forum.example/c/4 Thu 1 Jan 2026, 00:00 UTC :wave:');
  });

  it('GIVEN an unknown member token THEN it is written as "someone"', () => {
    expect(renderBody({ content: 'Thanks <@99>', mentions: { members: [asMemberId('99')] } }, ctx)).toBe(
      'Thanks someone',
    );
  });

  it('GIVEN an image attachment shown by an embed THEN it is inlined once as an upload', () => {
    const raw = renderBody(
      {
        content: 'Weekly digest',
        embeds: [{ title: 'Activity', imageAttachment: 'chart.png' }],
        attachments: [{ name: 'chart.png', contentType: 'image/png', dataBase64: '' }],
      },
      { ...ctx, uploads: new Map([['chart.png', { shortUrl: 'upload://abc.png', width: 690, height: 388 }]]) },
    );
    expect(raw).toBe('Weekly digest\n\n**Activity**\n\n![chart.png|690x388](upload://abc.png)');
  });

  it('GIVEN an attachment that could not be uploaded THEN the post says so without a link', () => {
    const raw = renderBody(
      { content: 'Here', attachments: [{ name: 'data.csv', contentType: 'text/csv', dataBase64: '' }] },
      ctx,
    );
    expect(raw).toBe('Here\n\n_(data.csv is attached on Discord only)_');
  });

  it('GIVEN an e-mail address THEN it is left alone (it is no mention and must still link)', () => {
    expect(escapeMentions('mail me@example.com or @me')).toBe(`mail me@example.com or @${ZWJ}me`);
  });
});

describe('Discourse titles', () => {
  it.each([
    [
      'the first embed title',
      { content: 'body', embeds: [{ title: 'Weekly digest for the community' }] },
      'Weekly digest for the community',
    ],
    ['the first line, without markdown or pings', { content: '**Welcome aboard <@7>**\nmore' }, 'Welcome aboard alice'],
    ['a short line, lengthened for the forum minimum', { content: 'Digest' }, 'Digest — Convene'],
  ])('GIVEN %s THEN the topic title is right', (_what, body, title) => {
    expect(titleFor(body as MessageBody, ctx, 15, 'Convene')).toBe(title);
  });

  it('GIVEN a private message THEN a short first line is title enough', () => {
    expect(titleFor({ content: '**Hello <@7>**\nmore' }, ctx, 2, 'Convene')).toBe('Hello alice');
  });

  it('GIVEN a long first line THEN the title is cut at a word near 80 characters', () => {
    const title = titleFor({ content: 'word '.repeat(40) }, ctx, 15, 'Convene');
    expect(title.length).toBeLessThanOrEqual(81);
    expect(title.endsWith('word…')).toBe(true);
  });
});
