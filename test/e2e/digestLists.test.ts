/**
 * The digest's "Full lists" button end to end (the real bot against the Discord emulator): the
 * digest names a handful of the week's newcomers, and the button answers the member who pressed it,
 * privately, with all of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Community, join, makeCommunity, outboxSettled, startBot } from './harness.js';

const DAY = 86_400_000;
let community: Community | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const NEWCOMERS = ['fern', 'gus', 'hana', 'ivo', 'juno', 'kai', 'lia', 'moss', 'nico'];

describe('the digest of a week with more newcomers than it names', () => {
  it('GIVEN nine newcomers THEN the digest names five and says how many more; Full lists shows all nine to the one who asked', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members, moderator } = community;
    for (const [i, name] of NEWCOMERS.entries()) join(community, name, Date.now() - 3 * DAY + i * 60_000);
    app = await startBot(community);
    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest set', {
      channel: guild.channels.general!,
    });
    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest post-now');
    await outboxSettled(app);
    const digest = sandbox
      .messagesIn(guild.channels.general!)
      .find((m) => m.authorId === sandbox.botUserId && m.embeds.length > 0)!;
    const description = (digest.embeds[0] as { description: string }).description;
    if (process.env.CONVENE_PRINT) console.log(description);
    expect(description).toContain('👋 **Welcome** to the 9 new members: fern, gus, hana, ivo, juno, and 4 more.');
    const buttons = (digest.components as { components: { custom_id: string; label: string }[] }[]).flatMap(
      (r) => r.components,
    );
    const full = buttons.find((b) => b.label === 'Full lists')!;
    const lists = await sandbox.clickButton(guild.id, guild.channels.general!, digest.id, members.bob!, full.custom_id);
    expect(lists.ephemeral).toBe(true);
    const shown = JSON.stringify(lists.embeds);
    if (process.env.CONVENE_PRINT) console.log(shown);
    expect(shown).toContain('👋 **9 new members**: ');
    for (const name of NEWCOMERS) expect(shown).toContain(name);
    // Only bob saw it: the channel still has the one digest and nothing else from the bot.
    expect(sandbox.messagesIn(guild.channels.general!).filter((m) => m.authorId === sandbox.botUserId)).toHaveLength(1);
  }, 60_000);
});
