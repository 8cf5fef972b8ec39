// ESLint with type information (typescript-eslint): `npm run lint`, also run by `npm test` before jest.
// Each TypeScript folder is linted against the tsconfig it is compiled with; plain JS scripts get the rules that need no types.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** Rules on top of the recommended type-checked set, for every TypeScript file. */
const typedRules = {
  // In a proxy a rejected promise nobody handles ends the whole process: every promise is awaited, caught, or marked
  // `void` with a reason where it cannot reject.
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  // A switch over a union names every member (or has a default): a new member is a compile-time question, not a silent fall-through.
  '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
  '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', 'certs/**', 'test/fixtures/**'],
  },
  // A disable comment that no longer disables anything is an error (each one says why in the same comment:
  // `-- reason`; test/unit/lint-disables.test.ts checks that).
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { tsconfigRootDir: root } },
    rules: typedRules,
  },
  // The program each folder is compiled in (`npm run build`, `npm run typecheck`).
  { files: ['src/**/*.ts'], ignores: ['src/dashboard/**'], languageOptions: { parserOptions: { project: './tsconfig.json' } } },
  { files: ['src/dashboard/**/*.ts'], languageOptions: { parserOptions: { project: './src/dashboard/tsconfig.json' }, globals: globals.browser } },
  { files: ['test/**/*.ts', 'scripts/**/*.ts'], languageOptions: { parserOptions: { project: './test/tsconfig.json' } } },
  {
    // Tests read JSON bodies, parsed events and browser results as `any` on purpose and assert on them with expect():
    // the no-unsafe-* rules would ask for a type cast on every such line (about 150 of them) and check nothing more.
    // src/ keeps every one of these rules.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
);
