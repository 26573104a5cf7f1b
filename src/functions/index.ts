/**
 * Entry point of the Function app (esbuild bundles this file into dist/main.js): registers every trigger.
 * Settings are checked once at start-up, every problem logged; invocations then answer with the same error.
 */
import { checkConfigAtStartup } from '../runtime';
import { registerInvocationTracing } from './invocation-trace';
import './event-grid-failures';
import './event-grid-webhook';
import './activity-log-alert';
import './outbox-timer';
import './heal-check';
import './approval';

registerInvocationTracing();
checkConfigAtStartup();
