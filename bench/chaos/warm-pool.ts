/**
 * Remediator instances for the chaos runs, started ahead: each is its own OS process (the bundled child) that loads,
 * says `ready` and waits for its one delivery, as a warm Functions instance waits for an invocation. Loading the
 * bundle is most of a process's CPU (0.7 s of ~1 s for a whole delivery, measured on the loaded 2-core machine), so
 * - a few instances are kept started while a run waits on the others (outages, redeliveries), and
 * - the bundle is minified and loaded through a V8 code cache made once per campaign (boot.js below): 0.5 s.
 * A process is never reused: one delivery each, then it exits (or is SIGKILLed at its step).
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Loads child.js (next to it) through a V8 code cache; with CHAOS_MAKE_CACHE=1 it writes the cache and exits. */
const BOOT = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const file = path.join(__dirname, 'child.js');
const cacheFile = file + '.v8cache';
let cachedData;
try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, __dirname);
if (process.env.CHAOS_MAKE_CACHE) fs.writeFileSync(cacheFile, script.createCachedData());
`;

/** Write boot.js next to the bundled child.js in `dir` and make the code cache (the child only loads: no IPC). */
export async function prepareBoot(dir: string): Promise<string> {
  const boot = join(dir, 'boot.js');
  writeFileSync(boot, BOOT);
  await promisify(execFile)(process.execPath, [boot], { env: { ...process.env, CHAOS_MAKE_CACHE: '1' } });
  return boot;
}

export interface WarmChild {
  child: ChildProcess;
  /** true once loaded and waiting; false when it died first. */
  ready: Promise<boolean>;
}

export interface WarmPool {
  /** A started instance (loaded or still loading); another is started in its place. */
  take(): WarmChild;
  /** Kill the instances nobody took and wait for them to exit. */
  dispose(): Promise<void>;
}

export function createWarmPool(boot: string, size: number): WarmPool {
  const idle: WarmChild[] = [];
  let disposed = false;
  const start = (): WarmChild => {
    const env = { ...process.env };
    delete env['CHAOS_CHILD'];
    delete env['CHAOS_MAKE_CACHE'];
    const child = fork(boot, [], { env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const ready = new Promise<boolean>((done) => {
      child.once('exit', () => done(false));
      const onReady = (m: unknown): void => {
        if (m !== 'ready') return;
        child.off('message', onReady);
        done(true);
      };
      child.on('message', onReady);
    });
    return { child, ready };
  };
  const refill = (): void => {
    while (!disposed && idle.length < size) idle.push(start());
  };
  refill();
  return {
    take() {
      if (disposed) throw new Error('the warm pool is disposed');
      const warm = idle.shift() ?? start();
      refill();
      return warm;
    },
    async dispose() {
      disposed = true;
      const left = idle.splice(0);
      await Promise.all(
        left.map(
          ({ child }) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
