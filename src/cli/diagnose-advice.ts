/**
 * `remediator diagnose` offline, as a person reads it (pure): the values the text names filled into the checks (no
 * APP/RG/CALLER/SCOPE placeholders when the text says them), which placeholders are left to fill, the `--live`
 * command that reads the real state, and a plain word when the text is not recognised.
 */
import { matchPullError, parseAuthorizationFailed } from '../diagnose';
import type { Triage } from './triage';

export interface Advice {
  /** The values the text names, by placeholder (APP, RG, REGISTRY, SERVER, REPO, CALLER, SCOPE, ACTION, APP_ID). */
  values: Record<string, string>;
  /** Placeholders still in the checks: the text did not say them. */
  unfilled: string[];
  /** The command that reads the real state with the operator's login and runs the full diagnosis. */
  live: string;
  /** The text was recognised (an image pull error or an AuthorizationFailed). */
  recognised: boolean;
}

/** Placeholders the catalog's checks use (src/kinds.ts), longest first so APP_ID is not read as APP. */
const PLACEHOLDERS = [
  'SYSTEM_PRINCIPAL_ID',
  'PRINCIPAL_ID',
  'REGISTRY_ID',
  'IDENTITY_ID',
  'REGISTRY',
  'APP_ID',
  'SERVER',
  'CALLER',
  'ACTION',
  'SCOPE',
  'REPO',
  'APP',
  'RG',
];
const PLACEHOLDER = new RegExp(`(?<![A-Za-z0-9_./-])(${PLACEHOLDERS.join('|')})(?![A-Za-z0-9_-])`, 'g');

const CONTAINER_APP_ID =
  /\/subscriptions\/[^/\s'"]+\/resourceGroups\/([^/\s'"]+)\/providers\/Microsoft\.App\/(?:containerApps|jobs)\/([^/\s'"]+)/i;

/** What the text names, by placeholder. */
export function extractValues(text: string): Record<string, string> {
  const v: Record<string, string> = {};
  const set = (k: string, value: string | undefined): void => {
    if (value && v[k] === undefined) v[k] = value;
  };
  const authz = parseAuthorizationFailed(text);
  if (authz) {
    set('CALLER', authz.callerObjectId);
    set('SCOPE', authz.scope);
    set('ACTION', authz.action);
  }
  const pull = matchPullError(text);
  if (pull) {
    const server = pull.loginServer ?? pull.image?.loginServer;
    set('SERVER', server);
    if (server?.endsWith('.azurecr.io')) set('REGISTRY', server.slice(0, -'.azurecr.io'.length));
    set('REPO', pull.repository);
  }
  const app = CONTAINER_APP_ID.exec(text);
  if (app) {
    set('APP_ID', app[0]);
    set('RG', app[1]);
    set('APP', app[2]);
  }
  set('APP', /container app '([^']+)'/i.exec(text)?.[1]);
  set('RG', /\/resourceGroups\/([^/\s'"]+)/i.exec(text)?.[1]);
  return v;
}

/** The checks with every value the text names filled in; the placeholders left. */
export function fillChecks(
  checks: readonly string[],
  values: Record<string, string>,
): { checks: string[]; unfilled: string[] } {
  const unfilled = new Set<string>();
  const filled = checks.map((c) =>
    c.replace(PLACEHOLDER, (p: string) => {
      const value = values[p];
      if (value === undefined) unfilled.add(p);
      return value ?? p;
    }),
  );
  return { checks: filled, unfilled: [...unfilled] };
}

/** Quote for a POSIX shell. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The triage with values filled in, and what a person does next. */
export function adviseOnTriage(t: Triage, text: string): { triage: Triage; advice: Advice } {
  const values = extractValues(text);
  const recognised = t.kind !== 'unknown';
  let checks = t.checks;
  let meaning = t.meaning;
  if (!recognised) {
    const code = /\(([A-Za-z]+)\)/.exec(t.meaning)?.[1];
    meaning =
      'Not recognised: this text is neither an image pull error nor an AuthorizationFailed that the remediator knows' +
      `${code ? ` (ARM error code ${code})` : ''}. Nothing is guessed.`;
    checks = [
      'Give the full error text: the revision provisioningError (az containerapp revision list -n APP -g RG --query "[].properties.provisioningError"), or --deployment-error with the deployment\'s error JSON.',
    ];
  }
  const { checks: filled, unfilled } = fillChecks(checks, values);
  const app =
    values['APP_ID'] ?? (values['SCOPE'] && CONTAINER_APP_ID.test(values['SCOPE']) ? values['SCOPE'] : undefined);
  const appArg = app
    ? shellQuote(app)
    : values['APP']
      ? `"$(az containerapp show -n ${values['APP']} -g ${values['RG'] ?? 'RG'} --query id -o tsv)"`
      : 'APP_ID';
  const message = text.length <= 240 ? shellQuote(text) : '"$ERROR_TEXT"   # the same error text';
  const live = `remediator diagnose --live --app ${appArg} --message ${message}`;
  return {
    triage: { ...t, meaning, checks: filled },
    advice: { values, unfilled, live, recognised },
  };
}
