/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  testTimeout: 30000,
  maxWorkers: 2,
  // A worker asked to end has no handle left (measured: only its stdio pipes at the end message) and exits within
  // ~0.1 s on a quiet machine, but a loaded 2-core machine (load 15–30 with helpers and benchmarks) can take longer
  // than jest's 500 ms default; it was then force-exited with a "failed to exit gracefully" warning. Give it 5 s.
  workerGracefulExitTimeout: 5000,
};
