/**
 * The demo's web page in a real browser (Debian's Chromium, headless, driven by playwright-core):
 * a visitor joins as a newcomer, reads Convene's welcome, runs /journey through the page and sees the
 * bot's ephemeral answer, the moderator posts the digest, the newcomer sees its chart, presses its
 * buttons and fills the modal one opens. Every command and click goes to the real bot as an
 * INTERACTION_CREATE over the gateway. Screenshots go to a temp dir (printed), never to git.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Community, makeCommunity, outboxSettled, startBot } from './harness.js';

/** Debian's package; CHROMIUM_PATH points elsewhere (playwright's own download cannot run here). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let community: Community;
let app: App;
let context: BrowserContext;
let page: Page;
let url: string;
let mallory: string;
let shots: string;

async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launchPersistentContext(mkdtempSync(joinPath(tmpdir(), 'convene-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

beforeAll(async () => {
  community = await makeCommunity();
  app = await startBot(community);
  const { sandbox, guild, moderator, members } = community;
  const ch = guild.channels;
  await sandbox.runCommand(guild.id, ch.general!, moderator, 'convene welcome set', { dm: true });
  await sandbox.runCommand(guild.id, ch.general!, moderator, 'convene digest set', { channel: ch.general! });
  const hour = 3_600_000;
  sandbox.say(guild.id, ch.help!, members.bob!, 'How do I bind a uniform buffer in vulkan without validation errors?', {
    at: Date.now() - 30 * hour,
  });
  // A member whose name and message are markup: the page must show them as text.
  mallory = sandbox.addUser({ username: 'mallory', globalName: '<img src=x onerror="window.pwned=1">' }).id;
  sandbox.addMember(guild.id, mallory, { at: Date.now() - 72 * hour });
  sandbox.say(guild.id, ch.general!, mallory, '<script>window.pwned=2</script> [docs](javascript:window.pwned=3)', {
    at: Date.now() - 2 * hour,
  });
  sandbox.createThread(guild.id, ch.intros!, members.bob!, {
    name: 'bob and dee',
    private: true,
    members: [members.dee!],
  });
  await outboxSettled(app);
  url = sandbox.serveDemoPage(guild.id);
  shots = mkdtempSync(joinPath(tmpdir(), 'convene-demo-page-'));
  context = await launchBrowser();
  page = context.pages()[0] ?? (await context.newPage());
  // Fail on the step that waits (naming the locator), well before the test's own timeout.
  page.setDefaultTimeout(15_000);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await app?.stop();
  await community?.sandbox.close();
  if (shots) console.log(`demo page screenshots: ${shots}`);
});

const shot = (name: string) => page.screenshot({ path: joinPath(shots, `${name}.png`) });

/** Press a form's button and wait for the page the server redirects to. */
async function submit(button: Locator): Promise<void> {
  const loaded = page.waitForEvent('load');
  await button.click();
  await loaded;
}
const message = (text: string | RegExp) => page.locator('article.msg', { hasText: text });

/** Open a command's form in the Commands panel and run it. */
async function run(line: string, fill: (form: Locator) => Promise<void> = async () => {}) {
  const [name] = line.split(' ');
  const panel = page.locator('aside.commands');
  const top = panel.locator('details.cmd', { has: page.locator(`summary code:text-is("/${name}")`) });
  if (!(await top.getAttribute('open'))) await top.locator('> summary').click();
  let form = top.locator('form.leaf').filter({ has: page.locator(`input[name="cmd"][value="${line}"]`) });
  if (line !== name) {
    const sub = top.locator('details', { has: page.locator(`summary code:text-is("/${line}")`) });
    if (!(await sub.getAttribute('open'))) await sub.locator('> summary').click();
    form = sub.locator('form.leaf');
  }
  await fill(form);
  await submit(form.getByRole('button', { name: `Run /${line}` }));
}

