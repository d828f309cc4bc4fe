import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/**
 * A worker in a process of its own, as an operator runs it: the compiled `dist/worker/main.js`
 * (setup builds it, with the workflow bundle it starts from), with `env` over this process's.
 */
export function spawnWorkerProcess(env: Record<string, string | undefined>, stdio: StdioOptions = 'ignore'): ChildProcess {
  return spawn(process.execPath, ['dist/worker/main.js'], { env: { ...process.env, ...env }, stdio });
}
