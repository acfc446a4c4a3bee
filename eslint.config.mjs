import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The import rules of docs/architecture.md, enforced: data flows datasets → trainer ← models, the
// backend is wired by the apps, and no package reaches into another's files.
const INTO_ANOTHER_PACKAGE = {
  group: ['**/packages/**', '**/apps/**', '../../*/src/**', '../../../*/src/**', '@zoo/*/src', '@zoo/*/src/**', '@zoo/*/dist', '@zoo/*/dist/**'],
  message: "import another package by its name and public exports (docs/architecture.md), not by its files",
};

// Node-only code (docs/architecture.md, "Browser and Node"): a package's browser-safe files may not
// import another package's Node part, nor @zoo/fs, which is all Node.
const NODE_ONLY = {
  group: ['@zoo/*/node', '@zoo/fs', '@zoo/fs/*'],
  message: "Node-only: import it from this package's src/node/ only, so the main entry bundles for a browser (docs/architecture.md)",
};

/** `allowed` are the only @zoo packages (and their subpaths) that a library's src may import. */
function importRules(pkg, allowed) {
  const zoo = {
    group: ['@zoo/*', ...allowed.flatMap((name) => [`!@zoo/${name}`, `!@zoo/${name}/*`])],
    message: `@zoo/${pkg} may import ${allowed.length === 0 ? 'no other @zoo package' : allowed.map((n) => `@zoo/${n}`).join(', ') + ' only'} (docs/architecture.md)`,
  };
  return [
    {
      files: [`packages/${pkg}/src/**/*.ts`],
      ignores: [`packages/${pkg}/src/node/**`],
      rules: { 'no-restricted-imports': ['error', { patterns: [zoo, NODE_ONLY, INTO_ANOTHER_PACKAGE] }] },
    },
    {
      files: [`packages/${pkg}/src/node/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: [zoo, INTO_ANOTHER_PACKAGE] }] },
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/runs/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Scripts run by hand in Node.
    files: ['**/scripts/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', performance: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  ...importRules('backend', []),
  ...importRules('fs', []),
  ...importRules('analysis', []),
  ...importRules('datasets', ['fs']),
  ...importRules('trainer', ['layers', 'fs']),
  // layers re-exports the analysis names it held before @zoo/analysis existed (deprecated).
  ...importRules('layers', ['analysis', 'fs']),
  ...importRules('lenet', ['layers']),
  ...importRules('alexnet', ['layers']),
  ...importRules('models', ['layers', 'lenet', 'alexnet']),
  ...importRules('test-kit', []),
  {
    files: ['apps/*/src/**/*.ts', 'packages/*/test/**/*.ts', 'apps/*/test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [INTO_ANOTHER_PACKAGE] }] },
  },
  {
    // The playground's src is a web page: nothing Node-only (vite.config.ts, scripts/ and test/ run in Node).
    files: ['apps/playground/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            INTO_ANOTHER_PACKAGE,
            { group: ['node:*', 'fs', 'path', 'crypto', 'worker_threads', 'os', 'http'], message: 'the playground runs in a browser: no Node built-ins (docs/architecture.md)' },
            { group: ['@zoo/*/node'], message: "the playground runs in a browser: use a package's main entry, not its ./node one" },
          ],
        },
      ],
    },
  },
);
