import { describe, expect, it } from 'vitest';
import { defaultTrack, trackSchema } from '../../../src/features/journey/track.js';
import { parseSettings, SettingsError } from '../../../src/guildSettings.js';

const twoStages = (second: Record<string, unknown>) => ({
  journey: {
    track: {
      stages: [
        { id: 'arrived', name: 'Arrived' },
        { id: 'helping', name: 'Helping', ...second },
      ],
    },
  },
});

describe('journey track', () => {
  it('GIVEN no configuration THEN the default track runs arrived → … → convener', () => {
    const track = parseSettings({}).journey.track;
    expect(track.stages.map((s) => s.id)).toEqual([
      'arrived',
      'introduced',
      'participating',
      'helping',
      'regular',
      'expert',
      'convener',
    ]);
    expect(track.stages.find((s) => s.id === 'regular')!.criteria).toEqual([
      { kind: 'message', atLeast: 3, withinWeeks: 4, distinctWeeks: true },
    ]);
    expect(track.stages.find((s) => s.id === 'expert')!.criteria).toEqual([{ kind: 'solved', atLeast: 5 }]);
  });

  it('GIVEN the default track THEN every call returns a fresh copy (editing one does not change the next)', () => {
    const a = defaultTrack();
    a.stages[1]!.roleId = 'r1';
    expect(defaultTrack().stages[1]!.roleId).toBeNull();
  });

  it.each([
    ['a duplicate stage id', twoStages({ id: 'arrived' }), 'journey.track.stages.1.id'],
    [
      'a count below one',
      twoStages({ criteria: [{ kind: 'reply', atLeast: 0 }] }),
      'journey.track.stages.1.criteria.0.atLeast',
    ],
    [
      'an unknown event kind',
      twoStages({ criteria: [{ kind: 'likes', atLeast: 1 }] }),
      'journey.track.stages.1.criteria.0.kind',
    ],
    [
      'distinct weeks without a window',
      twoStages({ criteria: [{ kind: 'message', atLeast: 2, distinctWeeks: true }] }),
      'journey.track.stages.1.criteria.0.withinWeeks',
    ],
    [
      'more active weeks than the window',
      twoStages({ criteria: [{ kind: 'message', atLeast: 5, withinWeeks: 4, distinctWeeks: true }] }),
      'journey.track.stages.1.criteria.0.atLeast',
    ],
    ['an optional last stage', twoStages({ optional: true }), 'journey.track.stages.1.optional'],
    [
      'criteria on the first stage',
      {
        journey: {
          track: {
            stages: [
              { id: 'a', name: 'A', criteria: [{ kind: 'message', atLeast: 1 }] },
              { id: 'b', name: 'B' },
            ],
          },
        },
      },
      'journey.track.stages.0.criteria',
    ],
    ['a misspelt field', twoStages({ rolId: '1' }), 'journey.track.stages.1'],
    ['a bad stage id', twoStages({ id: 'Helping Out' }), 'journey.track.stages.1.id'],
  ])('GIVEN a track with %s THEN validation names the field', (_, settings, path) => {
    try {
      parseSettings(settings);
      expect.unreachable('the track should have been refused');
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as SettingsError).path).toBe(path);
    }
  });

  it('GIVEN a valid custom track THEN it is kept as written, with defaults filled in', () => {
    const track = trackSchema.parse({
      stages: [
        { id: 'new', name: 'New' },
        { id: 'asker', name: 'Asker', criteria: [{ kind: 'question', atLeast: 2, withinWeeks: 2 }], roleId: '42' },
      ],
    });
    expect(track.stages[1]).toMatchObject({ match: 'all', optional: false, roleId: '42', unlocks: '' });
    expect(track.removePreviousRole).toBe(false);
  });
});
