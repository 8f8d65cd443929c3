// The program IR the engine explores: small concurrent programs of straight-line threads with
// registers, branches, bounded loops and `assume`. Litmus files and Rust scenarios both compile to
// this; nothing here knows where a program came from except the optional `site`/`label`/`line`
// tags each instruction carries back to its source.

/** C11 access/fence modes. `na` is a non-atomic (plain) access. */
export type Mode = 'na' | 'rlx' | 'acq' | 'rel' | 'acq_rel' | 'sc';

export const MODES: readonly Mode[] = ['na', 'rlx', 'acq', 'rel', 'acq_rel', 'sc'];

export type BinOp = '+' | '-' | '*' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '&' | '|' | '^';

export type Expr =
  | { k: 'const'; v: number }
  | { k: 'reg'; r: string }
  | { k: 'bin'; op: BinOp; a: Expr; b: Expr }
  | { k: 'not'; a: Expr };

export type RmwOp = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'xchg' | 'max' | 'min';

/** Where an instruction came from, for traces and findings. */
export interface SourceTag {
  /** Index into the scenario's site list (Rust) — opaque to the engine. */
  site?: number;
  /** Human-readable text of the instruction (Rust source line or litmus statement). */
  label?: string;
  /** 1-based source line (litmus) when known. */
  line?: number;
}

export type Instr = SourceTag & (
  | { k: 'load'; reg?: string; loc: string; mo: Mode }
  | { k: 'store'; loc: string; val: Expr; mo: Mode }
  /** fetch_op / exchange: reg receives the old value. */
  | { k: 'rmw'; reg?: string; loc: string; op: RmwOp; val: Expr; mo: Mode }
  /**
   * compare_exchange: reads loc; if it equals `expected` writes `desired` with `succ`, otherwise it
   * is a read only with `fail`. `reg` gets the old value, `okReg` 1/0. `weak` may fail spuriously
   * (modelled as an extra read-only outcome even when the value matches).
   */
  | { k: 'cas'; reg?: string; okReg?: string; loc: string; expected: Expr; desired: Expr; succ: Mode; fail: Mode; weak?: boolean }
  /**
   * fetch_update-style read-modify-write: reads loc into `old` (the register named by `oldReg`),
   * and if `guard` (over registers incl. oldReg) holds, writes `next`; otherwise a read only with `fail`.
   */
  | { k: 'update'; oldReg: string; okReg?: string; loc: string; guard?: Expr; next: Expr; succ: Mode; fail: Mode }
  | { k: 'fence'; mo: Mode }
  | { k: 'let'; reg: string; val: Expr }
  | { k: 'if'; cond: Expr; then: Instr[]; else: Instr[] }
  /** Runs body while cond holds, at most `bound` times; if cond still holds after that the execution is discarded (like a spin loop that never exits). */
  | { k: 'while'; cond: Expr; body: Instr[]; bound: number }
  /** Discards executions in which cond is false. */
  | { k: 'assume'; cond: Expr }
);

export interface LocationDecl {
  name: string;
  init: number;
  /** Non-atomic locations model protected state (payload); every access to them is `na`. */
  atomic: boolean;
}

export interface Thread {
  name: string;
  body: Instr[];
}

/** A litmus-style condition over final register and memory values. */
export type Cond =
  | { k: 'true' }
  | { k: 'eqReg'; thread: number; reg: string; v: number }
  | { k: 'eqLoc'; loc: string; v: number }
  | { k: 'and'; a: Cond; b: Cond }
  | { k: 'or'; a: Cond; b: Cond }
  | { k: 'not'; a: Cond };

export type Quantifier = 'exists' | 'not exists' | 'forall';

export interface Program {
  name: string;
  locations: LocationDecl[];
  threads: Thread[];
  condition?: { quantifier: Quantifier; cond: Cond };
}

// ---- small constructors, so scenario builders and tests read like the programs they build ----

export const c = (v: number): Expr => ({ k: 'const', v });
export const r = (name: string): Expr => ({ k: 'reg', r: name });
export const bin = (op: BinOp, a: Expr, b: Expr): Expr => ({ k: 'bin', op, a, b });

export function isAcquire(m: Mode): boolean {
  return m === 'acq' || m === 'acq_rel' || m === 'sc';
}
export function isRelease(m: Mode): boolean {
  return m === 'rel' || m === 'acq_rel' || m === 'sc';
}
