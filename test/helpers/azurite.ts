// Azurite in-process lives in src/local/azurite.ts (the demo and `simulate` use it too).
export * from '../../src/local/azurite';
