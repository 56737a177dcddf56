/**
 * What happened on the forum while the webhook receiver was down comes back on start: the real
 * Discourse adapter (HTTP server, webhooks, REST client) against the Discourse emulator, stopped,
 * the forum carries on (posts, edits, deletions) with nobody listening, started again.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../src/db/database.js';
import { createHttpServer } from '../../../src/http/server.js';
import { type DiscourseRuntime, startDiscourse } from '../../../src/platforms/discourse/index.js';
import { type Forum, startForum } from './harness.js';

let f: Forum | undefined;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  f = undefined;
});

/** Stop the receiver: the forum keeps its webhook pointed at a dead address, so deliveries are lost. */
async function stopReceiver(forum: Forum): Promise<void> {
  await forum.forum.flush();
  await forum.discourse.stop();
  await forum.http.close();
  forum.forum.setWebhook({ url: 'http://127.0.0.1:9/webhooks/discourse' });
}

/** Start the adapter again on the same database, as a restarted process would. */
async function restart(forum: Forum): Promise<DiscourseRuntime> {
  const http = createHttpServer(forum.deps, { port: 0 });
  const runtime = await startDiscourse(forum.deps, forum.ingestor, [], http, { startDrain: false });
  const { url } = await http.listen();
  forum.forum.setWebhook({ url: `${url}/webhooks/discourse`, secret: 'a-webhook-secret-of-some-length' });
  cleanup.push(async () => {
    await runtime.stop();
    await http.close();
  });
  return runtime;
}

describe('Discourse catch-up on start', () => {
  it('GIVEN posts, an edit and a deletion while the receiver was down THEN a restart recovers them from the API', async () => {
    f = await startForum();
    const forum = f;
    cleanup.push(async () => {
      await forum.forum.close();
      await closeDatabase(forum.database);
    });
    for (const username of ['alice', 'bob', 'carol', 'dmitri']) f.forum.createUser({ username });
    const category = f.forum.createCategory({ name: 'Help' });
    const { topic } = f.forum.createTopic({
      username: 'alice',
      title: 'Servo jitter on the rig',
      raw: 'My servo jitters when the motor starts. Any idea why?',
      categoryId: category.id,
    });
    const edited = f.forum.reply({ username: 'bob', topicId: topic.id, raw: 'Check the capacitor on the rail.' });
    const deleted = f.forum.reply({ username: 'carol', topicId: topic.id, raw: 'Probably cosmic rays, honestly.' });
    await f.settle();
    const { messages } = f.database.tables;
    const stored = async (postId: number) =>
      (
        await f!.database
          .select({ terms: messages.terms, deletedAt: messages.deletedAt, editedAt: messages.editedAt })
          .from(messages)
          .where(and(eq(messages.guildId, f!.discourse.guildId), eq(messages.messageId, String(postId))))
      )[0];
    expect(await stored(deleted.id)).toMatchObject({ deletedAt: null });

    await stopReceiver(f);
    const lateReply = f.forum.reply({
      username: 'dmitri',
      topicId: topic.id,
      raw: 'Ground loop between the servo and the motor driver.',
    });
    const { topic: newTopic, post: newPost } = f.forum.createTopic({
      username: 'carol',
      title: 'Stepper skipping steps',
      raw: 'My stepper skips steps at high speed.',
      categoryId: category.id,
    });
    const newReply = f.forum.reply({ username: 'bob', topicId: newTopic.id, raw: 'Lower the acceleration.' });
    f.forum.editPost(edited.id, 'Check the decoupling electrolytic on the supply.');
    f.forum.deletePost(deleted.id);
    await f.forum.flush();

    const runtime = await restart(f);
    const result = await runtime.caughtUp;
    for (const post of [lateReply, newPost, newReply]) expect(await stored(post.id)).toMatchObject({ deletedAt: null });
    expect(await stored(deleted.id)).toMatchObject({ terms: '', deletedAt: expect.any(Number) });
    expect((await stored(edited.id))?.terms).toMatch(/electrolyt/);
    expect((await stored(edited.id))?.terms).not.toMatch(/capacitor/);
    // Features heard the recovered posts like live ones.
    const heardIds = f.heard.filter((h) => h.fresh && h.event.kind === 'message.created').map((h) => h.event);
    expect(heardIds.map((e) => (e as { messageId: string }).messageId)).toEqual(
      expect.arrayContaining([String(lateReply.id), String(newPost.id), String(newReply.id)]),
    );
    expect(result).toMatchObject({ created: 3, edited: 1, deleted: 1 });
  });
});
