/**
 * Events kept in memory while the database refuses writes, oldest first, up to a bound. Beyond it the
 * oldest are let go and remembered as a gap per guild (platform, guild, oldest time, how many), which
 * the platforms' backfills read again once writes work. Also the sentence that says so.
 */
import type { CommunityEvent, GuildId, Millis, Platform } from '../events.js';

/** Events of one guild that were let go while writes failed: the next backfill reads them again. */
export interface IngestGap {
  platform: Platform;
  guildId: GuildId;
  /** The platform time of the oldest event let go. */
  since: Millis;
  events: number;
}

const PLATFORM_NAMES: Record<Platform, string> = { discord: 'Discord', discourse: 'the forum' };

export class HeldEvents {
  private events: CommunityEvent[] = [];
  private readonly gaps = new Map<string, IngestGap>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.events.length;
  }

  /** The oldest `count` held events (to retry), still held until forget(). */
  oldest(count: number): CommunityEvent[] {
    return this.events.slice(0, count);
  }

  /** How many events were let go since the gaps were last taken. */
  get letGo(): number {
    let n = 0;
    for (const gap of this.gaps.values()) n += gap.events;
    return n;
  }

  /** Keep events; beyond the bound the oldest are let go and become gaps. */
  hold(events: readonly CommunityEvent[]): void {
    this.events.push(...events);
    const over = this.events.length - this.limit;
    if (over <= 0) return;
    for (const event of this.events.splice(0, over)) {
      const key = `${event.platform}/${event.guildId}`;
      const gap = this.gaps.get(key);
      if (gap) {
        gap.since = Math.min(gap.since, event.at);
        gap.events++;
      } else {
        this.gaps.set(key, { platform: event.platform, guildId: event.guildId, since: event.at, events: 1 });
      }
    }
  }

  /** Stored (or given up): drop them, by identity — hold() may have let the head go meanwhile. */
  forget(events: readonly CommunityEvent[]): void {
    const done = new Set(events);
    this.events = this.events.filter((e) => !done.has(e));
  }

  /** The gaps so far, cleared. */
  takeGaps(): IngestGap[] {
    const gaps = [...this.gaps.values()];
    this.gaps.clear();
    return gaps;
  }

  /** For /healthz and /convene status: what is kept, what was let go, and what to do. */
  problem(reason: string): string {
    const kept = `${this.size} new ${this.size === 1 ? 'event is' : 'events are'} kept in memory and retried`;
    const lost = [...this.gaps.values()];
    const fate =
      lost.length === 0
        ? `${kept}, nothing is lost yet`
        : `${kept}; ${this.letGo} more did not fit and will be read again from ${[
            ...new Set(lost.map((g) => PLATFORM_NAMES[g.platform])),
          ].join(' and ')} once writes work`;
    return `The database refuses writes (${reason}): ${fate}. Free disk space and Convene catches up by itself.`;
  }
}
