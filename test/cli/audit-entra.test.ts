/**
 * `remediator audit --account-url` with an Entra ID login, against Azurite's Table service over HTTPS with its basic
 * OAuth (bearer tokens checked for issuer, storage audience and lifetime; not for role assignments, which Azurite does
 * not model): the command reads with the given credential (asking for the storage scope), never creates a table
 * (a reader-only login could not), and says which data-plane role is needed when storage refuses.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOutput } from '../helpers/cli-run';
import { TableServiceClient } from '@azure/data-tables';
import { getTlsIdentity } from '../../emulator/cert';
import { createTableStore } from '../../src/adapters/table-store';
import { AUDIT_READER_ROLE, runAuditCommand } from '../../src/cli/audit';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite';

/** An unsigned token shaped like an Entra ID token (what Azurite's basic OAuth checks). */
function entraLikeToken(aud = 'https://storage.azure.com'): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({
    aud,
    iss: 'https://sts.windows.net/00000000-0000-4000-8000-0000000000aa/',
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3600,
    oid: '0a11ce00-0000-4000-8000-00000000a11c',
  })}.c2ln`;
}

function recordingCredential(aud?: string): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    getToken: async (s: string | string[]): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(s) ? s : [s]));
      return { token: entraLikeToken(aud), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

let azurite: RunningAzurite;
let dir: string;
let ca: string;
let accountUrl: string;

beforeAll(async () => {
  const tls = await getTlsIdentity();
  ca = tls.cert;
  dir = mkdtempSync(join(tmpdir(), 'audit-entra-'));
  writeFileSync(join(dir, 'cert.pem'), tls.cert);
  writeFileSync(join(dir, 'key.pem'), tls.key);
  azurite = await startAzurite({ tableTls: { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') } });
  accountUrl = azurite.tableEndpoint;
  // The remediator wrote two records (its own identity: it may create the tables).
  const writer = await createTableStore({
    connection: { accountUrl, credential: recordingCredential() },
    claimsTable: 'entraclaims',
    auditTable: 'entraaudit',
    tlsCa: ca,
  });
  for (const [i, status] of ['diagnosed', 'applied'].entries())
    await writer.appendAudit({
      id: `2026-12-02T05:0${i}:00.000Z-entra-${i}`,
      at: `2026-12-02T05:0${i}:00.000Z`,
      mode: 'auto-fix',
      eventId: 'entra-event',
      stage: i === 0 ? 'diagnose' : 'action',
      status,
      detail: { summary: `record ${i}` },
    });
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function audit(
  argv: string[],
  credential: TokenCredential,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const c = captureOutput();
  const code = await runAuditCommand(argv, { stdout: c.stdout, stderr: c.stderr, env }, { credential, tlsCa: ca });
  return { code, out: c.out(), err: c.err() };
}

const tableNames = async (): Promise<string[]> => {
  const service = new TableServiceClient(accountUrl, recordingCredential(), { tlsOptions: { ca } });
  const names: string[] = [];
  for await (const t of service.listTables()) names.push(t.name ?? '');
  return names.sort();
};

it('reads the deployed audit table with the operator’s Entra login (storage scope), no settings needed', async () => {
  const login = recordingCredential();
  const r = await audit(['--account-url', accountUrl, '--json'], login, { REMEDIATOR_AUDIT_TABLE: 'entraaudit' });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const { records } = JSON.parse(r.out) as { records: Array<{ status: string; eventId: string }> };
  expect(records.map((x) => [x.eventId, x.status])).toEqual([
    ['entra-event', 'diagnosed'],
    ['entra-event', 'applied'],
  ]);
  expect(new Set(login.scopes)).toEqual(new Set(['https://storage.azure.com/.default']));
});

it('never creates a table: a missing audit table is an error, and still missing afterwards', async () => {
  const before = await tableNames();
  const r = await audit(['--account-url', accountUrl], recordingCredential(), {
    REMEDIATOR_AUDIT_TABLE: 'nosuchaudit',
  });
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/could not read the audit store/);
  expect(await tableNames()).toEqual(before);
  expect(before).not.toContain('nosuchaudit');
});

it('a token storage refuses: exit 1, and the role the login needs is named', async () => {
  // A token for another audience: storage answers 403 (AuthenticationFailed / authorization mismatch alike).
  const r = await audit(['--account-url', accountUrl], recordingCredential('https://management.azure.com'), {
    REMEDIATOR_AUDIT_TABLE: 'entraaudit',
  });
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/could not read the audit store/);
  expect(r.err).toContain(AUDIT_READER_ROLE);
});

it('an --account-url that is not an https Table endpoint is a usage error', async () => {
  const r = await audit(['--account-url', 'http://example.com'], recordingCredential());
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/--account-url: the storage account's https:\/\/ Table endpoint/);
});
