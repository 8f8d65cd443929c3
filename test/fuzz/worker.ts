// Runs the checks of one input at a time for the fuzz runner, in a worker thread the runner can
// terminate when an input hangs or runs out of memory.

import { parentPort } from 'node:worker_threads';
import { checkInput, CheckFailure } from './checks';
import type { TextInput } from './inputs';

export interface WorkerRequest { id: number; input: TextInput }
export type WorkerReply =
  | { id: number; ok: true; note: string; heapUsed: number }
  | { id: number; ok: false; error: string; defect: boolean; heapUsed: number };

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
