/**
 * `remediator doctor --remote`: ask the deployed app to run its own preflight (`GET /api/doctor`, src/functions/doctor.ts)
 * — with its managed identity and real app settings — and print the checklist. The smoke check of the azd postdeploy
 * hook (infra/hooks/postdeploy.sh). The operator's login (DefaultAzureCredential: azd, az, environment) only finds the
 * app and its function key through ARM; the key goes in one request header and is never printed. A freshly deployed
 * app may still be starting: connection errors and 5xx answers without a report are retried with a growing delay.
 */
import { request as httpsRequest } from 'node:https';
import { readFunctionAppAccess, type FunctionAppRef } from '../adapters/function-app';
import type { Check } from '../doctor/checks';
import { describeErrorMessage } from '../errors';
import { resolveArmTarget } from './arm-target';
import { type CliIo, UsageError, writeLine } from './io';

export interface RemoteDoctorReport {
  ok: boolean;
  principalId?: string;
  checks: Check[];
}

export interface RemoteOptions {
  /** Attempts while the app does not answer a report (default 6: about 1 minute with the default delays). */
  attempts?: number;
  /** First retry delay (default 2 s), doubled per attempt and capped at 20 s. */
  retryDelayMs?: number;
  /** Per-request timeout (default 60 s: a cold start of the first invocation). */
  timeoutMs?: number;
}

/** An answer that retrying will not change (refused key, no doctor function). */
class FinalAnswer extends Error {}

interface Answer {
  status: number;
  body: string;
}

function get(url: string, headers: Record<string, string>, tlsCa: string | undefined, timeoutMs: number) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', headers, ...(tlsCa ? { ca: tlsCa } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end();
  });
}

function parseReport(body: string): RemoteDoctorReport | undefined {
  try {
    const v = JSON.parse(body) as Partial<RemoteDoctorReport>;
    return typeof v.ok === 'boolean' && Array.isArray(v.checks) ? (v as RemoteDoctorReport) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The app's report, or a thrown Error saying why there is none (never containing the key). */
export async function fetchRemoteReport(
  io: Pick<CliIo, 'env' | 'stderr'>,
  ref: FunctionAppRef,
  flags: { expectMode?: string },
  opts: RemoteOptions = {},
): Promise<{ report: RemoteDoctorReport; url: string }> {
  const armEndpoint = (io.env['ARM_ENDPOINT'] ?? 'https://management.azure.com').replace(/\/+$/, '');
  const target = resolveArmTarget({ armEndpoint }, io.env); // the operator's login, not the app's identity
  const access = await readFunctionAppAccess(ref, {
    endpoint: armEndpoint,
    credential: target.credential,
    ...(target.tlsCa !== undefined ? { tlsCa: target.tlsCa } : {}),
  });
  const url = `${access.baseUrl}/api/doctor${flags.expectMode ? `?expectMode=${encodeURIComponent(flags.expectMode)}` : ''}`;
  const attempts = opts.attempts ?? 6;
  let delay = opts.retryDelayMs ?? 2000;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const answer = await get(
        url,
        { 'x-functions-key': access.functionKey, accept: 'application/json' },
        target.tlsCa,
        opts.timeoutMs ?? 60_000,
      );
      const report = parseReport(answer.body);
      if (report) return { report, url };
      if (answer.status === 401 || answer.status === 403)
        throw new FinalAnswer(`${url} refused the function key (HTTP ${answer.status})`);
      if (answer.status === 404)
        throw new FinalAnswer(
          `${url} answered 404: the deployed code has no doctor function (deploy this version first)`,
        );
      last = `HTTP ${answer.status}${answer.status >= 500 ? `: ${answer.body.slice(0, 200)}` : ''}`;
      if (answer.status < 500) break;
    } catch (err) {
      if (err instanceof FinalAnswer) throw err;
      last = describeErrorMessage(err).split('\n')[0] ?? 'error';
    }
    if (attempt < attempts) {
      writeLine(
        io.stderr,
        `doctor: ${ref.name} did not answer a report yet (${last}); retrying in ${Math.round(delay / 1000)} s`,
      );
      await sleep(delay);
      delay = Math.min(delay * 2, 20_000);
    }
  }
  throw new Error(`${url}: no doctor report after ${attempts} attempt(s) (${last})`);
}

/** The app to ask: flags, else the azd environment's values (the hook runs with them set). */
export function remoteRefOf(
  env: Record<string, string | undefined>,
  flags: { app?: string | undefined; resourceGroup?: string | undefined; subscription?: string | undefined },
): FunctionAppRef {
  const name = flags.app ?? env['AZURE_FUNCTION_APP_NAME'];
  const resourceGroup = flags.resourceGroup ?? env['AZURE_RESOURCE_GROUP'];
  const subscriptionId = flags.subscription ?? env['AZURE_SUBSCRIPTION_ID'];
  const missing = [
    ...(name ? [] : ['--app (or AZURE_FUNCTION_APP_NAME)']),
    ...(resourceGroup ? [] : ['--resource-group (or AZURE_RESOURCE_GROUP)']),
    ...(subscriptionId ? [] : ['--subscription (or AZURE_SUBSCRIPTION_ID)']),
  ];
  if (missing.length || !name || !resourceGroup || !subscriptionId)
    throw new UsageError(`--remote needs ${missing.join(', ')}`);
  return { name, resourceGroup, subscriptionId };
}
