/**
 * Correlate the remediator's spans with the Functions invocation: the host (host.json `telemetryMode:
 * OpenTelemetry`) hands each invocation its W3C trace context; a pre-invocation hook runs the handler inside it, so
 * the event's spans are children of the invocation's request in Application Insights (one operation id).
 * This is what @azure/functions-opentelemetry-instrumentation does; done here in a few lines because that package
 * (0.2.0) pins an old @opentelemetry/instrumentation the distro does not share. Without a registered propagator
 * (telemetry not configured) the extracted context is empty and the hook costs one function call.
 */
import { app } from '@azure/functions';
import { context, propagation } from '@opentelemetry/api';

let registered = false;

export function registerInvocationTracing(): void {
  if (registered) return;
  registered = true;
  app.hook.preInvocation((ctx) => {
    const tc = ctx.invocationContext.traceContext;
    if (!tc?.traceParent) return;
    const parent = propagation.extract(context.active(), {
      traceparent: tc.traceParent,
      ...(tc.traceState ? { tracestate: tc.traceState } : {}),
    });
    const handler = ctx.functionHandler as (...args: unknown[]) => unknown;
    ctx.functionHandler = (...args: unknown[]): unknown => context.with(parent, () => handler(...args));
  });
}
