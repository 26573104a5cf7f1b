/**
 * `remediator diagnose`: offline triage of an error message, an event file or a deployment's error JSON — what it
 * means and what to check — without any ARM access. With `--live`, the operator's Azure login
 * (DefaultAzureCredential) reads the real state, read-only, and the full diagnosis runs.
 */
import { parseArgs } from 'node:util';
import type { ArmPort } from '../azure/arm-port';
import { createSdkArmPort } from '../adapters/sdk-arm';
import { ConfigError, loadConfig } from '../config';
import { BUILT_IN_ROLES } from '../../emulator/builtin-roles';
import type { RoleDefinitionInfo } from '../azure/arm-port';
import { builtInRoleDefinitionId } from '../azure/ids';
import { diagnose, extractArmError, parseAuthorizationFailed, pickLeastPrivilegeRole } from '../diagnose';
import { parsePolicyRefusal } from '../diagnose/policy-messages';
import { ACR_SUFFIXES, isAcrLoginServer, matchSecretRefError } from '../diagnose/messages';
import { otherFailingImages, pickPullError } from '../diagnose/failing-image';
import { explainKind } from '../explain';
import { parseIncoming } from '../intake';
import {
  kindDecidedByPullError,
  kindOfPolicyRefusal,
  kindOfPullActionDenial,
  kindsDecidedByPullError,
  kindTriagedBy,
  triageCandidates,
} from '../kinds';
import { createLogger } from '../logging';
import type { Diagnosis, DiagnosisKind, FailureEvent } from '../model';
import { resolveArmTarget } from './arm-target';
import { readJsonFile } from './files';
import { type Advice, adviseOnTriage } from './diagnose-advice';
import type { Triage } from './triage';

export type { Triage } from './triage';
import { type CliIo, logDestination, painter, UsageError, writeLine } from './io';

export const DIAGNOSE_USAGE =
  'usage: remediator diagnose (--message "…" | --event FILE | --deployment-error FILE) [--live [--app APP_ID]] [--json]';

/** Offline verdict on an error text: the kind it most likely is, and why. `candidates` when the text alone cannot decide. */

/** Built-in role definitions known without Azure (the emulator's published set); `--live` reads them all from ARM. */
const OFFLINE_BUILT_IN_ROLES: RoleDefinitionInfo[] = BUILT_IN_ROLES.map((r) => ({
  id: builtInRoleDefinitionId(r.guid),
  name: r.guid,
  roleName: r.roleName,
  roleType: 'BuiltInRole',
  permissions: r.permissions.map((p) => ({ ...p })),
  assignableScopes: ['/'],
}));

