/**
 * Counts in sentences people read: "1 member", "2 members", "1,024 members". Every count-bearing
 * sentence of the bot (digest, status, intros, questions, journey, forum commands) says its number
 * through here, so the noun agrees with the number shown. The rule is Intl.PluralRules' (built into
 * Node, no dependency): one instance, made once, because constructing Intl objects is what is slow.
 */
const english = new Intl.PluralRules('en');

/** "1,234" (not toLocaleString: it builds an Intl formatter per call, slow when a list counts "and N more" for every item). */
export function formatCount(n: number): string {
  const digits = String(Math.round(Math.abs(n)));
  return `${n < 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** The noun that agrees with `n` as it is shown (rounded): "member" for 1, "members" otherwise. */
export function nounFor(n: number, one: string, many = `${one}s`): string {
  return english.select(Math.round(n)) === 'one' ? one : many;
}

/** A count and its noun: plural(1, 'member') is "1 member", plural(2, 'person', 'people') "2 people". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${nounFor(n, one, many)}`;
}
