/**
 * The emulator's TLS identity: a self-signed certificate for 127.0.0.1 / localhost (SAN IP + DNS), generated once per
 * process with `selfsigned` (v5, async) and cached, so starting many emulators in one test process stays fast.
 */
import selfsigned from 'selfsigned';

export interface TlsIdentity {
  key: string;
  cert: string;
}

let cached: Promise<TlsIdentity> | undefined;

export function getTlsIdentity(): Promise<TlsIdentity> {
  cached ??= generateTlsIdentity().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function generateTlsIdentity(): Promise<TlsIdentity> {
  const notBeforeDate = new Date(Date.now() - 24 * 3600_000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
