// A generator of realistic Rust for the review and LSP benchmarks: modules with structs, enums,
// impls, doc comments, loops, matches, error handling and tests, and among them the atomic code a
// review has to find — reference counts (clone/drop, last-drop-destroys, block-mq style takeover,
// weak upgrade loops), statistics counters and flags, some with correct orderings and some not.
// Names are drawn from word lists per module, so scenarios are similar in shape across the corpus
// (the scenario cache should hit) but not textually identical. Deterministic for a given seed.

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  /** mulberry32: small, fast, good enough for picking words. */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]; }
  chance(p: number): boolean { return this.next() < p; }
}

const NOUNS = ['queue', 'buffer', 'session', 'frame', 'packet', 'segment', 'ledger', 'cursor', 'bucket', 'channel', 'record', 'region', 'page', 'slab', 'token', 'stream', 'batch', 'window', 'route', 'shard', 'entry', 'block', 'socket', 'task', 'waiter', 'lease', 'cache', 'inode', 'extent', 'vector'];
const ADJS = ['shared', 'pending', 'cached', 'pinned', 'mapped', 'remote', 'local', 'staged', 'frozen', 'active', 'dirty', 'spare', 'bound', 'sealed'];
const COUNT_FIELDS = ['refs', 'strong', 'users', 'holders', 'pins', 'count', 'rc', 'live'];
const STAT_FIELDS = ['submitted', 'completed', 'retries', 'bytes_in', 'bytes_out', 'drops', 'hits', 'misses', 'errors', 'stalls'];
const FLAG_FIELDS = ['stop', 'ready', 'closing', 'poisoned', 'dirty_flag', 'armed'];
const RELAXED_OR = ['Relaxed', 'Relaxed', 'Release', 'AcqRel'];
const ACQ_OR = ['Acquire', 'Acquire', 'Relaxed', 'AcqRel', 'SeqCst'];
// Loads cannot be AcqRel (Rust panics), so uniqueness tests draw from these.
const LOAD_OR = ['Acquire', 'Acquire', 'Relaxed', 'SeqCst'];

const cap = (s: string): string => s.split('_').map(w => w[0].toUpperCase() + w.slice(1)).join('');

interface Names { used: Set<string> }

function uniqueType(rng: Rng, n: Names, suffix = ''): string {
  for (let i = 0; ; i++) {
    const t = cap(rng.pick(ADJS)) + cap(rng.pick(NOUNS)) + suffix + (i > 3 ? String(i) : '');
    if (!n.used.has(t)) { n.used.add(t); return t; }
  }
}

// ---- ordinary code: what most of a real file is ------------------------------------------------

function plainStruct(rng: Rng, n: Names): string[] {
  const ty = uniqueType(rng, n);
  const noun = rng.pick(NOUNS);
  const fields = [`id: u64`, `name: String`, `${noun}_len: usize`, `items: Vec<u32>`, `limit: Option<usize>`].slice(0, rng.int(3, 5));
  const out = [
    `/// A ${rng.pick(ADJS)} ${noun} as the ${rng.pick(NOUNS)} layer sees it.`,
    `#[derive(Debug, Clone, Default)]`,
    `pub struct ${ty} {`,
    ...fields.map(f => `    pub ${f},`),
    `}`,
    ``,
    `impl ${ty} {`,
    `    pub fn new(id: u64, name: &str) -> Self {`,
    `        Self { id, name: name.to_owned(), ..Default::default() }`,
    `    }`,
    ``,
    `    /// Sum of the items, saturating rather than wrapping: callers compare it against a budget.`,
    `    pub fn total(&self) -> u64 {`,
    `        let mut acc: u64 = 0;`,
    `        for item in &self.items {`,
    `            acc = acc.saturating_add(u64::from(*item));`,
    `        }`,
    `        acc`,
    `    }`,
    ``,
    `    pub fn push_checked(&mut self, value: u32) -> Result<(), ${ty}Error> {`,
    `        if let Some(limit) = self.limit {`,
    `            if self.items.len() >= limit {`,
    `                return Err(${ty}Error::Full { limit });`,
    `            }`,
    `        }`,
    `        if value == 0 {`,
    `            return Err(${ty}Error::Zero);`,
    `        }`,
    `        self.items.push(value);`,
    `        Ok(())`,
    `    }`,
    ``,
    `    pub fn describe(&self) -> String {`,
    `        let parts: Vec<String> = self.items.iter().take(${rng.int(3, 9)}).map(|v| format!("{v:#x}")).collect();`,
    `        format!("{}#{} [{}]", self.name, self.id, parts.join(", "))`,
    `    }`,
    `}`,
    ``,
    `#[derive(Debug, PartialEq, Eq)]`,
    `pub enum ${ty}Error {`,
    `    Full { limit: usize },`,
    `    Zero,`,
    `}`,
    ``,
    `impl core::fmt::Display for ${ty}Error {`,
    `    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {`,
    `        match self {`,
    `            Self::Full { limit } => write!(f, "${noun} is full ({limit} items)"),`,
    `            Self::Zero => f.write_str("zero is reserved"),`,
    `        }`,
    `    }`,
    `}`,
    ``,
  ];
  return out;
}

