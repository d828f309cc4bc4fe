import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/env.js';
import { Services } from '../src/services.js';
import { recordResult } from './results.js';

export interface CliLatencyFigures {
  readonly runs: number;
  /** Each command's wall times in ms, fastest first. */
  readonly rows: readonly { readonly command: string; readonly ms: readonly number[] }[];
}

/**
 * Wall time of the compiled CLI as a person or a script runs it, process start to exit:
 * `reembed models --json` (reads the spec file) and `reembed status <c> --json` (registry,
 * alias, Temporal describe and query). Five runs each; prints min / median / max.
 */

const exec = promisify(execFile);
const RUNS = 5;
const COLLECTION = 'bench-cli';

async function timed(args: string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await exec('bin/reembed', args);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const services = new Services(loadConfig());
  const writer = services.writer();
  await writer.createCollection(COLLECTION, 'minilm-l6-v2', { storeContent: true });
  await writer.upsert(COLLECTION, [{ id: 'a', text: 'a document to give the collection something to hold' }]);
  await services.close();

  const rows = [];
  for (const args of [
    ['models', '--json'],
    ['status', COLLECTION, '--json'],
  ]) {
    const ms = await timed(args);
    rows.push({ command: `reembed ${args.join(' ').replace(COLLECTION, '<collection>')}`, ms });
    console.log(`reembed ${args.join(' ')}: median ${ms[Math.floor(RUNS / 2)]!.toFixed(0)} ms`);
  }
  const file = recordResult<CliLatencyFigures>('cli-latency', 'npm run bench -- cli-latency', { runs: RUNS, rows });
  console.log(`CLI latency recorded in ${file}`);
}

main().catch((error: Error) => {
  console.error(`cli latency bench failed: ${error.message}`);
  process.exit(1);
});
