/** Message components and modals as the Discord client reads them: find one by custom id, fill a modal. */

/** The component with this custom id on a message (inside action rows, sections and labels). */
export function findComponent(components: unknown[], customId: string): Record<string, unknown> | undefined {
  for (const raw of components) {
    if (typeof raw !== 'object' || raw === null) continue;
    const c = raw as Record<string, unknown>;
    if (c.custom_id === customId) return c;
    const nested = [
      ...(Array.isArray(c.components) ? c.components : []),
      ...(c.accessory ? [c.accessory] : []),
      ...(c.component ? [c.component] : []),
    ];
    const found = findComponent(nested, customId);
    if (found) return found;
  }
  return undefined;
}

/** A modal's components as the client submits them: each text input with its value (by custom id). */
export function fillModal(components: unknown[], values: Record<string, string>): Record<string, unknown>[] {
  const fill = (c: Record<string, unknown>): Record<string, unknown> => {
    if (Array.isArray(c.components))
      return { type: c.type, components: (c.components as Record<string, unknown>[]).map(fill) };
    if (c.component && typeof c.component === 'object')
      return { type: c.type, component: fill(c.component as Record<string, unknown>) };
    const id = c.custom_id as string | undefined;
    return { type: c.type, ...(id ? { custom_id: id, value: values[id] ?? '' } : {}) };
  };
  return (components as Record<string, unknown>[]).map(fill);
}

/** The values a client submitted in a modal, by custom id (whatever nesting it used). */
export function modalValues(components: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const c = node as Record<string, unknown>;
    if (typeof c.custom_id === 'string' && typeof c.value === 'string') values[c.custom_id] = c.value;
    walk(c.components);
    walk(c.component);
  };
  walk(components);
  return values;
}