function plainFunctions(rng: Rng, noun: string): string[] {
  const k = rng.int(2, 7);
  return [
    `// The ${noun} table is small and read-mostly; a linear scan beats hashing at this size.`,
    `pub fn find_${noun}(table: &[(u32, &str)], key: u32) -> Option<&str> {`,
    `    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)`,
    `}`,
    ``,
    `pub fn classify_${noun}(len: usize) -> &'static str {`,
    `    match len {`,
    `        0 => "empty",`,
    `        1..=${k} => "small",`,
    `        ${k + 1}..=${k * 16} => "medium",`,
    `        _ => "large",`,
    `    }`,
    `}`,
    ``,
    `/// Splits \`input\` into chunks of at most \`max\` bytes without cutting a UTF-8 sequence.`,
    `pub fn split_${noun}(input: &str, max: usize) -> Vec<&str> {`,
    `    let mut out = Vec::new();`,
    `    let mut start = 0;`,
    `    while start < input.len() {`,
    `        let mut end = (start + max).min(input.len());`,
    `        while !input.is_char_boundary(end) {`,
    `            end -= 1;`,
    `        }`,
    `        if end == start {`,
    `            break;`,
    `        }`,
    `        out.push(&input[start..end]);`,
    `        start = end;`,
    `    }`,
    `    out`,
    `}`,
    ``,
    `fn checksum_${noun}(bytes: &[u8]) -> u32 {`,
    `    let mut a: u32 = 1;`,
    `    let mut b: u32 = 0;`,
    `    for &byte in bytes {`,
    `        a = (a + u32::from(byte)) % 65_521;`,
    `        b = (b + a) % 65_521;`,
    `    }`,
    `    (b << 16) | a`,
    `}`,
    ``,
  ];
}

// ---- atomic code: what the review looks for --------------------------------------------------

/** Arc-like handle: clone Relaxed; drop decrements and destroys on the last reference. */
function arcLike(rng: Rng, n: Names): string[] {
  const inner = uniqueType(rng, n, 'Inner');
  const handle = uniqueType(rng, n, 'Ref');
  const f = rng.pick(COUNT_FIELDS);
  const dec = rng.pick(RELAXED_OR);
  const withFence = rng.chance(0.75);
  const uniqueLoad = rng.pick(LOAD_OR);
  return [
    `struct ${inner}<T> {`,
    `    ${f}: AtomicUsize,`,
    `    value: T,`,
    `}`,
    ``,
    `/// Counted handle to a heap ${rng.pick(NOUNS)}; the last one frees it.`,
    `pub struct ${handle}<T> {`,
    `    ptr: NonNull<${inner}<T>>,`,
    `}`,
    ``,
    `impl<T> ${handle}<T> {`,
    `    fn inner(&self) -> &${inner}<T> {`,
    `        unsafe { self.ptr.as_ref() }`,
    `    }`,
    ``,
    `    pub fn get_mut(this: &mut Self) -> Option<&mut T> {`,
    `        if this.inner().${f}.load(Ordering::${uniqueLoad}) == 1 {`,
    `            Some(unsafe { &mut (*this.ptr.as_ptr()).value })`,
    `        } else {`,
    `            None`,
    `        }`,
    `    }`,
    `}`,
    ``,
    `impl<T> Clone for ${handle}<T> {`,
    `    fn clone(&self) -> Self {`,
    `        self.inner().${f}.fetch_add(1, Ordering::Relaxed);`,
    `        ${handle} { ptr: self.ptr }`,
    `    }`,
    `}`,
    ``,
    `impl<T> Drop for ${handle}<T> {`,
    `    fn drop(&mut self) {`,
    `        if self.inner().${f}.fetch_sub(1, Ordering::${dec}) != 1 {`,
    `            return;`,
    `        }`,
    ...(withFence ? [`        fence(Ordering::Acquire);`] : [`        // No fence: the author assumed the decrement was enough.`]),
    `        unsafe { drop(Box::from_raw(self.ptr.as_ptr())) };`,
    `    }`,
    `}`,
    ``,
  ];
}

