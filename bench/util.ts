/** Small helpers shared by the benchmarks: percentiles, rounding, a local webhook sink, bundling a child process. */
import { build } from 'esbuild';
import { fork } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface WebhookSink {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Every POST received: path and body text. */
  received: Array<{ path: string; body: string }>;
  stop(): Promise<void>;
}

/** A loopback HTTP server standing in for Teams Workflows and Slack incoming webhooks (answers 200 "ok"). */
export async function startWebhookSink(): Promise<WebhookSink> {
  const received: WebhookSink['received'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') received.push({ path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Bundle a benchmark's child process (CommonJS for plain `node`, as the deployed bundle runs). `minify`: a child
 * started hundreds of times (the chaos campaign) loads faster.
 */
export async function bundleChild(entry: string, outfile: string, opts: { minify?: boolean } = {}): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: opts.minify ?? false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    external: ['@azure/functions-core'],
    // ESM dependencies reading import.meta.url get the bundle's own URL
    define: { 'import.meta.url': '__bundleImportMetaUrl' },
    banner: { js: 'var __bundleImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
  });
}

/** Node 22, the runtime the function app has in Azure: this Node, or the one scripts/run-jest.mjs put in .cache/. */
export function findNode22(): string {
  if (process.versions.node.startsWith('22.')) return process.execPath;
  const dir = join(__dirname, '..', '.cache', 'node');
  const cached = existsSync(dir)
    ? readdirSync(dir)
        .filter((v) => v.startsWith('22.'))
        .map((v) => join(dir, v, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node'))
        .find((bin) => existsSync(bin))
    : undefined;
  return cached ?? process.execPath;
}

/**
 * Run a bundled benchmark child (`node childJs`, input as JSON in env `envName`) that answers with one IPC message and
 * exits; resolves with that message (`{ error }` or a non-zero exit without a message rejects).
 */
export function runChildOnce<T>(
  childJs: string,
  envName: string,
  input: unknown,
  opts: { execPath?: string; execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(childJs, [], {
      ...(opts.execPath ? { execPath: opts.execPath } : {}),
      execArgv: opts.execArgv ?? [],
      env: { ...process.env, ...opts.env, [envName]: JSON.stringify(input) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let msg: { error?: string } | undefined;
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('message', (m) => (msg = m as { error?: string }));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (msg && !msg.error) resolve(msg as T);
      else reject(new Error(`${childJs} exited ${code}: ${msg?.error ?? stderr.slice(-2000)}`));
    });
  });
}
