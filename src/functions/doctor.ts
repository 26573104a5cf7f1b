/**
 * `doctor`: the read-only preflight of `remediator doctor` (src/doctor/checks.ts), run by the deployed app itself —
 * with its own managed identity and its real app settings, which no operator's machine has. `GET /api/doctor`
 * (function key; `?expectMode=auto-fix` to insist on a mode) answers `{ ok, principalId, checks }`: 200 when every check
 * passes (warnings allowed), 503 when any fails. The azd postdeploy hook calls it through `remediator doctor --remote`
 * as the deployment's smoke check. Never writes, never posts to a webhook, never answers a webhook URL or a
 * connection string (the checks name a setting, not its value).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { gatherFacts, type DoctorTarget } from '../adapters/doctor-facts';
import type { Config } from '../config';
import { evaluateDoctor, type Check } from '../doctor/checks';
import { describeErrorMessage } from '../errors';
import { redactSecrets } from '../logging';
import { json } from './http-door';

const MODES = ['dry-run', 'auto-fix', 'approve'];

/** What `GET /api/doctor` answers (and `remediator doctor --remote` reads). */
export interface DoctorReport {
  ok: boolean;
  principalId?: string;
  checks: Check[];
}

/** The app's own identity: DefaultAzureCredential with the user-assigned identity's client id, as the pipeline uses. */
async function managedIdentityTarget(config: Readonly<Config>): Promise<DoctorTarget> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return {
    credential: new DefaultAzureCredential(
      config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {},
    ),
  };
}

export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  /** Whose eyes (tests: the emulator's credential and CA); default: the app's managed identity. */
  target?: (config: Readonly<Config>) => DoctorTarget | Promise<DoctorTarget>;
}

/**
 * Run every check and log the verdict on the invocation (the host carries it to Application Insights `traces`): a
 * warning naming each failed check and its fix — what the `doctorFailed` alert rule (infra/alert-rules.json) looks
 * for — or one line when all pass. Never a secret: checks name settings, not their values.
 */
async function runChecks(opts: DoctorOptions, context: InvocationContext, expectMode?: string): Promise<DoctorReport> {
  const facts = await gatherFacts(
    opts.env ?? process.env,
    { scopes: [], ...(expectMode ? { expectMode } : {}) },
    opts.target ?? managedIdentityTarget,
  );
  const checks = evaluateDoctor(facts);
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length)
    context.warn(
      redactSecrets(
        `doctor: ${failed.length} check(s) failed: ${failed.map((c) => `${c.title} (${c.detail}${c.fix ? `; fix: ${c.fix}` : ''})`).join('; ')}`,
      ),
    );
  else context.log(`doctor: all ${checks.length} checks passed`);
  return { ok: failed.length === 0, ...(facts.principalId ? { principalId: facts.principalId } : {}), checks };
}

const couldNotRun = (err: unknown, context: InvocationContext): string => {
  const detail = redactSecrets(describeErrorMessage(err).split('\n')[0] ?? 'error');
  context.error(`doctor could not run: ${detail}`);
  return detail;
};

export function makeDoctorHandler(
  opts: DoctorOptions = {},
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const expectMode = request.query.get('expectMode') ?? undefined;
    if (expectMode !== undefined && !MODES.includes(expectMode)) {
      return json(400, { error: `expectMode: dry-run, auto-fix or approve, not ${redactSecrets(expectMode)}` });
    }
    try {
      const report = await runChecks(opts, context, expectMode);
      return json(report.ok ? 200 : 503, report);
    } catch (err) {
      return json(500, { error: 'doctor could not run', detail: couldNotRun(err, context) });
    }
  };
}

/**
 * `doctorSchedule`: the same checks every 6 hours (DOCTOR_TIMER_SCHEDULE), so wiring that breaks after the deployment
 * (an Event Grid subscription deleted, a role assignment removed, a storage firewall) raises the `doctorFailed` alert
 * before the first real failure goes unhandled. A run that cannot even start fails the invocation (`invocationFailures`).
 */
export function makeDoctorTimerHandler(
  opts: DoctorOptions = {},
): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    try {
      await runChecks(opts, context);
    } catch (err) {
      throw new Error(`doctor could not run: ${couldNotRun(err, context)}`);
    }
  };
}

/** What src/functions/index.ts registers (dist/doctor.js: loaded by the first doctor request or timer tick only). */
export const doctor = makeDoctorHandler();
export const doctorSchedule = makeDoctorTimerHandler();
