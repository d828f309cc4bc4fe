import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Packages with I/O or a runtime of their own: never in the pure layers. */
const RUNTIMES = [
  '@temporalio/activity',
  '@temporalio/worker',
  '@temporalio/client',
  '@temporalio/testing',
  '@elastic/*',
  'openai',
  '@huggingface/*',
  'onnxruntime-*',
  'js-tiktoken*',
];
const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code is replayed: it may only orchestrate. No Node built-ins, no I/O clients,
    // and activities by type only (proxyActivities); the rules it applies come from src/migration.
    files: ['src/workflows/**/*.ts', 'src/canary/canary-workflow.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins (use activities for I/O).' })),
          patterns: [
            { group: RUNTIMES, message: 'Workflow code must not import I/O clients or runtimes; call an activity.' },
            {
              regex: '^\\.\\./(?!migration/|canary/canary(-workflow)?\\.js$|errors\\.js$)',
              allowTypeImports: true,
              message: 'Workflows import the migration layer and the canary domain; activities by type only.',
            },
            {
              regex: '^\\./canary-(activities|client)\\.js$',
              allowTypeImports: true,
              message: 'The canary workflow imports the canary domain; its activities by type only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow: a durable timer.' },
        { name: 'setInterval', message: 'Use sleep() in a loop.' },
      ],
    },
  },
  {
    // The migration layer is pure: rules and the contract, no I/O, no Temporal runtime.
    files: ['src/migration/**/*.ts', 'src/canary/canary.ts', 'src/errors.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'The migration layer is pure: no Node built-ins.' })),
          patterns: [
            { group: [...RUNTIMES, '@temporalio/workflow'], message: 'The migration layer is pure: no Temporal runtime or I/O clients.' },
            {
              regex: '^\\.\\./(?!errors\\.js$|registry/collection-record\\.js$)',
              allowTypeImports: true,
              message: 'The migration layer imports only errors and the registry record schema (types may come from anywhere).',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
