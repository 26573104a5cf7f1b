#!/usr/bin/env node
/**
 * `npm run infra:check`: the Bicep templates meet the real Bicep compiler and linter.
 *
 * 1. Find a Bicep CLI: $BICEP_CLI, `bicep` on PATH, the one `az bicep install` puts in ~/.azure/bin, else restore the
 *    pinned NuGet package Azure.Bicep.CommandLine.<rid> with the .NET SDK (scripts/bicep-cli/bicep-cli.csproj, a
 *    restore-only project) into the git-ignored .cache/nuget. No Bicep and no .NET SDK: exit 1 — never a pass.
 * 2. `bicep build` every infra/**\/*.bicep into .cache/arm/ (the infra tests assert over this ARM JSON).
 * 3. `bicep lint` every template with infra/bicepconfig.json, which turns every linter rule that warns into an error.
 * 4. `bicep build-params` on main.parameters.json as azd resolves it (each `${VAR=default}` → its default, each
 *    required `${VAR}` → a sample value, converted to the parameter's declared type like azd does): types, allowed
 *    values and ranges of main.bicep's parameters are checked by the compiler.
 * Any error or warning from any step fails the check. Prints "N templates compiled, 0 warnings".
 *
 * The result is cached in .cache/arm/stamp.json, keyed by the contents of infra/, this script and the Bicep CLI used:
 * unchanged inputs are not compiled twice (`--force` compiles anyway). Concurrent runs (jest workers) wait on a lock.
 *
 *   node scripts/infra-check.mjs [--force] [--quiet]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const BICEP_VERSION = '0.49.2'; // = BicepVersion in scripts/bicep-cli/bicep-cli.csproj
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const infraDir = join(root, 'infra');
const cacheDir = join(root, '.cache');
const armDir = join(cacheDir, 'arm');
const stampPath = join(armDir, 'stamp.json');
const lockPath = join(cacheDir, 'infra-check.lock');
const restoreProject = join(root, 'scripts', 'bicep-cli', 'bicep-cli.csproj');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (line) => {
  if (!quiet) console.log(line);
};

/** Azure.Bicep.CommandLine.<rid>: the runtime ids NuGet carries the CLI for. */
function bicepRid() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!os || !arch) throw new Error(`no Bicep CLI package for ${process.platform}-${process.arch}`);
  return `${os}-${arch}`;
}

const exe = (name) => (process.platform === 'win32' ? `${name}.exe` : name);

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The NuGet copy's path, whether restored yet or not. */
function nugetBicepPath() {
  const id = `azure.bicep.commandline.${bicepRid()}`;
  return join(cacheDir, 'nuget', id, BICEP_VERSION, 'tools', exe('bicep'));
}

/** An installed Bicep CLI, without running anything: $BICEP_CLI, PATH, ~/.azure/bin, the restored NuGet copy. */
function findInstalledBicep() {
  if (process.env.BICEP_CLI) {
    if (!isExecutable(process.env.BICEP_CLI)) throw new Error(`BICEP_CLI=${process.env.BICEP_CLI} is not executable`);
    return { path: process.env.BICEP_CLI, from: '$BICEP_CLI' };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (isExecutable(join(dir, exe('bicep')))) return { path: join(dir, exe('bicep')), from: 'PATH' };
  }
  const az = join(homedir(), '.azure', 'bin', exe('bicep'));
  if (isExecutable(az)) return { path: az, from: 'az (~/.azure/bin)' };
  const nuget = nugetBicepPath();
  if (existsSync(nuget)) {
    if (!isExecutable(nuget)) chmodSync(nuget, 0o755);
    return { path: nuget, from: `NuGet Azure.Bicep.CommandLine.${bicepRid()} ${BICEP_VERSION} (cached)` };
  }
  return undefined;
}

