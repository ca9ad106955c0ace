// Layer rules (DESIGN.md §1): electron/common is pure; renderer never reaches into electron/main;
// preload only exposes the contract.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net', 'zlib', 'url', 'stream'];
const nodeImportPatterns = [
  { group: ['node:*'], message: 'electron/common is pure: no Node built-ins (move I/O to electron/main).' },
  ...nodeBuiltins.map((m) => ({ group: [m, `${m}/*`], message: 'electron/common is pure: no Node built-ins.' })),
  { group: ['electron', 'electron/*'], message: 'electron/common must not import Electron.' },
  { group: ['onnxruntime-node'], message: 'electron/common must not import onnxruntime-node.' },
];

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-output/**', 'models/**', 'renderer/dist/**', '**/*.mjs', '**/*.cjs'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['electron/common/**/*.ts'],
    ignores: ['electron/common/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...nodeImportPatterns, { group: ['**/main/**', '**/cli/**', '**/renderer/**'], message: 'electron/common imports no higher layer.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    rules: {
      // `paths` (exact module names), not gitignore-style `patterns`: the pattern "electron" would
      // also match every '../electron/common/...' import, which the renderer is meant to use.
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/electron/main/**', '**/electron/cli/**', '**/electron/preload/**'], message: 'The renderer talks to the engine only through bridge.ts.' },
          { group: ['node:*'], message: 'The renderer is sandboxed: no Node or Electron modules.' },
        ],
        paths: ['electron', 'fs', 'path'].map((name) => ({ name, message: 'The renderer is sandboxed: no Node or Electron modules.' })),
      }],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'The engine never imports the renderer.' }] }],
    },
  },
  {
    files: ['electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron'], message: 'The CLI runs under plain Node: no Electron import.' },
        { group: ['**/renderer/**'], message: 'The engine never imports the renderer.' },
      ] }],
    },
  },
);
