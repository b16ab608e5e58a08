// ESLint 9 flat config for the whole workspace (`nx run-many -t lint` runs `eslint .` in each project).
// The module-boundary rule turns the README's arrows into errors: contract <- client <- apps, the simulator speaks
// only the contract, no app imports another app; tests may also use what their package declares for testing.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const CONTRACT = 'type:contract';
const CLIENT = 'type:client';
const SIMULATOR = 'type:simulator';
const APP = 'type:app';
const E2E = 'type:e2e';
const TOOLS = 'type:tools';

/** Who may import whom, in source (`src/`, `bin/`, tools). */
const sourceArrows = [
  { sourceTag: CONTRACT, onlyDependOnLibsWithTags: [CONTRACT] },
  { sourceTag: CLIENT, onlyDependOnLibsWithTags: [CONTRACT] },
  { sourceTag: SIMULATOR, onlyDependOnLibsWithTags: [CONTRACT] },
  { sourceTag: APP, onlyDependOnLibsWithTags: [CLIENT, CONTRACT] },
  { sourceTag: E2E, onlyDependOnLibsWithTags: [APP, CLIENT, SIMULATOR, CONTRACT] },
  { sourceTag: TOOLS, onlyDependOnLibsWithTags: [APP, CLIENT, SIMULATOR, CONTRACT] },
];

/** Tests may also start the simulator (a declared devDependency); the simulator's own tests still never use the client. */
const testArrows = sourceArrows.map((arrow) =>
  arrow.sourceTag === CLIENT || arrow.sourceTag === APP ? { ...arrow, onlyDependOnLibsWithTags: [...arrow.onlyDependOnLibsWithTags, SIMULATOR] } : arrow,
);

const boundaries = (depConstraints) => ({
  '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints }],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '**/coverage/**', '.nx/**', '**/test/fixtures/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { '@nx': nx },
    rules: {
      ...boundaries(sourceArrows),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests parse arbitrary JSON bodies and match terminal escape codes on purpose.
    files: ['**/test/**/*.{ts,tsx}', '**/*.test.{ts,tsx}', '**/*.test-d.ts'],
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: { ...boundaries(testArrows), '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' },
  },
  {
    // Static files served to a browser (the proxy's /docs page), next to Swagger UI's bundle.
    files: ['**/docs-assets/**/*.js'],
    languageOptions: { globals: { ...globals.browser, SwaggerUIBundle: 'readonly' } },
  },
  {
    // Each project's vitest.config.ts applies the workspace preset (vitest.shared.ts, a shared input of every
    // test target): configuration, not code, and the one file allowed to reach the workspace root.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  prettier,
);
