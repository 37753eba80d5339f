// Type-aware lint for the whole workspace (`npm run lint`, zero warnings). Formatting is Prettier's job
// (`npm run format`), so no stylistic rule lives here.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.polyshop/**', '.servers/**', '**/target/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's describe/it return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // `let x; … closures using x …; x = …` is the only way to hand a late value to a callback.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Ports return promises; an adapter whose work is synchronous still implements them as async.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // A service uses another only through its client and events: type imports of the owner's package
    // (so the compiler holds the seam), never a runtime import of another service.
    files: ['packages/services/*/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@polyshop/*',
                '!@polyshop/kernel',
                '!@polyshop/stores',
                '!@polyshop/bus',
                '!@polyshop/http',
                '!@polyshop/migration',
              ],
              allowTypeImports: true,
              message:
                'Import another service as types only (`import type`); reach it through context.client().',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies (`response.json()` is `any`) and assert on them field by field.
    files: [
      '**/test/**/*.ts',
      '**/*.test.ts',
      'packages/platform/testing/**/*.ts',
      'packages/testing/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