/** Block-mq style request: count set to 2 on start, inc/dec by handles, takeover CAS 2 -> 0. */
function takeover(rng: Rng, n: Names): string[] {
  const ty = uniqueType(rng, n, 'Request');
  const f = rng.pick(COUNT_FIELDS);
  const succ = rng.pick(ACQ_OR);
  const dec = rng.pick(['Release', 'Release', 'Relaxed']);
  return [
    `/// 0: owned by the core, 1: owned by the driver, 2: one handle, more: several handles.`,
    `pub struct ${ty} {`,
    `    ${f}: AtomicUsize,`,
    `    payload: core::cell::UnsafeCell<[u8; 64]>,`,
    `}`,
    ``,
    `impl ${ty} {`,
    `    pub fn start(&self) {`,
    `        self.${f}.store(2, Ordering::Relaxed);`,
    `    }`,
    ``,
    `    pub fn get(&self) {`,
    `        self.${f}.fetch_add(1, Ordering::Relaxed);`,
    `    }`,
    ``,
    `    pub fn put(&self) {`,
    `        self.${f}.fetch_sub(1, Ordering::${dec});`,
    `    }`,
    ``,
    `    /// Hands the ${rng.pick(NOUNS)} back when no other handle exists.`,
    `    pub fn try_end(&self) -> bool {`,
    `        if self`,
    `            .${f}`,
    `            .compare_exchange(2, 0, Ordering::${succ}, Ordering::Relaxed)`,
    `            .is_err()`,
    `        {`,
    `            return false;`,
    `        }`,
    `        unsafe { (*self.payload.get()).fill(0) };`,
    `        true`,
    `    }`,
    `}`,
    ``,
  ];
}

function statsAndFlags(rng: Rng, n: Names): string[] {
  const ty = uniqueType(rng, n, 'Stats');
  const stats = [...new Set([rng.pick(STAT_FIELDS), rng.pick(STAT_FIELDS), rng.pick(STAT_FIELDS)])];
  const flag = rng.pick(FLAG_FIELDS);
  return [
    `#[derive(Default)]`,
    `pub struct ${ty} {`,
    ...stats.map(s => `    ${s}: AtomicU64,`),
    `    ${flag}: AtomicBool,`,
    `}`,
    ``,
    `impl ${ty} {`,
    `    pub fn record(&self, n: u64) {`,
    ...stats.map((s, i) => `        self.${s}.fetch_add(${i === 0 ? '1' : 'n'}, Ordering::Relaxed);`),
    `    }`,
    ``,
    `    pub fn snapshot(&self) -> Vec<u64> {`,
    `        vec![${stats.map(s => `self.${s}.load(Ordering::Relaxed)`).join(', ')}]`,
    `    }`,
    ``,
    `    pub fn set_${flag}(&self) {`,
    `        self.${flag}.store(true, Ordering::${rng.pick(['Relaxed', 'Release'])});`,
    `    }`,
    ``,
    `    pub fn is_${flag}(&self) -> bool {`,
    `        self.${flag}.load(Ordering::${rng.pick(['Relaxed', 'Acquire'])})`,
    `    }`,
    `}`,
    ``,
  ];
}

/** Weak-to-strong upgrade: a CAS loop that refuses zero. */
function upgradeLoop(rng: Rng, n: Names): string[] {
  const ty = uniqueType(rng, n, 'Slot');
  const f = rng.pick(COUNT_FIELDS);
  const succ = rng.pick(ACQ_OR);
  return [
    `pub struct ${ty} {`,
    `    ${f}: AtomicUsize,`,
    `}`,
    ``,
    `impl ${ty} {`,
    `    /// Takes a new reference unless the object is already dying.`,
    `    pub fn try_get(&self) -> bool {`,
    `        let mut cur = self.${f}.load(Ordering::Relaxed);`,
    `        loop {`,
    `            if cur == 0 {`,
    `                return false;`,
    `            }`,
    `            match self.${f}.compare_exchange_weak(cur, cur + 1, Ordering::${succ}, Ordering::Relaxed) {`,
    `                Ok(_) => return true,`,
    `                Err(seen) => cur = seen,`,
    `            }`,
    `        }`,
    `    }`,
    ``,
    `    pub fn put(&self) -> bool {`,
    `        if self.${f}.fetch_sub(1, Ordering::Release) == 1 {`,
    `            fence(Ordering::Acquire);`,
    `            return true;`,
    `        }`,
    `        false`,
    `    }`,
    `}`,
    ``,
  ];
}