/** Pure: what an error text says on its own. */
export function triageMessage(text: string): Triage {
  const armError = extractArmError(text);
  const authz = parseAuthorizationFailed(text);
  if (authz) {
    const pull = /registries\/pull\/read/i.test(authz.action ?? '');
    const kind: DiagnosisKind | undefined = pull ? kindOfPullActionDenial() : undefined;
    const facts = [
      authz.callerObjectId ? `caller object id: ${authz.callerObjectId}` : '',
      authz.action ? `denied action: ${authz.action}` : '',
      authz.scope ? `scope: ${authz.scope}` : '',
    ].filter(Boolean);
    const candidates: DiagnosisKind[] = kind ? [kind] : triageCandidates('authz-denied');
    const role = authz.action ? pickLeastPrivilegeRole(OFFLINE_BUILT_IN_ROLES, authz.action) : undefined;
    if (role)
      facts.push(
        `least-privilege built-in role for it: ${role.roleName} (${role.name}) — among the ${OFFLINE_BUILT_IN_ROLES.length} built-in roles known offline; --live reads them all`,
      );
    const t: Triage = {
      ...(kind ? { kind } : {}),
      candidates,
      meaning: 'ARM refused the call: the caller holds no effective role granting that action at that scope.',
      facts,
      checks: candidates.flatMap((k) => explainKind(k).checks),
    };
    if (authz.callerObjectId || authz.client)
      t.caller = {
        ...(authz.callerObjectId ? { objectId: authz.callerObjectId } : {}),
        ...(authz.client ? { client: authz.client } : {}),
      };
    if (authz.action) t.action = authz.action;
    if (authz.scope) t.scope = authz.scope;
    if (role) t.leastPrivilegeRole = { roleName: role.roleName, roleDefinitionId: role.id };
    return t;
  }
  const policy = parsePolicyRefusal(text);
  const policyKind = policy ? kindOfPolicyRefusal() : undefined;
  if (policy && policyKind) {
    const v = policy.violations[0];
    return {
      kind: policyKind,
      candidates: [policyKind],
      meaning: explainKind(policyKind).meaning,
      facts: [
        v
          ? `policy assignment: ${[v.assignmentDisplayName ?? v.assignmentName, v.assignmentId].filter(Boolean).join(' ')}`
          : '',
        v?.definitionId
          ? `policy definition: ${[v.definitionDisplayName, v.definitionId].filter(Boolean).join(' ')}`
          : '',
        v?.effect ? `effect: ${v.effect}` : '',
        policy.target ? `refused resource: ${policy.target}` : '',
      ].filter(Boolean),
      checks: explainKind(policyKind).checks,
    };
  }
  const secretRef = matchSecretRefError(text);
  const secretKind = secretRef ? kindTriagedBy('secret-ref') : undefined;
  if (secretRef && secretKind)
    return {
      kind: secretKind,
      candidates: [secretKind],
      meaning: explainKind(secretKind).meaning,
      facts: [`secret: ${secretRef.secretName}`, secretRef.identity ? `identity: ${secretRef.identity}` : ''].filter(
        Boolean,
      ),
      checks: explainKind(secretKind).checks,
    };
  const pull = pickPullError(text);
  if (pull) {
    const server = pull.image?.loginServer ?? pull.loginServer;
    const acrSuffix = server ? ACR_SUFFIXES.find((x) => server.endsWith(x)) : undefined;
    const registryName = server && acrSuffix ? server.slice(0, -acrSuffix.length) : undefined;
    const fill = (checks: string[]): string[] =>
      registryName ? checks.map((c) => c.replace(/\bREGISTRY\b(?!_)/g, registryName)) : checks;
    const facts = [
      pull.image ? `image: ${pull.image.image}` : '',
      (pull.loginServer ?? pull.image?.loginServer)
        ? `registry login server: ${pull.loginServer ?? pull.image?.loginServer ?? ''}`
        : '',
      pull.repository ? `repository: ${pull.repository}` : '',
      pull.missingTag ? `missing tag: ${pull.missingTag}` : '',
      pull.containerName ? `container: ${pull.containerName}` : '',
      pull.clientIp ? `client IP: ${pull.clientIp}` : '',
      `matched tokens: ${pull.tokens.join(', ')}`,
      ...otherFailingImages(text, server).map(
        (o) => `also failing: ${o.image} from ${o.loginServer} (${o.error}; its own story, triage it on its own)`,
      ),
    ].filter(Boolean);
    const decided = (kind: DiagnosisKind): Triage => ({
      kind,
      candidates: [kind],
      meaning: explainKind(kind).meaning,
      facts,
      checks: fill(explainKind(kind).checks),
    });
    const outsideAcr = server !== undefined && !isAcrLoginServer(server);
    // A registry outside ACR: no ACR advice, never registry-not-found; its own refusal is a credentials problem.
    const outsideKind: DiagnosisKind | undefined = !outsideAcr
      ? undefined
      : pull.kind === 'unauthorized' || pull.kind === 'denied'
        ? kindTriagedBy('non-acr-refusal')
        : pull.kind === 'host-not-found'
          ? 'acr-pull/network-blocked'
          : undefined;
    const decidedKind = outsideKind ?? kindDecidedByPullError(pull.kind);
    if (decidedKind && outsideAcr)
      return { ...decided(decidedKind), checks: explainKind(decidedKind).checks.filter((c) => !/\baz acr\b/.test(c)) };
    if (decidedKind) return decided(decidedKind);
    const candidates = triageCandidates('pull-refused');
    return {
      candidates,
      meaning:
        'The registry refused the pull: the identity the app pulls with has no effective pull permission. The text alone cannot say which cause; ' +
        'the checks below (or --live) decide between them.',
      facts,
      checks: fill([...new Set(candidates.flatMap((k) => explainKind(k).checks.slice(0, 1)))]),
    };
  }
  return {
    kind: 'unknown',
    candidates: ['unknown'],
    meaning: armError?.code
      ? `An ARM error (${armError.code}) that is neither an image pull failure nor an authorization failure.`
      : 'Not an image pull or authorization failure the remediator recognises.',
    facts: armError ? [`code: ${armError.code ?? '(none)'}`, `message: ${armError.message.slice(0, 500)}`] : [],
    checks: explainKind('unknown').checks,
  };
}

