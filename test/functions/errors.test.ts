/**
 * src/errors.ts decides what the triggers retry (throw / 500) and what they acknowledge.
 * Real error objects: RestError from @azure/core-rest-pipeline, undici/fetch failures, AbortSignal.timeout.
 */
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { createServer } from 'node:http';
import { describeError, isTransientError, rethrowIfTransient, toRetryOrAcknowledge } from '../../src/errors';
import { RemediatorError } from '../../src/model';

const restError = (statusCode: number | undefined, code?: string, headers: Record<string, string> = {}): RestError => {
  const request = createPipelineRequest({ url: 'https://management.azure.com/subscriptions/s?api-version=2022-12-01' });
  return new RestError(`ARM said ${statusCode ?? 'nothing'}`, {
    ...(code ? { code } : {}),
    ...(statusCode !== undefined
      ? { statusCode, response: { request, status: statusCode, headers: createHttpHeaders(headers) } }
      : {}),
    request,
  });
};

describe('isTransientError', () => {
  it.each([408, 429, 500, 502, 503, 504])('RestError %i is transient', (status) => {
    expect(isTransientError(restError(status))).toBe(true);
  });
  it.each([400, 401, 403, 404, 409, 412, 501])('RestError %i is not', (status) => {
    expect(isTransientError(restError(status))).toBe(false);
  });

  it.each([
    'ECONNRESET',
    'ETIMEDOUT',
    'ECONNREFUSED',
    'EAI_AGAIN',
    'EPIPE',
    'ESOCKETTIMEDOUT',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
  ])('network code %s is transient', (code) => {
    expect(isTransientError(Object.assign(new Error('socket'), { code }))).toBe(true);
  });

  it('a RestError without status (request never answered) is transient', () => {
    expect(isTransientError(restError(undefined, 'REQUEST_SEND_ERROR'))).toBe(true);
  });

  it('follows the cause of a real fetch() failure to a closed port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await fetch(`http://127.0.0.1:${port}/`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('TypeError'); // fetch failed, cause: ECONNREFUSED
    expect(isTransientError(err)).toBe(true);
  });

  it('a real AbortSignal timeout is transient', async () => {
    const err = await new Promise((_, reject) => {
      const s = AbortSignal.timeout(1);
      s.addEventListener('abort', () => reject(s.reason as Error));
    }).catch((e: unknown) => e);
    expect(isTransientError(err)).toBe(true);
  });

  it('our own error decides explicitly, whatever it wraps', () => {
    expect(isTransientError(new RemediatorError('store-busy', 'table busy', { transient: true }))).toBe(true);
    expect(isTransientError(new RemediatorError('bad', 'permanent', { cause: restError(503) }))).toBe(false);
  });

  it.each([
    [new Error('bug')],
    [new TypeError('x is undefined')],
    ['a string'],
    [undefined],
    [null],
    [{ statusCode: '503' }],
  ])('%p is not transient', (err) => {
    expect(isTransientError(err)).toBe(false);
  });
});

describe('toRetryOrAcknowledge / rethrowIfTransient', () => {
  it('retries transient faults and acknowledges the rest', () => {
    expect(toRetryOrAcknowledge(restError(429)).action).toBe('retry');
    expect(toRetryOrAcknowledge(restError(403, 'AuthorizationFailed')).action).toBe('acknowledge');
    expect(() => rethrowIfTransient(restError(503))).toThrow('ARM said 503');
    expect(rethrowIfTransient(restError(404))).toMatchObject({ statusCode: 404, transient: false });
  });
});

describe('describeError', () => {
  it("keeps ARM's correlation request id, code and status", () => {
    const d = describeError(
      restError(403, 'AuthorizationFailed', { 'x-ms-correlation-request-id': 'corr-123', 'x-ms-request-id': 'req-9' }),
    );
    expect(d).toMatchObject({
      name: 'RestError',
      code: 'AuthorizationFailed',
      statusCode: 403,
      correlationRequestId: 'corr-123',
      requestId: 'req-9',
      transient: false,
    });
  });

  it('scrubs secrets out of messages and describes causes', () => {
    const err = new Error('POST https://hooks.slack.com/services/T1/B2/SecretHook failed', {
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    });
    const d = describeError(err);
    expect(d.message).not.toContain('SecretHook');
    expect(d.cause).toMatchObject({ code: 'ECONNRESET', transient: true });
    expect(d.transient).toBe(true);
  });

  it('describes thrown non-errors', () => {
    expect(describeError('boom')).toMatchObject({ name: 'string', message: 'boom', transient: false });
  });
});