/** Tests for the helper functions generated for `noun`. */
function testsModule(noun: string): string[] {
  return [
    `#[cfg(test)]`,
    `mod tests {`,
    `    use super::*;`,
    ``,
    `    #[test]`,
    `    fn split_keeps_chars_${noun}() {`,
    `        let parts = split_${noun}("héllo wörld", 3);`,
    `        assert_eq!(parts.concat(), "héllo wörld");`,
    `    }`,
    ``,
    `    #[test]`,
    `    fn classify_edges_${noun}() {`,
    `        assert_eq!(classify_${noun}(0), "empty");`,
    `        assert_eq!(classify_${noun}(usize::MAX), "large");`,
    `    }`,
    `}`,
  ];
}

const HEADER_USES = [
  `use core::ptr::NonNull;`,
  `use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};`,
  ``,
];

export interface ModuleOptions {
  /** Approximate number of lines. */
  lines: number;
  /** Probability that an atomic block is emitted between ordinary items (0..1). */
  atomicDensity?: number;
}

/** One Rust module of about `lines` lines. */
export function generateModule(seed: number, o: ModuleOptions): string {
  const rng = new Rng(seed);
  const names: Names = { used: new Set() };
  const density = o.atomicDensity ?? 0.35;
  const out: string[] = [
    `//! ${cap(rng.pick(ADJS))} ${rng.pick(NOUNS)} handling for the ${rng.pick(NOUNS)} subsystem (module ${seed}).`,
    `//!`,
    `//! Generated by the Refcount Review benchmark: ordinary code with some atomic reference counts.`,
    ``,
    ...HEADER_USES,
  ];
  // Helper function names derive from a noun; a second set with the same noun would not compile.
  const fnNouns: string[] = [];
  const atomics = [arcLike, takeover, statsAndFlags, upgradeLoop];
  while (out.length < o.lines - 16) {
    const freeNouns = NOUNS.filter(x => !fnNouns.includes(x));
    if (rng.chance(density)) out.push(...rng.pick(atomics)(rng, names));
    else if (freeNouns.length && (!fnNouns.length || rng.chance(0.3))) {
      const noun = rng.pick(freeNouns);
      fnNouns.push(noun);
      out.push(...plainFunctions(rng, noun));
    } else out.push(...plainStruct(rng, names));
  }
  if (fnNouns.length) out.push(...testsModule(fnNouns[0]));
  return out.join('\n') + '\n';
}

export interface CorpusFile { path: string; text: string; lines: number }

/** A corpus of `files` modules totalling about `totalLines` lines. */
export function generateCorpus(totalLines: number, files: number, seed = 1): CorpusFile[] {
  const per = Math.max(40, Math.round(totalLines / files));
  return Array.from({ length: files }, (_, i) => {
    const text = generateModule(seed * 100_003 + i, { lines: per });
    return { path: `src/gen/mod_${String(i).padStart(3, '0')}.rs`, text, lines: countLines(text) };
  });
}

export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A block-mq style driver file of about `lines` lines: a Request abstraction whose count lives in
 * a `Refcount`, handed back to the block layer by a takeover CAS (2 -> 0), plus handle drops and
 * ordinary driver code around it. The CAS's success ordering is on the line containing
 * `TAKEOVER_MARKER`, so the LSP benchmark can toggle it.
 */
export const TAKEOVER_MARKER = '.compare_exchange(2, 0, Ordering::';

