/** Jest: TypeScript through @swc/jest as ES modules (slonik 49 is ESM-only). Run it with `npm test`. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  testTimeout: 60_000,
  maxWorkers: 2,
  verbose: true,
};
