/** Jest runs the TypeScript sources directly (ts-jest, transpile only: tsc -b type-checks); packages resolve to their src. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }] },
  moduleNameMapper: { '^@brine/([a-z]+)$': '<rootDir>/packages/$1/src/index.ts', '^@brine/([a-z]+)/dist/(.+)$': '<rootDir>/packages/$1/src/$2' },
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/dist/'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
