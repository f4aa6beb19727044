/** One due host as the runner sees it before a claim. */
export interface HostRoom {
  readonly host: string;
  /** Posts it may still get now (its cap less what it has in flight). */
  readonly room: number;
  /** Answered before (see the runner's slow start); otherwise it draws on the unproven share too. */
  readonly proven: boolean;
}

/**
 * Spreads `free` slots over the due hosts one slot per host in turn (every
 * host one, then every host a second, … up to its room): slots go to as
 * many hosts as possible before any host gets more, so hosts late in the
 * order are not left waiting while the first ones take everything.
 *
 * Hosts not proven yet come first, then the others in the order given
 * (earliest due first): such a host gets one post until it answers, so its
 * first round trip is best started at once, beside the proven hosts' posts,
 * rather than after them (a fan-out to many new hosts would otherwise end
 * with a tail of hosts each still working through its slow start). They
 * draw on `unprovenFree` as well, which bounds what hosts that hang can
 * hold; those that get nothing because it is spent are `passedOver` (the
 * runner asks again without them).
 */
export function shareSlots(hosts: readonly HostRoom[], free: number, unprovenFree: number): { wanted: { host: string; limit: number }[]; passedOver: string[] } {
  const given = new Map<string, number>();
  const passedOver: string[] = [];
  let budget = free;
  let unproven = unprovenFree;
  const ordered = [...hosts.filter((h) => !h.proven), ...hosts.filter((h) => h.proven)];
  for (let round = 0; budget > 0; round++) {
    let any = false;
    for (const { host, room, proven } of ordered) {
      if (budget <= 0) break;
      const have = given.get(host) ?? 0;
      if (have >= room || have < round) continue;
      if (!proven && unproven <= 0) {
        if (round === 0) passedOver.push(host);
        continue;
      }
      given.set(host, have + 1);
      budget -= 1;
      if (!proven) unproven -= 1;
      any = true;
    }
    if (!any) break;
  }
  return { wanted: [...given].map(([host, limit]) => ({ host, limit })), passedOver };
}
