// Binary relations over a small, fixed set of events (numbered 0..n-1), for the axiomatic oracle.
// A relation is a boolean matrix stored as one bitmask per row: row i has bit j set iff (i, j) is in
// the relation. The operators are the ones the RC11 definitions are written in (`;`, `|`, `&`, `\`,
// `^-1`, `?`, `+`, `*`, `[A]`), so the model in axiomatic.ts can read like the paper.
//
// Bitmasks keep the oracle fast enough to check tens of thousands of candidate executions per
// test run without becoming clever: every operator is still the textbook definition.

/** Largest number of events a relation can range over (bits of a 32-bit int, minus the sign bit). */
export const MAX_EVENTS = 31;

export class Rel {
  private constructor(readonly n: number, readonly rows: readonly number[]) {}

  static empty(n: number): Rel {
    if (n > MAX_EVENTS) throw new Error(`relation over ${n} events: the oracle handles at most ${MAX_EVENTS}`);
    return new Rel(n, new Array<number>(n).fill(0));
  }

  /** The relation containing exactly the given pairs. */
  static of(n: number, pairs: Iterable<readonly [number, number]>): Rel {
    const rows = Rel.empty(n).rows.slice();
    for (const [a, b] of pairs) rows[a] |= 1 << b;
    return new Rel(n, rows);
  }

  /** `[A]`: the identity restricted to the events satisfying `pred`. */
  static id(n: number, pred: (i: number) => boolean = () => true): Rel {
    const rows = Rel.empty(n).rows.slice();
    for (let i = 0; i < n; i++) if (pred(i)) rows[i] = 1 << i;
    return new Rel(n, rows);
  }

  /** All pairs (i, j) with `pred(i, j)`. */
  static where(n: number, pred: (i: number, j: number) => boolean): Rel {
    const rows = Rel.empty(n).rows.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (pred(i, j)) rows[i] |= 1 << j;
    return new Rel(n, rows);
  }

  has(i: number, j: number): boolean {
    return (this.rows[i] & (1 << j)) !== 0;
  }

  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) for (let j = 0; j < this.n; j++) if (this.has(i, j)) out.push([i, j]);
    return out;
  }

  /** `a | b` */
  union(...others: Rel[]): Rel {
    const rows = this.rows.slice();
    for (const o of others) for (let i = 0; i < this.n; i++) rows[i] |= o.rows[i];
    return new Rel(this.n, rows);
  }

  /** `a & b` */
  inter(o: Rel): Rel {
    return new Rel(this.n, this.rows.map((row, i) => row & o.rows[i]));
  }

  /** `a \ b` */
  minus(o: Rel): Rel {
    return new Rel(this.n, this.rows.map((row, i) => row & ~o.rows[i]));
  }

  /** `a ; b` (relational composition: i a k and k b j). */
  seq(...others: Rel[]): Rel {
    let acc: Rel = this;
    for (const o of others) {
      const rows = new Array<number>(this.n).fill(0);
      for (let i = 0; i < this.n; i++) {
        const row = acc.rows[i];
        for (let k = 0; k < this.n; k++) if (row & (1 << k)) rows[i] |= o.rows[k];
      }
      acc = new Rel(this.n, rows);
    }
    return acc;
  }

  /** `a^-1` */
  inv(): Rel {
    const rows = new Array<number>(this.n).fill(0);
    for (let i = 0; i < this.n; i++) for (let j = 0; j < this.n; j++) if (this.has(i, j)) rows[j] |= 1 << i;
    return new Rel(this.n, rows);
  }

  /** `a?` (reflexive closure) */
  opt(): Rel {
    return this.union(Rel.id(this.n));
  }

  /** `a+` (transitive closure, Warshall) */
  plus(): Rel {
    const rows = this.rows.slice();
    for (let k = 0; k < this.n; k++) {
      const bit = 1 << k;
      for (let i = 0; i < this.n; i++) if (rows[i] & bit) rows[i] |= rows[k];
    }
    return new Rel(this.n, rows);
  }

  /** `a*` */
  star(): Rel {
    return this.plus().opt();
  }

  isEmpty(): boolean {
    return this.rows.every(row => row === 0);
  }

  irreflexive(): boolean {
    return this.rows.every((row, i) => (row & (1 << i)) === 0);
  }

  acyclic(): boolean {
    return this.plus().irreflexive();
  }
}
