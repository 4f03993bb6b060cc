// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'generated/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='RegExp']",
          message: 'Do not build regexes at run time (hostile input); use src/glob.',
        },
      ],
    },
  },
  {
    // AssemblyScript (compiled by asc, not run as JavaScript): its 64-bit integer literals (u64)
    // are exact.
    files: ['assembly/**/*.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
);