describe('the demo page in Chromium', () => {
  it('GIVEN the landing page WHEN the visitor joins as a new member THEN Convene welcomes them in their DMs', async () => {
    await page.goto(url);
    expect(await page.locator('.landing h1').textContent()).toBe('Try Convene as a member of Shader Club');
    await page.getByLabel("New member's name").fill('Nadia Newcomer');
    await submit(page.getByRole('button', { name: 'Join as a new member' }));
    expect(await page.locator('.me b').textContent()).toBe('Nadia Newcomer');
    expect(await page.locator('.ch-head h1').textContent()).toBe('Direct messages with Convene');
    expect(
      await message(/Welcome to/)
        .first()
        .textContent(),
    ).toContain('Shader Club');
    await shot('1-newcomer-welcome');
  });

  it('WHEN the newcomer runs /journey THEN the real bot answers, only to them', async () => {
    await submit(page.locator('nav.sidebar a.ch', { hasText: 'general' }));
    await run('journey');
    const answer = message('Your journey in Shader Club');
    expect(await answer.count()).toBe(1);
    expect(await answer.locator('.only-you').textContent()).toContain('Only you can see this');
    expect(await answer.locator('.used').textContent()).toMatch(/Nadia Newcomer used \/journey/);
    const nadia = community.sandbox.member(community.guild.id, community.sandbox.interactions.at(-1)!.userId);
    expect(community.sandbox.user(nadia!.userId)?.globalName).toBe('Nadia Newcomer');
    expect(community.sandbox.interactions.at(-1)!.name).toBe('/journey');
    await shot('2-journey-ephemeral');
  });

  it('WHEN the moderator posts the digest THEN it shows with its chart image loaded', async () => {
    await page.locator('#as').selectOption({ label: 'Ada' });
    await submit(page.getByRole('button', { name: 'Switch' }));
    await submit(page.locator('nav.sidebar a.ch', { hasText: 'general' }));
    await run('convene digest post-now');
    await outboxSettled(app);
    await page.reload();
    const chart = page.locator('.embed img').first();
    await chart.waitFor();
    // The browser has fetched and decoded the PNG the bot uploaded (served by the emulator).
    await chart.evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
    expect(await chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await shot('3-digest-chart');
  });

  it('WHEN the newcomer presses the digest buttons THEN the bot answers, and the modal one opens can be sent', async () => {
    const nadia = community.sandbox.interactions.find((r) => r.name === '/journey')!.userId;
    await page.locator('#as').selectOption(nadia);
    await submit(page.getByRole('button', { name: 'Switch' }));
    await submit(page.locator('nav.sidebar a.ch', { hasText: 'general' }));
    await submit(page.getByRole('button', { name: 'This week helped me' }).last());
    const thanks = message('Glad this week helped');
    expect(await thanks.count()).toBe(1);
    expect(await thanks.locator('.used').textContent()).toBe('Nadia Newcomer pressed This week helped me');
    await submit(page.getByRole('button', { name: 'Tell the moderators…' }).last());
    const dialog = page.getByRole('dialog', { name: 'Tell the moderators' });
    await dialog.waitFor();
    await shot('4-modal');
    await dialog.getByLabel('What should the moderators know?').fill('More beginner questions answered, please.');
    await submit(dialog.getByRole('button', { name: 'Submit' }));
    expect(await message('The moderators will read it').count()).toBe(1);
    await shot('5-modal-answered');
  });

  it('GIVEN member text that is markup THEN it is shown as text and nothing of it runs', async () => {
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    const line = message('<script>window.pwned=2</script>');
    expect(await line.count()).toBe(1);
    expect(await line.locator('.who').textContent()).toBe('<img src=x onerror="window.pwned=1">');
    expect(await page.locator('img[src="x"], a[href^="javascript:"], script').count()).toBe(0);
  });

  it("GIVEN another member THEN they see neither the newcomer's DMs nor a private thread they are not in", async () => {
    const { members, guild, sandbox } = community;
    const thread = sandbox.threadsIn(guild.channels.intros!)[0]!;
    const nadia = sandbox.interactions.find((r) => r.name === '/journey')!.userId;
    const nadiaDm = sandbox.dmsTo(nadia)[0]!.channelId;
    await page.goto(`${url}?as=${members.eve}`);
    const sidebar = await page.locator('nav.sidebar').textContent();
    expect(sidebar).not.toContain('bob and dee');
    expect(sidebar).toContain('None yet');
    for (const hidden of [thread.id, nadiaDm]) {
      await page.goto(`${url}?as=${members.eve}&ch=${hidden}`);
      const heading = await page.locator('.ch-head h1').textContent();
      expect(heading).not.toContain('bob and dee');
      expect(heading).not.toContain('Direct messages');
      expect(await message(/Welcome to Shader Club/).count()).toBe(0);
    }
    // Dee is in the thread: it is listed for her and opens.
    await page.goto(`${url}?as=${members.dee}&ch=${thread.id}`);
    expect(await page.locator('.ch-head h1').textContent()).toBe('bob and dee');
    expect(await page.locator('nav.sidebar').textContent()).toContain('bob and dee');
  });

  it('GIVEN the bot as "who you are" THEN the page refuses to act as it', async () => {
    const before = community.sandbox.interactions.length;
    await page.goto(`${url}?as=${community.sandbox.botUserId}`);
    expect(await page.locator('.landing').count()).toBe(1);
    const response = await page.request.post(`${url}/command`, {
      form: { as: community.sandbox.botUserId, ch: community.guild.channels.general!, cmd: 'help' },
    });
    expect(response.url()).toContain('note=');
    expect(community.sandbox.interactions.length).toBe(before);
  });
});
