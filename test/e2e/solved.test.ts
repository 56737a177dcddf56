/**
 * /solved that credits the helper, end to end: the real bot (the real discord.js client) against the
 * Discord emulator. The asker runs /solved in a forum post, picks the reply the bot proposes first,
 * and the helper is thanked in the thread (pinged, once), the post gets the forum's Solved tag, and
 * the question is no longer listed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Community, makeCommunity, messagesStored, outboxSettled, rows, startBot } from './harness.js';

const HOUR = 3_600_000;
let community: Community | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 300));

interface ButtonJson {
  custom_id: string;
  label: string;
}
const buttonsOf = (components: unknown[]): ButtonJson[] =>
  (components as { components?: ButtonJson[] }[]).flatMap((row) => row.components ?? []);

describe('/solved credits the helper', () => {
  it('GIVEN answers by bob and cyd, the asker thanked cyd THEN /solved proposes cyd; picking her thanks her once, tags the post Solved, and the question leaves /unanswered', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, members } = community;
    const forum = guild.channels.questions!;
    const post = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan swapchain recreation crashes on resize',
      content: 'My vulkan swapchain crashes when the window is resized. What am I doing wrong?',
      at: Date.now() - 5 * HOUR,
    });
    const bobs = sandbox.say(guild.id, post.thread.id, members.bob!, 'Did you update the drivers?', {
      at: Date.now() - 4 * HOUR,
    });
    const cyds = sandbox.say(
      guild.id,
      post.thread.id,
      members.cyd!,
      'Wait for the device to be idle before you recreate the swapchain',
      { at: Date.now() - 3 * HOUR },
    );
    const thanks = sandbox.say(guild.id, post.thread.id, members.eve!, 'That was it, thank you!', {
      at: Date.now() - 2 * HOUR,
      replyTo: cyds.id,
    });
    await messagesStored(app, post.message.id, bobs.id, cyds.id, thanks.id);

    // Someone else cannot mark it.
    const intruder = await sandbox.runCommand(guild.id, post.thread.id, members.bob!, 'solved');
    expect(intruder.content).toBe('Only the person who asked (or a moderator) can mark this question solved.');

    const offer = await sandbox.runCommand(guild.id, post.thread.id, members.eve!, 'solved');
    expect(offer.ephemeral).toBe(true);
    if (process.env.CONVENE_PRINT) console.log(offer.content);
    expect(offer.content).toMatch(/^Whose reply solved \*\*Vulkan swapchain recreation crashes on resize\*\*\?/);
    expect(offer.content).toMatch(/^1\. \*\*Cyd\*\* \(you replied to it\)/m);
    const buttons = buttonsOf(offer.components);
    expect(buttons.map((b) => b.label)).toEqual(['✅ Cyd', 'Bob', 'Nobody in particular']);

    const picked = await sandbox.clickButton(
      guild.id,
      post.thread.id,
      offer.message!.id,
      members.eve!,
      buttons[0]!.custom_id,
    );
    expect(picked.content).toBe('Marked solved. **Cyd** is thanked in the thread and counted as its helper.');
    await outboxSettled(app);
    await settle();

    const said = sandbox.messagesIn(post.thread.id).filter((m) => m.authorId === sandbox.botUserId);
    expect(said).toHaveLength(1);
    expect(said[0]!.content).toMatch(
      /^✅ Solved\. Thank you <@\d+> for \[the answer\]\(https:\/\/discord\.com\/channels\//,
    );
    expect(said[0]!.pinged.users).toEqual([members.cyd]);
    expect(said[0]!.pinged.everyone).toBe(false);

    const forumChannel = sandbox.channel(forum)!;
    const solvedTag = forumChannel.availableTags.find((t) => t.name === 'solved')!;
    expect(sandbox.channel(post.thread.id)!.thread!.appliedTags).toEqual([solvedTag.id]);

    expect(
      await rows(app, 'SELECT solved_via, accepted_answerer_id FROM questions WHERE question_id = ?', post.thread.id),
    ).toEqual([{ solved_via: 'command', accepted_answerer_id: members.cyd }]);
    expect(await rows(app, 'SELECT member_id FROM journey_solved')).toEqual([{ member_id: members.cyd }]);
    const list = await sandbox.runCommand(guild.id, guild.channels.general!, members.dee!, 'unanswered');
    expect(list.content).not.toContain('swapchain');

    // The pick replaced the buttons; /solved again (or a moderator) changes nothing and thanks nobody twice.
    expect(buttonsOf(picked.components)).toEqual([]);
    const again = await sandbox.runCommand(guild.id, post.thread.id, members.ada!, 'solved');
    expect(again.content).toBe('This question was already marked solved.');
    await outboxSettled(app);
    expect(sandbox.messagesIn(post.thread.id).filter((m) => m.authorId === sandbox.botUserId)).toHaveLength(1);
  }, 60_000);

  it('GIVEN a forum without a Solved tag THEN /solved helper: credits and thanks, and the post keeps its tags', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    const help = sandbox.createChannel(guild.id, { name: 'engine-help', type: 'forum', tags: ['bug', 'question'] });
    app = await startBot(community);
    const post = sandbox.openForumPost(guild.id, help.id, members.eve!, {
      title: 'Shadow acne on terrain',
      content: 'How do I get rid of shadow acne on my terrain?',
      at: Date.now() - 3 * HOUR,
    });
    sandbox.applyTag(post.thread.id, 'question');
    const bias = sandbox.say(guild.id, post.thread.id, members.dee!, 'Add a small depth bias', {
      at: Date.now() - 2 * HOUR,
    });
    await messagesStored(app, post.message.id, bias.id);
    const done = await sandbox.runCommand(guild.id, post.thread.id, members.eve!, 'solved', { helper: members.dee! });
    expect(done.content).toBe('Marked solved. **Dee** is thanked in the thread and counted as its helper.');
    await outboxSettled(app);
    await settle();
    const said = sandbox.messagesIn(post.thread.id).filter((m) => m.authorId === sandbox.botUserId);
    expect(said.map((m) => m.pinged.users)).toEqual([[members.dee]]);
    const questionTag = help.availableTags.find((t) => t.name === 'question')!;
    expect(sandbox.channel(post.thread.id)!.thread!.appliedTags).toEqual([questionTag.id]);
    // The tag action found nothing to do: done, not failed.
    expect(await rows(app, "SELECT status FROM outbox WHERE key LIKE 'questions:solved-tag:%'")).toEqual([
      { status: 'done' },
    ]);
  }, 60_000);
});
