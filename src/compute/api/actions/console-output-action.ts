/** @module compute/api/actions/console-output-action: `os-getConsoleOutput` */
import { consoleOutput } from '../../service/server-info.js'
import { rule } from '../policy.js'
import type { ServerAction } from './server-action.js'

export const consoleOutputAction: ServerAction = {
  key: 'os-getConsoleOutput',
  policy: rule('os-console-output'),
  schema: {
    type: 'object',
    properties: { length: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' } },
    additionalProperties: false,
  },
  async run(ctx, caller, uuid, value) {
    const raw = (value as { length?: number | string | null }).length
    const n = raw === undefined || raw === null ? null : Number(raw)
    const output = await consoleOutput(ctx, caller, uuid, n !== null && n < 0 ? null : n)
    return { status: 200, body: { output } }
  },
}
