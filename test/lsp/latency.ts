// Edit -> publishDiagnostics latency over stdio, for the benchmark (`npm run bench`): opens a
// document in a fresh server (debounce 0, so the number is the server's own work), then makes
// `samples` one-line edits and times each until the diagnostics for that version arrive.

import { pathToFileURL } from 'node:url';
import { TestClient } from './lspClient';

export interface Latency { lines: number; samples: number; p50: number; p95: number; max: number }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

export async function editToDiagnosticsLatency(text: string, samples = 40, name = 'bench.rs'): Promise<Latency> {
  const { client } = await TestClient.start({ initializationOptions: { debounceMs: 0 } });
  try {
    const uri = pathToFileURL(`/tmp/refcount-review-bench/${name}`).href;
    await client.open(uri, text);
    await client.nextDiagnostics(uri, 0, 1, 120_000);
    const times: number[] = [];
    for (let v = 2; v < samples + 2; v++) {
      const n = client.published(uri);
      const t0 = performance.now();
      // Insert and remove a comment line alternately, so the text stays the same size.
      const change = v % 2 === 0
        ? { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// edit\n' }
        : { range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, text: '' };
      await client.change(uri, v, [change]);
      await client.nextDiagnostics(uri, n, v, 120_000);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { lines: text.split('\n').length, samples, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times[times.length - 1] };
  } finally {
    await client.stop();
  }
}
