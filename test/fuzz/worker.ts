// Runs the checks of one input at a time for the fuzz runner, in a worker thread the runner can
// terminate when an input hangs or runs out of memory.

import { parentPort } from 'node:worker_threads';
import { checkInput, CheckFailure } from './checks';
import { initRustParser } from '../../server/src/rust/parser';
import type { TextInput } from './inputs';

export interface WorkerRequest { id: number; input: TextInput }
export type WorkerReply =
  | { id: number; ok: true; note: string; heapUsed: number }
  | { id: number; ok: false; error: string; defect: boolean; heapUsed: number };

// Loading the grammar is not part of any input's time: the runner starts the clock after this.
void initRustParser().then(() => parentPort!.postMessage({ ready: true }), e => { throw e; });

parentPort!.on('message', async ({ id, input }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const note = await checkInput(input);
    reply = { id, ok: true, note, heapUsed: process.memoryUsage().heapUsed };
  } catch (e) {
    const error = e instanceof Error ? e.stack ?? e.message : String(e);
    reply = { id, ok: false, error, defect: e instanceof CheckFailure, heapUsed: process.memoryUsage().heapUsed };
  }
  parentPort!.postMessage(reply);
});
