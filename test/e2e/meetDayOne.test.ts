/**
 * /meet from day one, end to end (the real bot and discord.js against the emulator): a small new
 * server where two members wrote about the same thing weeks ago and never talked. No daily profile
 * build has run: joining builds the joiner's profile, and /meet finds the other with that topic, in
 * the words they wrote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Community, join, makeCommunity, startBot } from './harness.js';

let community: Community | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const DAY = 86_400_000;

type Component = { custom_id: string; label: string };
const buttonsOf = (m: { components: unknown[] }) =>
  (m.components as { components: Component[] }[]).flatMap((r) => r.components);

describe('/meet in a small new server', () => {
  it('GIVEN 9 members, two of them in intros who each wrote a few messages about Godot shaders weeks ago and never talked THEN /meet suggests the other, with the topic as they wrote it', async () => {
    community = await makeCommunity({}, Date.now() - 60 * DAY);
    const { sandbox, guild, members } = community;
    for (const name of ['fay', 'gus', 'hal', 'ivy']) join(community, name, Date.now() - 50 * DAY, name.toUpperCase());
    app = await startBot(community);
    const weeksAgo = Date.now() - 21 * DAY;
    const said: [string, string][] = [
      ['gus', 'Anyone else writing Godot shaders? My GDScript tool compiles them'],
      ['gus', 'The Godot shaders docs are thin on GDScript uniforms'],
      ['gus', 'Finally got my Godot shaders hot reloading'],
      ['hal', 'Porting my Godot shaders from 3 to 4, GDScript changed a lot'],
      ['hal', 'Godot shaders with GDScript: how do you pass arrays?'],
      ['hal', 'Wrote a GDScript helper for Godot shaders'],
      ['fay', 'Sourdough starter finally bubbling'],
      ['ivy', 'Anyone going to the meetup on Friday?'],
      ['dee', 'Cast iron pans are worth it'],
    ];
    said.forEach(([who, text], i) => {
      sandbox.say(guild.id, guild.channels.general!, members[who]!, text, { at: weeksAgo + i * 3_600_000 });
    });
    await new Promise((r) => setTimeout(r, 500));
    for (const who of ['gus', 'hal']) {
      const joined = await sandbox.runCommand(guild.id, guild.channels.general!, members[who]!, 'intros join');
      expect(joined.content).toMatch(/You are in/);
    }

    // No scheduler tick: no daily build has run.
    const meet = await sandbox.runCommand(guild.id, guild.channels.general!, members.gus!, 'meet');
    if (process.env.CONVENE_PRINT) console.log(meet.content);
    expect(meet.ephemeral).toBe(true);
    expect(meet.content).not.toMatch(/No one stands out/);
    expect(meet.content).toMatch(/HAL/);
    const targets = buttonsOf(meet).map((b) => b.custom_id.split(':')[1]);
    expect(targets).toEqual([members.hal]);
    // The topic as they wrote it: "Godot", "shaders", "GDScript", never a stem ("shader" alone is a stem here).
    const topic = /you both talk about ([^;.]+)/i.exec(meet.content ?? '')?.[1] ?? '';
    expect(topic).toMatch(/Godot|GDScript|shaders/);
    for (const word of topic.split(/, | and /)) {
      expect(said.some(([, text]) => new RegExp(`\\b${word}\\b`).test(text))).toBe(true);
    }
  });
});