export function blockMqFile(lines: number, casOrdering: 'Relaxed' | 'Acquire' = 'Relaxed', seed = 7): string {
  const rng = new Rng(seed);
  const names: Names = { used: new Set() };
  const head = [
    `//! Request handling for a block-mq driver: requests are owned by the block layer, the driver,`,
    `//! or by \`ARef\` handles, tracked by a count in the per-request private data.`,
    ``,
    `use core::sync::atomic::Ordering;`,
    `use kernel::sync::Refcount;`,
    `use kernel::types::{ARef, AlwaysRefCounted, Opaque};`,
    ``,
    `pub struct RequestPdu {`,
    `    /// 0: block layer, 1: driver without handles, 2: one ARef, more: several.`,
    `    refcount: Refcount,`,
    `    sector: u64,`,
    `    status: i32,`,
    `}`,
    ``,
    `impl RequestPdu {`,
    `    pub(crate) fn refcount(&self) -> &Refcount {`,
    `        &self.refcount`,
    `    }`,
    `}`,
    ``,
    `pub struct Request<T> {`,
    `    inner: Opaque<bindings::request>,`,
    `    _p: core::marker::PhantomData<T>,`,
    `}`,
    ``,
    `impl<T: Operations> Request<T> {`,
    `    pub(crate) unsafe fn start(this: &ARef<Self>) {`,
    `        // The block layer gives the driver the request: its implicit count plus this handle.`,
    `        this.pdu().refcount().set(2);`,
    `        unsafe { bindings::blk_mq_start_request(this.0.get()) };`,
    `    }`,
    ``,
    `    fn try_end(this: ARef<Self>) -> Result<*mut bindings::request, ARef<Self>> {`,
    `        // Only the last handle may end the request; tag lookups can race with us.`,
    `        if this`,
    `            .pdu()`,
    `            .refcount()`,
    `            .as_atomic()`,
    `            ${TAKEOVER_MARKER}${casOrdering}, Ordering::Relaxed)`,
    `            .is_err()`,
    `        {`,
    `            return Err(this);`,
    `        }`,
    `        let rq = this.0.get();`,
    `        core::mem::forget(this);`,
    `        Ok(rq)`,
    `    }`,
    ``,
    `    pub fn end_ok(this: ARef<Self>) -> Result<(), ARef<Self>> {`,
    `        let rq = Self::try_end(this)?;`,
    `        unsafe { bindings::blk_mq_end_request(rq, bindings::BLK_STS_OK as _) };`,
    `        Ok(())`,
    `    }`,
    ``,
    `    pub fn complete_with(this: &ARef<Self>, status: i32) {`,
    `        let pdu = this.pdu_mut();`,
    `        pdu.status = status;`,
    `        pdu.sector = pdu.sector.wrapping_add(1);`,
    `    }`,
    ``,
    `    fn pdu(&self) -> &RequestPdu {`,
    `        unsafe { &*(bindings::blk_mq_rq_to_pdu(self.0.get()) as *const RequestPdu) }`,
    `    }`,
    ``,
    `    #[allow(clippy::mut_from_ref)]`,
    `    fn pdu_mut(&self) -> &mut RequestPdu {`,
    `        unsafe { &mut *(bindings::blk_mq_rq_to_pdu(self.0.get()) as *mut RequestPdu) }`,
    `    }`,
    `}`,
    ``,
    `unsafe impl<T: Operations> AlwaysRefCounted for Request<T> {`,
    `    fn inc_ref(&self) {`,
    `        self.pdu().refcount().inc();`,
    `    }`,
    ``,
    `    unsafe fn dec_ref(obj: core::ptr::NonNull<Self>) {`,
    `        let req = unsafe { obj.as_ref() };`,
    `        if req.pdu().refcount().dec_and_test() {`,
    `            // The driver's implicit count keeps the request alive; zero here is a bug.`,
    `            panic!("request refcount reached zero in the Rust abstraction");`,
    `        }`,
    `    }`,
    `}`,
    ``,
  ];
  const out = head;
  const fnNouns: string[] = [];
  while (out.length < lines - 20) {
    if (fnNouns.length < 3 && rng.chance(0.4)) {
      const noun = rng.pick(NOUNS.filter(x => !fnNouns.includes(x)));
      fnNouns.push(noun);
      out.push(...plainFunctions(rng, noun));
    } else out.push(...plainStruct(rng, names));
  }
  if (fnNouns.length) out.push(...testsModule(fnNouns[0]));
  return out.join('\n') + '\n';
}

/**
 * Rust dense in atomic sites, for the scaling rows: `types` structs, each with a reference count
 * (clone-style increment, release decrement tested for the last reference, acquire fence) and a
 * statistics counter — five sites in about twenty lines. Type names are numbered from `first`,
 * so files generated with disjoint ranges share no counter.
 */
export function denseAtomicFile(types: number, first = 0): string {
  const out = ['use std::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};', ''];
  for (let i = first; i < first + types; i++) {
    out.push(
      `pub struct Node${i} { refs: AtomicUsize, hits: AtomicU64 }`,
      ``,
      `impl Node${i} {`,
      `    pub fn get(&self) { self.refs.fetch_add(1, Ordering::Relaxed); }`,
      `    pub fn put(&self) -> bool {`,
      `        if self.refs.fetch_sub(1, Ordering::Release) == 1 {`,
      `            fence(Ordering::Acquire);`,
      `            return true;`,
      `        }`,
      `        false`,
      `    }`,
      `    pub fn hit(&self) { self.hits.fetch_add(1, Ordering::Relaxed); }`,
      `    pub fn seen(&self) -> u64 { self.hits.load(Ordering::Relaxed) }`,
      `}`,
      ``,
    );
  }
  return out.join('\n');
}

/** Sites per type in denseAtomicFile. */
export const DENSE_SITES_PER_TYPE = 5;
