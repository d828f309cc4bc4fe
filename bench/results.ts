import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where benches record what they measured: one file per day and commit, one entry per bench. */
export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

export interface BenchRecord<F = unknown> {
  /** The command that reproduces the figures. */
  readonly command: string;
  readonly at: string;
  readonly figures: F;
}

export interface ResultsFile {
  readonly date: string;
  readonly commit: string;
  /** Uncommitted changes were present when a bench ran: the figures belong to no commit exactly. */
  readonly dirty: boolean;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string };
  readonly benches: Record<string, BenchRecord>;
}

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

/**
 * The code a bench runs is the code it loaded when it started: a commit made while it runs
 * (a bench takes minutes) must not claim its figures.
 */
const STARTED_AT = {
  commit: git('rev-parse', '--short=10', 'HEAD'),
  dirty: git('status', '--porcelain', '--untracked-files=no', '--', 'src').length > 0,
};

/**
 * Adds one bench's figures to today's results file for the commit the bench started at, so a
 * script renders the docs from data rather than from figures copied by hand.
 */
export function recordResult<F>(bench: string, command: string, figures: F): string {
  const date = new Date().toISOString().slice(0, 10);
  const { commit } = STARTED_AT;
  const file = `${RESULTS_DIR}${date}-${commit}.json`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const previous: ResultsFile | null = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResultsFile) : null;
  const results: ResultsFile = {
    date,
    commit,
    dirty: (previous?.dirty ?? false) || STARTED_AT.dirty,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    benches: { ...previous?.benches, [bench]: { command, at: new Date().toISOString(), figures } },
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
