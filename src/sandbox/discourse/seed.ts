/**
 * A small, made-up forum for the demo and benchmarks: a few categories, members with different
 * interests, questions (one solved, one still open), and a mentors group. All text is invented here.
 */
import type { DiscourseSandbox } from './server.js';

export interface SeededForum {
  categories: { introductions: number; help: number; showcase: number };
  mentorsGroupId: number;
  helperBadgeId: number;
  openQuestionTopicId: number;
  solvedQuestionTopicId: number;
}

const HOUR = 3_600_000;

export function seedDemoForum(forum: DiscourseSandbox, start = Date.now() - 14 * 24 * HOUR): SeededForum {
  const people = [
    { username: 'ines', name: 'Inès', moderator: true },
    { username: 'kofi', name: 'Kofi' },
    { username: 'mei', name: 'Mei' },
    { username: 'lars', name: 'Lars' },
    { username: 'amara', name: 'Amara' },
    { username: 'tomasz', name: 'Tomasz' },
  ];
  people.forEach((p, i) => {
    forum.createUser({ ...p, createdAt: start + i * HOUR });
  });
  const introductions = forum.createCategory({
    name: 'Introductions',
    description: 'Say hello and tell us what you make.',
  }).id;
  const help = forum.createCategory({ name: 'Help', description: 'Questions about builds, tools and code.' }).id;
  const showcase = forum.createCategory({ name: 'Showcase', description: 'Show what you built.' }).id;
  const mentorsGroupId = forum.createGroup('mentors').id;
  const helperBadgeId = forum.createBadge('Helpful').id;

  let t = start + 8 * HOUR;
  const next = () => (t += HOUR);
  const intro = (username: string, text: string) =>
    forum.createTopic({
      username,
      title: `Hello from ${username}, glad to be here`,
      raw: text,
      categoryId: introductions,
      createdAt: next(),
    });
  intro('kofi', 'I design small walking robots and write their firmware in Rust. Happy to talk gait planning.');
  intro('mei', 'Mostly PCB layout and power electronics here. Currently fighting noise on a motor driver board.');
  intro('lars', 'I teach a robotics club for teenagers and build cheap arm kits for them.');

  const solved = forum.createTopic({
    username: 'amara',
    title: 'Servo jitters when the motor driver is on',
    raw: 'My hobby servo twitches as soon as the DC motor driver starts. Same supply rail. What should I check first?',
    categoryId: help,
    createdAt: next(),
  });
  forum.reply({
    username: 'lars',
    topicId: solved.topic.id,
    raw: 'Do you share ground between the logic and the motor supply?',
    createdAt: next(),
  });
  const answer = forum.reply({
    username: 'mei',
    topicId: solved.topic.id,
    raw: 'Put a bulk capacitor near the driver and give the servo its own regulator: the motor pulls the rail down on every PWM edge.',
    replyToPostNumber: 1,
    createdAt: next(),
  });
  forum.acceptAnswer(answer.id);

  const open = forum.createTopic({
    username: 'tomasz',
    title: 'How do you plan a gait for a four-legged robot?',
    raw: 'I have the legs moving one at a time but the robot falls over when two legs lift. Any reading on gait planning?',
    categoryId: help,
    createdAt: next(),
  });
  forum.createTopic({
    username: 'kofi',
    title: 'My hexapod finally walks on carpet',
    raw: 'After three rewrites of the leg controller it walks on carpet and climbs a book. Video and code below.',
    categoryId: showcase,
    createdAt: next(),
  });

  return {
    categories: { introductions, help, showcase },
    mentorsGroupId,
    helperBadgeId,
    openQuestionTopicId: open.topic.id,
    solvedQuestionTopicId: solved.topic.id,
  };
}
