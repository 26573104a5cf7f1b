export { startEmulator, DEFAULT_CALLER_OBJECT_ID } from './server';
export { loadWorld, validateWorld, WorldError } from './world';
export { runEmulatorCommand } from './cli';
export type * from './api';
