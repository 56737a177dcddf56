/** Discord markdown on the demo page: formatting as HTML, member text always as text, links http(s) only. */
import { describe, expect, it } from 'vitest';
import { html, safeHref } from '../../../../src/sandbox/discord/web/html.js';
import { inline, type MarkdownContext, markdown } from '../../../../src/sandbox/discord/web/markdown.js';

const ctx: MarkdownContext = {
  user: (id) => html`<span class="mention">@user${id}</span>`,
  channel: (id) => html`<a href="/demo?ch=${id}">#c${id}</a>`,
  role: (id) => html`@role${id}`,
  href: (url) => safeHref(url),
};

describe('markdown on the demo page', () => {
  it.each([
    ['**bold** and *it*', '<strong>bold</strong> and <em>it</em>'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['Ubuntu Help \\(demo\\)', 'Ubuntu Help (demo)'],
    ['`<b>` in code', '<code>&lt;b&gt;</code> in code'],
    ['hi <@42> in <#7>', 'hi <span class="mention">@user42</span> in <a href="/demo?ch=7">#c7</a>'],
    [
      '[docs](https://example.org/a?b=1&c=2)',
      '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">docs</a>',
    ],
    ['[x](javascript:alert(1))', '[x](javascript:alert(1))'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['<img src=x onerror="a()">', '&lt;img src=x onerror=&quot;a()&quot;&gt;'],
    ['**<i>x</i>**', '<strong>&lt;i&gt;x&lt;/i&gt;</strong>'],
  ])('GIVEN %j THEN %j', (text, expected) => {
    expect(inline(text, ctx).value).toBe(expected);
  });

  it('GIVEN headings, lists, quotes and subtext THEN each is its block', () => {
    const out = markdown('## Week\n- one\n- two\n> quoted\n-# small print\nplain', ctx).value;
    expect(out).toBe(
      '<h4>Week</h4><ul><li>one</li><li>two</li></ul><blockquote><p>quoted</p></blockquote><p class="subtext">small print</p><p>plain</p>',
    );
  });

  it('GIVEN Discord timestamps THEN ":R" reads relative and the others as a UTC date', () => {
    const threeHoursAgo = Math.floor(Date.now() / 1000) - 3 * 3600;
    expect(inline(`since <t:${threeHoursAgo}:R>`, ctx).value).toMatch(
      /^since <time datetime="[^"]+" title="[^"]+ UTC">3 hours ago<\/time>$/,
    );
    expect(inline('<t:0:f>', ctx).value).toContain('>Thu, 01 Jan 1970 00:00 UTC</time>');
  });

  it('GIVEN a code fence THEN its content is text, not markdown', () => {
    expect(markdown('```\n**not bold** <b>\n```', ctx).value).toBe('<pre><code>**not bold** &lt;b&gt;</code></pre>');
  });
});
