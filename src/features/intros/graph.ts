/** The community's shape from its profiles and reply graph (pure): rarity, degrees, hubs, a partition. */
import type { CommunityStats, Profile } from './profile.js';

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Rarity, degrees, hubs and a coarse partition, from profiles and the full graph. */
export function communityStats(
  profiles: ReadonlyMap<string, Profile>,
  degree: Map<string, number>,
  graph?: ReadonlyMap<string, ReadonlyMap<string, number>>,
): CommunityStats {
  const termFreq = new Map<string, number>();
  for (const p of profiles.values()) for (const t of p.terms.keys()) bump(termFreq, t);
  const degrees = [...profiles.keys()].map((id) => degree.get(id) ?? 0).sort((x, y) => y - x);
  const hubCount = Math.max(1, Math.ceil(degrees.length * 0.01));
  const hubDegree = Math.max(1, degrees[hubCount - 1] ?? 1);
  return {
    memberCount: profiles.size,
    termFreq,
    degree,
    hubDegree,
    community: graph ? labelPropagation(graph) : new Map(),
  };
}

/**
 * Label propagation (Raghavan et al. 2007) with a fixed visiting order, so the partition is the
 * same on every run: a member takes the label most of their (weighted) neighbours carry.
 */
export function labelPropagation(
  graph: ReadonlyMap<string, ReadonlyMap<string, number>>,
  rounds = 8,
): Map<string, number> {
  const ids = [...graph.keys()].sort();
  const label = new Map(ids.map((id, i) => [id, i]));
  for (let r = 0; r < rounds; r++) {
    let changed = 0;
    for (const id of ids) {
      const votes = new Map<number, number>();
      for (const [nb, w] of graph.get(id)!) {
        const l = label.get(nb);
        if (l !== undefined) votes.set(l, (votes.get(l) ?? 0) + w);
      }
      let best = label.get(id)!;
      let bestVotes = -1;
      for (const [l, v] of votes) if (v > bestVotes || (v === bestVotes && l < best)) [best, bestVotes] = [l, v];
      if (best !== label.get(id)) {
        label.set(id, best);
        changed++;
      }
    }
    if (changed === 0) break;
  }
  return label;
}
