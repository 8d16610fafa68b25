// Type-aware lint: the rules that matter most here catch a forgotten `await session.save()`
// (no-floating-promises) and a promise passed where a callback is expected (no-misused-promises).
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

// The three shelves of src/ (DESIGN.md): imports point down only, and never in a circle.
// eslint-plugin-import-x rather than dependency-cruiser: dependency-cruiser 17+ needs Node 22
// (this project supports Node 20), and import-x runs inside the existing flat config and
// `eslint .`, resolving the `.js` specifiers to `.ts` sources through the TypeScript resolver.
const CORE = ['src/{seal,keys,cookie,errors}.ts', 'src/_internal/**']
const SESSION = ['src/{session,jwt,denylist,csrf,iron}.ts', 'src/{session,jwt,denylist}/**']
const ADAPTERS = ['src/{web,next,express,hono}.ts', 'src/{express,hono}/**']

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-output/**',
      '**/.next/**',
      '**/next-env.d.ts',
      'examples/**',
      '*.config.ts',
      '*.config.js',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Tests poke at hostile inputs on purpose.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The TypeScript parser for the files no-cycle follows, and the resolver for `.js` → `.ts`.
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: './tsconfig.json', alwaysTryTypes: true }),
      ],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: CORE,
              from: [...SESSION, ...ADAPTERS],
              message: 'core modules import nothing from the session or adapter shelves',
            },
            {
              target: SESSION,
              from: ADAPTERS,
              message: 'session modules import nothing from the adapters',
            },
          ],
        },
      ],
    },
  },
)
