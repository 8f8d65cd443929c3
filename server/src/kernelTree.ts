// Whether a file lies in a Linux kernel source tree: some ancestor directory holds `rust/kernel/`
// (the kernel crate), or the path itself runs through it. Under `--model auto` such files are
// kernel code even when they use only core atomics (the v6.11 block-mq `Request` does): the
// kernel's memory model is the one its Rust code is written against.

import { statSync } from 'node:fs';
import path from 'node:path';

const known = new Map<string, boolean>();

function hasKernelCrate(dir: string): boolean {
  let v = known.get(dir);
  if (v === undefined) {
    try { v = statSync(path.join(dir, 'rust', 'kernel')).isDirectory(); } catch { v = false; }
    known.set(dir, v);
  }
  return v;
}

export function inKernelTree(file: string): boolean {
  const abs = path.resolve(file);
  if (abs.split(path.sep).join('/').includes('/rust/kernel/')) return true;
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    if (hasKernelCrate(dir)) return true;
    if (path.dirname(dir) === dir) return false;
  }
}
