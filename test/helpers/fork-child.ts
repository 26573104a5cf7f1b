/**
 * Fork a TypeScript child process (through tsx) that prepares, says 'ready', waits for 'go', does its work and sends
 * one result message before exiting: the shape of every multi-process concurrency test here.
 */
import { fork } from 'node:child_process';

export interface ForkedChild<R> {
  /** Let the child start (all children are released at once to maximise contention). */
  go(): void;
  /** The child's result message; rejects with its stderr tail when it exits without one. */
  done: Promise<R>;
}

/** Resolves once the child is ready. `env` is added to the child's environment (e.g. its JSON configuration). */
export function forkChild<R>(script: string, env: Record<string, string>): Promise<ForkedChild<R>> {
  return new Promise((ready, reject) => {
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let result: R | undefined;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<R>((res, rej) => {
      child.on('exit', (code) =>
        result ? res(result) : rej(new Error(`child exited ${code}: ${stderr.slice(-2000)}`)),
      );
    });
    child.on('message', (m) => {
      if (m === 'ready') ready({ go: () => child.send('go'), done });
      else result = m as R;
    });
    child.on('error', reject);
    done.catch(reject);
  });
}