/** Restore the pinned package with the .NET SDK; fails loudly without one. */
function restoreBicepFromNuget() {
  const dotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
  if (dotnet.error || dotnet.status !== 0) {
    throw new Error(
      'no Bicep CLI: none on PATH, none in ~/.azure/bin (az bicep install), and no .NET SDK to restore ' +
        `Azure.Bicep.CommandLine.${bicepRid()} ${BICEP_VERSION} from NuGet. Install one of them.`,
    );
  }
  say(`restoring Azure.Bicep.CommandLine.${bicepRid()} ${BICEP_VERSION} from NuGet (.NET SDK ${dotnet.stdout.trim()})`);
  const started = performance.now();
  const restore = spawnSync(
    'dotnet',
    [
      'restore',
      restoreProject,
      '--packages',
      join(cacheDir, 'nuget'),
      `-p:BicepRid=${bicepRid()}`,
      `-p:BaseIntermediateOutputPath=${join(cacheDir, 'bicep-cli-obj')}/`,
      '--nologo',
      '--verbosity',
      'quiet',
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        DOTNET_NOLOGO: '1',
        DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      },
    },
  );
  const path = nugetBicepPath();
  if (restore.status !== 0 || !existsSync(path)) {
    throw new Error(
      `dotnet restore of the Bicep CLI failed (exit ${restore.status}):\n${restore.stdout}${restore.stderr}`,
    );
  }
  chmodSync(path, 0o755);
  say(`restored ${relative(root, path)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { path, from: `NuGet Azure.Bicep.CommandLine.${bicepRid()} ${BICEP_VERSION}` };
}

function listFiles(dir, suffixes) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p, suffixes));
    else if (suffixes.some((s) => entry.name.endsWith(s))) out.push(p);
  }
  return out.sort();
}

/** Everything the result depends on: infra/ sources, this script, the restore project, the CLI binary. */
function computeInputKey(bicep) {
  const hash = createHash('sha256');
  const inputs = [
    ...listFiles(infraDir, ['.bicep', '.json', '.bicepparam']),
    fileURLToPath(import.meta.url),
    restoreProject,
  ];
  for (const file of inputs)
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  const cli = statSync(bicep.path);
  hash.update(`${bicep.path}\0${cli.size}\0${cli.mtimeMs}`);
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Run the CLI; resolve with its output and the diagnostics it printed (`file(line,col) : Level code: message`). */
function runBicep(bicep, cliArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(bicep.path, cliArgs, {
      cwd: root,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', BICEP_TRACING_ENABLED: 'false' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const diagnostics = out
        .split(/\r?\n/)
        .filter((l) => /\) : (Error|Warning|Info) /.test(l))
        .map((l) => ({ level: /\) : (Error|Warning|Info) /.exec(l)[1], text: l.replace(`${root}/`, '') }));
      resolve({ code, out, diagnostics });
    });
  });
}

/** main.parameters.json as azd resolves it, written as a .bicepparam for `bicep build-params`. */
function writeAzdParamsFile(compiledMain, dir) {
  const SAMPLES = { string: 'infra-check', securestring: '' };
  const REQUIRED_SAMPLES = { location: 'westeurope' };
  const declared = compiledMain.parameters;
  const file = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8'));
  const lines = [`using '${relative(dir, join(infraDir, 'main.bicep')).split('\\').join('/')}'`, ''];
  for (const [name, { value }] of Object.entries(file.parameters)) {
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?\}$/s.exec(String(value));
    const type = String(declared[name]?.type ?? 'string').toLowerCase();
    // azd: ${VAR=default} gives the default when VAR is unset; ${VAR} (required) is asked for: use a sample
    const text = m ? (m[2] ?? REQUIRED_SAMPLES[name] ?? SAMPLES[type] ?? '') : value;
    let literal;
    if (typeof text !== 'string') literal = JSON.stringify(text);
    else if (type === 'bool')
      literal = text; // must be true/false: anything else is a compile error, as in ARM
    else if (type === 'int') literal = /^-?\d+$/.test(text) ? text : `'${text}'`;
    else literal = `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    lines.push(`param ${name} = ${literal}`);
  }
  const path = join(dir, 'main.azd.bicepparam');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function acquireLock() {
  mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8') || 0);
      let alive = false;
      try {
        if (holder > 0) process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) rmSync(lockPath, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lockPath} held by ${holder} for too long`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
}

async function check() {
  const bicep = findInstalledBicep() ?? restoreBicepFromNuget();
  const key = computeInputKey(bicep);
  const stamp = readStamp();
  if (!args.has('--force') && stamp?.key === key) {
    say(`${stamp.templates} templates compiled, 0 warnings (Bicep ${stamp.bicepVersion}; cached: inputs unchanged)`);
    return;
  }
  const version = spawnSync(bicep.path, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`${bicep.path} --version failed: ${version.stderr}`);
  const bicepVersion = /\d+\.\d+\.\d+/.exec(version.stdout)?.[0] ?? version.stdout.trim();
  say(`Bicep CLI ${bicepVersion} from ${bicep.from}: ${bicep.path}`);

  const templates = listFiles(infraDir, ['.bicep']);
  const staging = join(cacheDir, `arm-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const started = performance.now();
  const pattern = 'infra/**/*.bicep';
  const [built, linted] = await Promise.all([
    runBicep(bicep, ['build', '--pattern', pattern, '--outdir', staging]),
    runBicep(bicep, ['lint', '--pattern', pattern]),
  ]);
  const problems = [];
  const report = (step, result) => {
    for (const d of new Set(result.diagnostics.map((x) => x.text))) problems.push(`${step}: ${d}`);
    if (result.code !== 0 && result.diagnostics.length === 0)
      problems.push(`${step}: exit ${result.code}\n${result.out}`);
  };
  report('build', built);
  report('lint', linted);

  const compiled = templates.map((t) => join(staging, relative(infraDir, t)).replace(/\.bicep$/, '.json'));
  const missing = compiled.filter((f) => !existsSync(f));
  if (missing.length > 0 && problems.length === 0)
    problems.push(`build wrote no ${missing.map((f) => relative(staging, f)).join(', ')}`);

  let paramsChecked = false;
  if (missing.length === 0) {
    const compiledMain = JSON.parse(readFileSync(join(staging, 'main.json'), 'utf8'));
    const paramsFile = writeAzdParamsFile(compiledMain, staging);
    const params = await runBicep(bicep, [
      'build-params',
      paramsFile,
      '--outfile',
      join(staging, 'main.azd.parameters.json'),
    ]);
    report('build-params (main.parameters.json as azd resolves it)', params);
    paramsChecked = params.code === 0;
  }
  const warnings = problems.length;
  for (const p of problems) console.error(p);
  const tookS = ((performance.now() - started) / 1000).toFixed(1);
  if (warnings > 0 || !paramsChecked) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`${templates.length} templates, ${warnings} errors/warnings (Bicep ${bicepVersion}, ${tookS} s)`);
  }
  writeFileSync(
    join(staging, 'stamp.json'),
    `${JSON.stringify({ key, templates: templates.length, bicepVersion, bicep: bicep.path }, null, 2)}\n`,
  );
  rmSync(armDir, { recursive: true, force: true });
  renameSync(staging, armDir);
  say(
    `${templates.length} templates compiled, 0 warnings (Bicep ${bicepVersion}, linted, main.parameters.json checked; ${tookS} s)`,
  );
}

acquireLock();
try {
  await check();
} catch (err) {
  console.error(`infra:check FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(lockPath, { force: true });
}
