// Lint configuration: typescript-eslint's recommended, type-aware rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.hearth-test/**', 'test-artifacts/**'] },
  js.configs.recommended,
  {
    // The regex matches meson.build text with its two-space indent; rewriting it
    // would change the worker build's cache key and force a rebuild for nothing.
    files: ['media/worker-build/build-worker.mjs'],
    rules: { 'no-regex-spaces': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      'no-restricted-properties': ['error', {
        object: 'process', property: 'env',
        message: 'Only config/ reads process.env; take configuration as a constructor argument.',
      }],
    },
  },
  {
    files: ['config/**/*.ts', 'test/**/*.ts', '**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
