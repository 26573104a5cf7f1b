#!/usr/bin/env node
/**
 * The browser tests (card heights, the README picture) need Debian's `chromium`. When it is missing and this is a
 * Debian machine where we are root (CI, the developers' machines), install it with apt-get; otherwise say how.
 * Set CHROMIUM_PATH to use another Chromium.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PACKAGES = ['chromium', 'fonts-noto-color-emoji'];

if (!existsSync(path)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `${path} is missing: install Chromium (Debian: apt-get install -y ${PACKAGES.join(' ')}) or set CHROMIUM_PATH`,
    );
    process.exit(1);
  }
  console.log(`${path} is missing: installing ${PACKAGES.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...PACKAGES]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
  if (!existsSync(path)) {
    console.error(`apt-get installed chromium but ${path} is still missing`);
    process.exit(1);
  }
}
