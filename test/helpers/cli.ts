import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the compiled `bin/reembed` as a user would, on `taskQueue`; a non-zero exit is returned, not thrown. */
export async function runReembed(taskQueue: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await exec('bin/reembed', [...args], {
      env: { ...process.env, REEMBED_TASK_QUEUE: taskQueue, REEMBED_REGISTRY_CACHE_MS: '400', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliRun;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
