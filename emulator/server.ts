/**
 * The ARM emulator: a local Azure Resource Manager over HTTPS on 127.0.0.1 that the real @azure/arm-* SDK clients talk
 * to unmodified (endpoint + credential + tlsOptions.ca). This file starts one: it wires the state (./state), the HTTP
 * layer (./http: auth, routing, LROs, events, faults) and the resource providers (./providers), and returns the
 * RunningEmulator handle of ./api.ts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorOptions, RequestLogEntry, RunningEmulator } from './api';
import { getTlsIdentity } from './cert';
import { DEFAULT_CALLER_OBJECT_ID } from './http/auth';
import { ArmEvents } from './http/events';
import { FaultInjector } from './http/faults';
import { createRequestHandler } from './http/handler';
import { LongRunningOperations } from './http/lro';
import { listReply } from './http/paging';
import { keyOf } from './ids';
import type { Arm } from './providers';
import { EmulatorState } from './state';
import { validateWorld } from './world';

export { DEFAULT_CALLER_OBJECT_ID };

export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const world = validateWorld(opts.world, 'world');
  const state = new EmulatorState(world, {
    ...(opts.propagationDelayMs !== undefined ? { propagationDelayMs: opts.propagationDelayMs } : {}),
    ...(opts.propagation !== undefined ? { propagation: opts.propagation } : {}),
  });
  if (opts.activityLogDelayMs !== undefined) state.activityLogDelayMs = opts.activityLogDelayMs;
  const tls = await getTlsIdentity();
  let endpoint = '';
  const events = new ArmEvents(state);
  const arm: Arm = {
    state,
    events,
    lro: new LongRunningOperations(state, () => endpoint),
    list: (ctx, value) => listReply(ctx, value, opts.pageSize, endpoint),
    pageSize: opts.pageSize,
  };
  const faults = new FaultInjector();
  const requestLog: RequestLogEntry[] = [];
  let latencyMs = opts.latencyMs ?? 0;
  const handle = createRequestHandler({
    arm,
    faults,
    requestLog,
    latencyMs: () => latencyMs,
    defaultCaller: opts.callerPrincipalId ?? DEFAULT_CALLER_OBJECT_ID,
    enforceRbac: opts.enforceRbac === true,
  });

  const sockets = new Set<Socket>();
  const server = https.createServer({ key: tls.key, cert: tls.cert, keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(err) } }));
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  endpoint = `https://127.0.0.1:${port}`;
  const caPath = opts.caPath ?? join(tmpdir(), `arm-emulator-ca-${process.pid}-${port}.pem`);
  writeFileSync(caPath, tls.cert);
  const ownsCaFile = opts.caPath === undefined;

  return {
    endpoint,
    ca: tls.cert,
    caPath,
    port,
    clock: state.clock,
    requestLog,
    clearRequestLog: () => {
      requestLog.length = 0;
    },
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    drainEvents: () => events.drain(),
    snapshot: () => state.snapshot(),
    canPull: (principalId, image) => state.canPull(principalId, image),
    setLroStyle: (resourceId, style) => {
      state.lroStyles.set(keyOf(resourceId), style);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          if (ownsCaFile) rmSync(caPath, { force: true });
          resolve();
        });
      }),
  };
}
