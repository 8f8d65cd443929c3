// On real crates, `check` leaves the files that cannot hold a site unparsed until a lookup may
// need their declarations (RustIndex.defer). This holds that to the reading that parses every file
// first, on every crate of the corpus: the same sites, read the same way (receivers, counters,
// contexts), and the same whole report, hints and justifications included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatJson, readRustFiles, runCheck } from '../../server/src/check';
import { analyzeRustFile, mayHoldSites, mentionsCounters, summarizeRustFile } from '../../server/src/rust/extract';
import { RustIndex } from '../../server/src/rust/index';
import { initRustParser } from '../../server/src/rust/parser';
import { loadLedger } from './ledger';
import { loadCrateList, locateCrate, UNBOUNDED_MILLIS } from './corpus';

const list = loadCrateList();
const ledger = loadLedger();
let deferredTotal = 0;
let readTotal = 0;

for (const spec of list.crates) {
  test(`${spec.name}: deferred files give the same sites and report as every file read first`, async () => {
    await initRustParser();
    const located = locateCrate(list, spec, ledger.versions[spec.name]?.version);
    assert.ok(located, `${spec.name}: sources not found; install the Debian package ${spec.package} (scripts/setup-corpus.sh does)`);
    const paths = (spec.paths ?? ['.']).map(p => path.join(located.root, p));
    const files = (await readRustFiles(paths)).filter((f): f is { file: string; text: string } => f.text !== undefined);

    // The index as check builds it, and the index with every file read.
    const summaries = new Map(files.map(f => [f.file, summarizeRustFile(f.file, f.text)]));
    const full = new RustIndex();
    for (const f of files) full.update(summaries.get(f.file)!);
    const counter = files.filter(f => mentionsCounters(f.text));
    const helperNames = counter.flatMap(f => summaries.get(f.file)!.helpers.map(h => h.fnName));
    const lazy = new RustIndex();
    let deferred = 0;
    for (const f of files) {
      // No reference structs: their text test is one more reason to read a file, not fewer.
      if (mayHoldSites(f.text, helperNames, [])) lazy.update(summaries.get(f.file)!);
      else { lazy.defer(f.file, f.text, () => summaries.get(f.file)!); deferred++; }
    }
    for (const f of files.filter(g => mayHoldSites(g.text, helperNames, []))) {
      const a = analyzeRustFile(f.file, f.text, undefined, { index: lazy });
      const b = analyzeRustFile(f.file, f.text, undefined, { index: full });
      assert.deepEqual(a.sites, b.sites, f.file);
      assert.deepEqual(a.problems, b.problems, f.file);
    }
    deferredTotal += deferred;
    readTotal += deferred - lazy.deferredCount;

    const check = (readAll: boolean) => runCheck(paths, { maxMillis: UNBOUNDED_MILLIS }, { hints: true, justify: true, readAll });
    assert.equal(formatJson(await check(false)), formatJson(await check(true)));
  });
}

test('deferred files in the corpus', () => {
  console.log(`${deferredTotal} files deferred, ${readTotal} of them read for a lookup`);
  assert.ok(deferredTotal > 0);
});
