// Shared by every package: tests are TypeScript compiled per file (type checking is `typecheck`'s
// job), run as CommonJS against the built `dist/` of workspace dependencies.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', target: 'ES2022', esModuleInterop: true },
      },
    ],
  },
  testTimeout: 120000,
};
