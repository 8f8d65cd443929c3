// Binary relations over the events of one candidate execution, as bit matrices. The LKMM checker
// writes its axioms as compositions of these, close to how the cat files read.
//
// One operation on a large candidate can take long (a closure is cubic in the events), so a
// relation may carry a `tick`: every operation reports its work to it row by row, and the tick
// may throw to abandon the check (the explorer's time budget and cancellation). Relations made
// from a relation carry its tick on.

/** Told about work done, in units of about one machine-word operation; may throw to stop. */
export type Tick = (units: number) => void;

export class Rel {
  readonly words: number;
  readonly rows: Uint32Array[];
  constructor(readonly n: number, readonly tick: Tick | null = null) {
    this.words = (n + 31) >>> 5;
    // Told before allocating: a relation over a huge candidate is not built past the budget.
    tick?.(n * this.words);
    this.rows = Array.from({ length: n }, () => new Uint32Array(this.words));
  }
  static identity(n: number, set?: (i: number) => boolean, tick: Tick | null = null): Rel {
    const r = new Rel(n, tick);
    for (let i = 0; i < n; i++) if (!set || set(i)) r.add(i, i);
    return r;
  }
  static from(n: number, pred: (a: number, b: number) => boolean, tick: Tick | null = null): Rel {
    const r = new Rel(n, tick);
    for (let a = 0; a < n; a++) {
      tick?.(n);
      for (let b = 0; b < n; b++) if (pred(a, b)) r.add(a, b);
    }
    return r;
  }
  add(a: number, b: number): void { this.rows[a][b >>> 5] |= 1 << (b & 31); }
  has(a: number, b: number): boolean { return (this.rows[a][b >>> 5] & (1 << (b & 31))) !== 0; }
  clone(): Rel {
    const r = new Rel(this.n, this.tick);
    for (let i = 0; i < this.n; i++) r.rows[i].set(this.rows[i]);
    return r;
  }
  isEmpty(): boolean {
    for (const row of this.rows) {
      this.tick?.(this.words);
      for (const w of row) if (w) return false;
    }
    return true;
  }
  union(...others: Rel[]): Rel {
    const r = this.clone();
    for (const o of others) for (let i = 0; i < this.n; i++) {
      this.tick?.(this.words);
      const a = r.rows[i], b = o.rows[i];
      for (let k = 0; k < this.words; k++) a[k] |= b[k];
    }
    return r;
  }
  inter(o: Rel): Rel {
    const r = this.clone();
    for (let i = 0; i < this.n; i++) {
      this.tick?.(this.words);
      const a = r.rows[i], b = o.rows[i];
      for (let k = 0; k < this.words; k++) a[k] &= b[k];
    }
    return r;
  }
  minus(o: Rel): Rel {
    const r = this.clone();
    for (let i = 0; i < this.n; i++) {
      this.tick?.(this.words);
      const a = r.rows[i], b = o.rows[i];
      for (let k = 0; k < this.words; k++) a[k] &= ~b[k];
    }
    return r;
  }
  /** this ; o */
  seq(o: Rel): Rel {
    const r = new Rel(this.n, this.tick);
    for (let i = 0; i < this.n; i++) {
      const out = r.rows[i], row = this.rows[i];
      let work = this.words;
      for (let k = 0; k < this.words; k++) {
        let w = row[k];
        while (w) {
          const bit = w & -w;
          const j = (k << 5) + (31 - Math.clz32(bit));
          w ^= bit;
          const oj = o.rows[j];
          for (let q = 0; q < this.words; q++) out[q] |= oj[q];
          work += this.words;
        }
      }
      this.tick?.(work);
    }
    return r;
  }
  inverse(): Rel {
    const r = new Rel(this.n, this.tick);
    for (let a = 0; a < this.n; a++) {
      this.tick?.(this.n);
      for (let b = 0; b < this.n; b++) if (this.has(a, b)) r.add(b, a);
    }
    return r;
  }
  /** [dom] ; this ; [ran] */
  restrict(dom: ((i: number) => boolean) | null, ran: ((i: number) => boolean) | null): Rel {
    const r = new Rel(this.n, this.tick);
    for (let a = 0; a < this.n; a++) {
      if (dom && !dom(a)) continue;
      this.tick?.(this.n);
      for (let b = 0; b < this.n; b++) if (this.has(a, b) && (!ran || ran(b))) r.add(a, b);
    }
    return r;
  }
  /** this+ */
  plus(): Rel {
    const r = this.clone();
    for (let k = 0; k < this.n; k++) {
      const rk = r.rows[k];
      let work = this.n;
      for (let i = 0; i < this.n; i++) {
        if (!r.has(i, k)) continue;
        const ri = r.rows[i];
        for (let q = 0; q < this.words; q++) ri[q] |= rk[q];
        work += this.words;
      }
      this.tick?.(work);
    }
    return r;
  }
  /** this* */
  star(): Rel { return this.plus().union(Rel.identity(this.n, undefined, this.tick)); }
  /** this? */
  opt(): Rel { return this.union(Rel.identity(this.n, undefined, this.tick)); }
  irreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }
  acyclic(): boolean { return this.plus().irreflexive(); }
  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let a = 0; a < this.n; a++) {
      this.tick?.(this.n);
      for (let b = 0; b < this.n; b++) if (this.has(a, b)) out.push([a, b]);
    }
    return out;
  }
}
