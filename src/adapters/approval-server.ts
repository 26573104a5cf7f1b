/**
 * A local HTTP server for the approval route (node:http on loopback): what the Function app serves in Azure, for the
 * harness, the demo and the browser test. The harness supplies the signed-in principal header (as App Service
 * authentication would); `principalHeader` may change between requests.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApprovalDeps } from '../approve/flow';
import { handleApprovalRequest, type ApprovalResponse } from '../approve/http';
import { describeErrorMessage } from '../errors';

export interface ApprovalServer {
  /** Base URL of the approval page, e.g. http://127.0.0.1:43121/api/approval */
  url: string;
  /** The principal the next requests carry (base64 X-MS-CLIENT-PRINCIPAL), or undefined for none. */
  principalHeader: string | undefined;
  /** Called with every response that approved something (heal follow-ups). */
  onApproved?: (r: ApprovalResponse) => void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) break;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `deps` may be a function: the harness starts the server first (its URL is a setting), then builds the deps. */
export async function startApprovalServer(
  deps: ApprovalDeps | (() => ApprovalDeps),
  opts: { principalHeader?: string } = {},
): Promise<ApprovalServer> {
  const handle: ApprovalServer = {
    url: '',
    principalHeader: opts.principalHeader,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req, 64 * 1024);
        const r = await handleApprovalRequest(
          {
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            header: (name) => {
              const n = name.toLowerCase();
              // App Service authentication replaces whatever the client sent; so does this stand-in.
              if (n === 'x-ms-client-principal') return handle.principalHeader;
              const v = req.headers[n];
              return Array.isArray(v) ? v[0] : v;
            },
            body,
          },
          typeof deps === 'function' ? deps() : deps,
        );
        if (r.outcome) handle.onApproved?.(r);
        res.writeHead(r.status, { ...r.headers, connection: 'close' });
        res.end(r.body);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' });
        res.end(`approval failed: ${describeErrorMessage(err)}`);
      }
    })();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/approval`;
  return handle;
}
