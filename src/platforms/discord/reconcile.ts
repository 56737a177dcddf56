/**
 * What a page of channel history says changed while the bot was not listening (pure: plain data in,
 * plain data out). The page is what Discord returns now; `held` is what the store has for the same
 * stretch of the channel. Messages Discord no longer returns were deleted; an edited_timestamp newer
 * than the one we hold is an edit we missed; a reaction count that differs from ours means someone
 * reacted or took a reaction back, and only then are the reacting users worth a request — except for
 * the reactions features count (✅ marking solved…), whose users are always listed: one member taking
 * theirs back while another adds one leaves the count as it was.
 */

/** A message as the history page shows it. */
export interface SeenMessage {
  id: string;
  editedAt: number | null;
  /** Reaction counts by emoji (the store's emoji key: "✅" or "<:name:id>"). */
  reactions: ReadonlyMap<string, number>;
}

/** A message as the store holds it. */
export interface HeldMessage {
  id: string;
  editedAt: number | null;
  deleted: boolean;
  /** Members who reacted, by emoji. */
  reactions: ReadonlyMap<string, readonly string[]>;
}

export interface PagePlan {
  /** Seen, not held: store them (oldest first, as the page is ordered). */
  create: string[];
  /** Held, and edited on Discord after what we hold: re-derive them. */
  edit: string[];
  /** Held in this stretch, not on Discord any more: deleted while we were away. */
  remove: string[];
  /** Reactions whose users must be listed to know who came or went. */
  recount: { messageId: string; emoji: string }[];
  /** Reactions Discord no longer has at all: every member we hold took theirs back. */
  unreact: { messageId: string; emoji: string; memberIds: string[] }[];
}

export function planPage(
  seen: readonly SeenMessage[],
  held: readonly HeldMessage[],
  counted: (emoji: string) => boolean = () => false,
): PagePlan {
  const heldById = new Map(held.map((m) => [m.id, m]));
  const seenIds = new Set(seen.map((m) => m.id));
  const plan: PagePlan = { create: [], edit: [], remove: [], recount: [], unreact: [] };
  for (const message of seen) {
    const ours = heldById.get(message.id);
    if (!ours) {
      plan.create.push(message.id);
      for (const [emoji, count] of message.reactions) {
        if (count > 0) plan.recount.push({ messageId: message.id, emoji });
      }
      continue;
    }
    // A message we deleted (erased, or deleted and then seen again) stays as it is.
    if (ours.deleted) continue;
    if (message.editedAt !== null && (ours.editedAt === null || message.editedAt > ours.editedAt)) {
      plan.edit.push(message.id);
    }
    for (const [emoji, count] of message.reactions) {
      const changed = count !== (ours.reactions.get(emoji)?.length ?? 0);
      if (changed || (count > 0 && counted(emoji))) plan.recount.push({ messageId: message.id, emoji });
    }
    for (const [emoji, memberIds] of ours.reactions) {
      if (!message.reactions.has(emoji) && memberIds.length > 0) {
        plan.unreact.push({ messageId: message.id, emoji, memberIds: [...memberIds] });
      }
    }
  }
  for (const message of held) {
    if (!message.deleted && !seenIds.has(message.id)) plan.remove.push(message.id);
  }
  return plan;
}

/** Who reacted on Discord against who we hold: the members to add and to remove. */
export function reactionChanges(
  onDiscord: readonly string[],
  held: readonly string[],
): { added: string[]; removed: string[] } {
  const now = new Set(onDiscord);
  const before = new Set(held);
  return {
    added: onDiscord.filter((id) => !before.has(id)),
    removed: held.filter((id) => !now.has(id)),
  };
}
