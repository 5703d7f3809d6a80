/** Jest runs TypeScript through SWC (no type-check: `npm test` runs `tsc --noEmit` first). */
const swc = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // @middy/core ships ES modules only; compile it to CommonJS like our own sources.
  transform: { '^.+\\.ts$': swc, '^.+/node_modules/@middy/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  testTimeout: 30000,
};
