// Who holds which ticket. Redis grants are recorded against the user who sent the command,
// and the users' tier records who was told "success"; invariants compare the two at the end.

export class Ledger {
  readonly held: Uint8Array; // tickets granted by Redis to each user (saturates at 255)
  readonly told: Uint8Array; // success answers each user accepted
  granted = 0;

  constructor(users: number) {
    this.held = new Uint8Array(users);
    this.told = new Uint8Array(users);
  }

  grant(user: number): void {
    if (this.held[user] < 255) this.held[user]++;
    this.granted++;
  }

  tell(user: number): void {
    if (this.told[user] < 255) this.told[user]++;
  }

  /** Checks the ledger invariant; returns counts of each kind of breach. */
  audit(): { doubleHolders: number; toldWithoutTicket: number; orphaned: number; toldTwice: number } {
    let doubleHolders = 0;
    let toldWithoutTicket = 0;
    let orphaned = 0;
    let toldTwice = 0;
    const n = this.held.length;
    for (let u = 0; u < n; u++) {
      const h = this.held[u];
      const t = this.told[u];
      if (h > 1) doubleHolders++;
      if (t > 0 && h === 0) toldWithoutTicket++;
      if (t > 1) toldTwice++;
      if (h > 0 && t === 0) orphaned += h;
    }
    return { doubleHolders, toldWithoutTicket, orphaned, toldTwice };
  }
}
