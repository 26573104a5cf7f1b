/**
 * The start-up settings check, apart from the runtime so that checking costs the config module and the logger only
 * (src/functions/index.ts runs it right after registering the triggers; dist/startup-check.js in the bundle).
 */
import { ConfigError, loadConfig } from './config';
import { describeError } from './errors';
import { createLogger, type Logger } from './logging';

/**
 * Validate the settings at start-up and log every problem at once (stderr JSON line via pino). Returns the problems
 * (empty when valid). The Function app still loads so that every invocation can answer with the error.
 */
export function checkConfigAtStartup(env: Record<string, string | undefined> = process.env, log?: Logger): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [describeError(err).message];
    const logger = log ?? createLogger({ level: 'error', destination: process.stderr });
    logger.fatal(
      { problems },
      `acr-remediator configuration is invalid (${problems.length} problem(s)); every invocation will fail until fixed:\n  - ${problems.join('\n  - ')}`,
    );
    return problems;
  }
}
