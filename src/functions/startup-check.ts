/** The start-up settings check alone (dist/startup-check.js: config and logger, none of the handlers' modules). */
export { checkConfigAtStartup } from '../config-check';
