// Lint rules, including the layering of ARCHITECTURE.md section 4.
import tseslint from 'typescript-eslint'

const SERVICES = [
  'identity',
  'image',
  'compute',
  'placement',
  'network',
  'block-storage',
  'object-storage',
  'orchestration',
  'telemetry',
  'database',
  'dashboard',
]

const SPAWN = {
  group: ['child_process', 'node:child_process'],
  message: 'only core/sys spawns processes (STYLE.md)',
}
const rule = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })
const others = (svc) => SERVICES.filter((s) => s !== svc).map((s) => `**/${s}/*`)
const CROSS = 'a service reaches another only through clients/ or the bus (ARCHITECTURE.md 4)'
const API = 'api/ calls its service/ only, never db/, rpc/, agents or drivers (ARCHITECTURE.md 4)'
const AGENT = 'agents hold no database credentials (ARCHITECTURE.md 4)'

// Later entries win for the same rule, so each entry lists every restriction of its files.
const layering = [
  { files: ['src/**/*.ts'], rules: rule(SPAWN) },
  {
    files: ['src/core/**/*.ts'],
    rules: rule(SPAWN, {
      group: [...SERVICES, 'clients', 'deploy', 'cli'].map((s) => `**/${s}/*`),
      message: 'core/ knows no service (ARCHITECTURE.md 4)',
    }),
  },
  {
    files: ['src/core/sys/**/*.ts'],
    rules: rule({
      group: [...SERVICES, 'clients', 'deploy', 'cli'].map((s) => `**/${s}/*`),
      message: 'core/ knows no service (ARCHITECTURE.md 4)',
    }),
  },
  ...SERVICES.flatMap((svc) => [
    {
      files: [`src/${svc}/**/*.ts`],
      rules: rule(SPAWN, { group: [...others(svc), '**/deploy/*', '**/cli/*'], message: CROSS }),
    },
    {
      files: [`src/${svc}/api/**/*.ts`],
      ignores: ['**/*.test.ts'],
      rules: rule(
        SPAWN,
        { group: others(svc), message: CROSS },
        { group: ['**/db/*', '**/rpc/*', '**/agent/*', '**/virt/*'], message: API },
      ),
    },
    {
      files: [`src/${svc}/agent/**/*.ts`, `src/${svc}/agents/**/*.ts`],
      ignores: ['**/test/**', '**/*.test.ts'],
      rules: rule(
        SPAWN,
        { group: others(svc), message: CROSS },
        { group: ['**/db/*', '**/service/*'], message: AGENT },
      ),
    },
  ]),
]

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'no default exports (STYLE.md)' },
      ],
    },
  },
  {
    // Tool configuration files must export a default.
    files: ['*.config.ts', '*.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...layering,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/config/**', 'src/cli/**', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'only core/config and the CLI read process.env (STYLE.md)',
        },
      ],
    },
  },
)
