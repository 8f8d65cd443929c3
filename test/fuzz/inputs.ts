// The seeds the fuzzer mutates, and the inputs it derives from them. An input is a pure function of
// (seed, kind, index) and the files on disk, so a run is reproducible on the same checkout.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { inputSeed, LITMUS_MUTATIONS, mutate, randomEdit, Rng, RUST_MUTATIONS } from './mutate';

export const ROOT = path.resolve(__dirname, '../../..');
/** Debian's librust-*-dev packages install crate sources here; the fuzzer uses them when present. */
export const CRATE_REGISTRY = '/usr/share/cargo/registry';

export type Kind = 'rust' | 'litmus' | 'lsp';
export const KINDS: readonly Kind[] = ['rust', 'litmus', 'lsp'];

export interface RustInput {
  kind: 'rust';
  seed: number; index: number;
  /** The file the text was derived from, and the mutations applied. */
  source: string; mutations: string[];
  text: string;
  /** An edit applied afterwards, to compare the incremental re-parse with a fresh parse. */
  edit: { start: number; end: number; newText: string };
}
export interface LitmusInput {
  kind: 'litmus';
  seed: number; index: number;
  source: string; mutations: string[];
  text: string;
}
export type TextInput = RustInput | LitmusInput;

function walk(dir: string, ext: string, out: string[], depth = 0): string[] {
  if (depth > 12 || !existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    let st;
    try { st = statSync(p); } catch { continue; }
    if (st.isDirectory()) walk(p, ext, out, depth + 1);
    else if (st.isFile() && name.endsWith(ext)) out.push(p);
  }
  return out;
}

let rustSeeds: { fixtures: string[]; crates: string[] } | undefined;
let litmusSeeds: string[] | undefined;

/** Rust seeds: the fixtures and examples, and every crate source file of the registry (if any). */
export function rustSeedFiles(): { fixtures: string[]; crates: string[] } {
  if (!rustSeeds) {
    const fixtures = [...walk(path.join(ROOT, 'test/fixtures/rust'), '.rs', []), ...walk(path.join(ROOT, 'examples'), '.rs', [])];
    const crates: string[] = [];
    if (existsSync(CRATE_REGISTRY)) {
      for (const crate of readdirSync(CRATE_REGISTRY).sort()) walk(path.join(CRATE_REGISTRY, crate, 'src'), '.rs', crates);
    }
    rustSeeds = { fixtures, crates };
  }
  return rustSeeds;
}

export function litmusSeedFiles(): string[] {
  litmusSeeds ??= [...walk(path.join(ROOT, 'test/fixtures/litmus'), '.litmus', []), ...walk(path.join(ROOT, 'test/fixtures/litmus-lkmm'), '.litmus', [])];
  return litmusSeeds;
}

const textCache = new Map<string, string>();
function readText(file: string): string {
  let t = textCache.get(file);
  if (t === undefined) {
    try { t = readFileSync(file, 'utf8'); } catch { t = ''; }
    if (textCache.size > 256) textCache.clear();
    textCache.set(file, t);
  }
  return t;
}

/** Crate files run to thousands of lines; a window of them keeps one input in the tens of milliseconds. */
const WINDOW_LINES = 400;

function rustSeedText(r: Rng): { source: string; text: string } {
  const { fixtures, crates } = rustSeedFiles();
  const fromCrate = crates.length > 0 && r.chance(0.5);
  const file = fromCrate ? r.pick(crates) : r.pick(fixtures);
  let text = readText(file);
  const lines = text.split('\n');
  if (lines.length > WINDOW_LINES) {
    const from = r.int(0, lines.length - WINDOW_LINES);
    text = lines.slice(from, from + WINDOW_LINES).join('\n');
  }
  return { source: path.relative(ROOT, file).startsWith('..') ? file : path.relative(ROOT, file), text };
}

export function rustInput(seed: number, index: number): RustInput {
  const r = new Rng(inputSeed(seed, 'rust', index));
  const { source, text } = rustSeedText(r);
  const m = mutate(r, text, RUST_MUTATIONS);
  return { kind: 'rust', seed, index, source, mutations: m.applied, text: m.text, edit: randomEdit(r, m.text) };
}

export function litmusInput(seed: number, index: number): LitmusInput {
  const r = new Rng(inputSeed(seed, 'litmus', index));
  const file = r.pick(litmusSeedFiles());
  let text = readText(file);
  // Splicing a second test in mixes dialects, threads and conditions.
  if (r.chance(0.05)) text += '\n' + readText(r.pick(litmusSeedFiles()));
  const m = mutate(r, text, LITMUS_MUTATIONS);
  return { kind: 'litmus', seed, index, source: path.relative(ROOT, file), mutations: m.applied, text: m.text };
}

/** A mutated Rust text for the LSP fuzzer's documents (same generator, its own index space). */
export function rustDocumentText(r: Rng): string {
  const { text } = rustSeedText(r);
  return mutate(r, text, RUST_MUTATIONS).text;
}

export function litmusDocumentText(r: Rng): string {
  return mutate(r, readText(r.pick(litmusSeedFiles())), LITMUS_MUTATIONS).text;
}