/** The error text inside a deployment error JSON (`az deployment … show` error, or an ARM error body). */
export function textOfDeploymentError(doc: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || v === undefined) return;
    if (typeof v === 'string') {
      parts.push(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const key of ['code', 'message', 'statusMessage', 'provisioningError'])
        if (typeof o[key] === 'string') parts.push(`${key === 'code' ? '' : ''}${o[key]}`);
      for (const key of ['error', 'details', 'properties', 'statusMessage'])
        if (typeof o[key] === 'object') walk(o[key], depth + 1);
    }
  };
  walk(doc, 0);
  return parts.join('\n');
}

export async function runDiagnose(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      message: { type: 'string' },
      event: { type: 'string' },
      'deployment-error': { type: 'string' },
      live: { type: 'boolean', default: false },
      app: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const given = [values.message, values.event, values['deployment-error']].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new UsageError(`give exactly one of --message, --event, --deployment-error\n${DIAGNOSE_USAGE}`);
  if (values.message !== undefined && values.message.trim() === '') throw new UsageError('--message is empty');

  let events: FailureEvent[] = [];
  let text: string | undefined = values.message;
  if (values.event) {
    const items = parseIncoming(readJsonFile(values.event, 'event', io.cwd));
    const rejected = items.filter((i) => i.status === 'rejected');
    if (items.length === rejected.length)
      throw new UsageError(
        `event file ${values.event} holds no usable event: ${rejected.map((r) => r.error).join('; ')}`,
      );
    events = items.flatMap((i) => (i.status === 'accepted' ? [i.event] : []));
    if (events.length === 0) {
      const reasons = items.flatMap((i) => (i.status === 'ignored' ? [i.reason] : []));
      return finish(io, values.json, {
        triage: {
          kind: 'unrelated',
          candidates: ['unrelated'],
          meaning: explainKind('unrelated').meaning,
          facts: reasons,
          checks: [],
        },
      });
    }
    text = events
      .map((e) => [e.statusDetail?.statusMessage, e.statusDetail?.subStatus].filter(Boolean).join('\n'))
      .join('\n');
  }
  if (values['deployment-error'])
    text = textOfDeploymentError(readJsonFile(values['deployment-error'], 'deployment error', io.cwd));

  if (!values.live) {
    if (events.length > 0 && (text ?? '').trim() === '') {
      // An Event Grid event carries no error text (DOMAIN.md): only live state can say why.
      return finish(io, values.json, {
        triage: {
          candidates: [...triageCandidates('pull-refused'), ...kindsDecidedByPullError()],
          meaning: `A failed ${events[0]?.operationName ?? 'operation'} on ${events[0]?.resourceId ?? '?'}. Event Grid events carry no error text: run with --live to read the revision's provisioning error and the roles.`,
          facts: events.map(
            (e) => `${e.operationName} ${e.status} on ${e.resourceId} (correlation ${e.correlationId ?? '?'})`,
          ),
          checks: [
            'az containerapp revision list -n APP -g RG --query "[].{name:name,state:properties.provisioningState,error:properties.provisioningError}"',
          ],
        },
      });
    }
    return finish(io, values.json, adviseOnTriage(triageMessage(text ?? ''), text ?? ''));
  }

  // --live: read-only ARM access with the operator's login.
  let config;
  try {
    config = loadConfig({ ...io.env, REMEDIATOR_MODE: 'dry-run' });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const log = createLogger({ level: 'warn', destination: logDestination(io, false) });
  const target = resolveArmTarget(config, io.env);
  const arm = createSdkArmPort({
    endpoint: config.armEndpoint,
    credential: target.credential,
    ...(target.tlsCa ? { tlsCa: target.tlsCa } : {}),
    log,
    clock: { now: () => new Date() },
  });
  if (events.length === 0) {
    if (!values.app)
      throw new UsageError(
        '--live with --message or --deployment-error needs --app APP_ID (the container app the error is about)',
      );
    events = [syntheticEvent(values.app, text ?? '')];
  }
  const diagnoses: Diagnosis[] = [];
  for (const e of events)
    diagnoses.push(await diagnose(e, { arm: readOnly(arm), clock: { now: () => new Date() }, config, log }));
  return finish(io, values.json, { diagnoses });
}

/** The diagnosis never writes; this makes that a property of the port handed to it, not a promise. */
function readOnly(arm: ArmPort): ArmPort {
  const refuse = (): never => {
    throw new Error('remediator diagnose --live is read-only');
  };
  return { ...arm, createRoleAssignment: refuse, enableArmTokenAuth: refuse, createRevision: refuse };
}

function syntheticEvent(appId: string, message: string): FailureEvent {
  return {
    source: 'event-grid',
    id: `cli-${Date.now()}`,
    time: new Date().toISOString(),
    eventType: 'Microsoft.Resources.ResourceWriteFailure',
    subject: appId,
    resourceId: appId,
    operationName: 'Microsoft.App/containerApps/write',
    status: 'Failed',
    ...(message ? { statusDetail: { statusMessage: message } } : {}),
    raw: { cli: true },
  };
}

function finish(
  io: CliIo,
  json: boolean | undefined,
  result: { triage?: Triage; advice?: Advice; diagnoses?: Diagnosis[] },
): number {
  if (json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const p = painter(io.stdout, io.env);
  if (result.triage) {
    const t = result.triage;
    writeLine(
      io.stdout,
      t.kind
        ? `${p.bold('kind:')} ${p.cyan(t.kind)}`
        : `${p.bold('could be:')} ${t.candidates.map((c) => p.cyan(c)).join(', ')}`,
    );
    writeLine(io.stdout, `${p.bold('means:')} ${t.meaning}`);
    for (const f of t.facts) writeLine(io.stdout, `  • ${f}`);
    if (t.kind) writeLine(io.stdout, `${p.bold('remediation:')} ${explainKind(t.kind).remediation}`);
    if (t.checks.length) {
      writeLine(io.stdout, p.bold('check:'));
      // Commands to run start with "$ "; questions to answer and other advice do not.
      for (const c of t.checks) writeLine(io.stdout, /^(az|remediator) /.test(c) ? `  $ ${c}` : `  • ${c}`);
      const left = result.advice?.unfilled ?? [];
      if (left.length) writeLine(io.stdout, p.dim(`  (the text does not say ${left.join(', ')}: fill them in)`));
    }
    if (result.advice) {
      writeLine(io.stdout, `${p.bold('real state:')} read it with your Azure login (read-only), the full diagnosis:`);
      writeLine(io.stdout, `  $ ${result.advice.live}`);
    }
  }
  for (const d of result.diagnoses ?? []) {
    writeLine(io.stdout, `${p.bold('kind:')} ${p.cyan(d.kind)} — ${d.summary}`);
    for (const e of d.evidence) writeLine(io.stdout, `  • ${e}`);
    for (const s of d.manualSteps ?? []) writeLine(io.stdout, `  ${p.yellow('manual:')} ${s}`);
    writeLine(io.stdout, `${p.bold('remediation:')} ${explainKind(d.kind).remediation}`);
  }
  return 0;
}
