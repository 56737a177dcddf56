/** The digest sources of every registered feature (those whose Feature has `digest`). */
import type { NamedSource } from './service.js';

/**
 * Imported when needed, not at load: the feature list imports this feature, which would otherwise
 * import the list back before it exists.
 */
export async function digestSources(): Promise<NamedSource[]> {
  const { features } = await import('../index.js');
  return features.flatMap((f) => (f.digest ? [{ feature: f.name, source: f.digest }] : []));
}
