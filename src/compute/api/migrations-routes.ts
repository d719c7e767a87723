/** @module compute/api/migrations-routes: os-migrations (admin), fields and filters per microversion */
import type { Route, RouteInput } from '../../core/http/index.js'
import { ComputeValidationError } from '../errors.js'
import type { ComputeContext } from '../service/context.js'
import { listMigrationRecords, type MigrationView } from '../service/migrations.js'
import { rule } from './policy.js'
import { atLeast, baseUrl, microTime, queryOne } from './route-kit.js'

/** Nova's flavor ids in migrations are integers; ours are only when the flavor id is one. */
function flavorNumber(id: string | null): number | null {
  return id !== null && /^\d+$/.test(id) ? Number(id) : null
}

/** Live migration statuses that get links to the server's migration (2.23+). */
const LIVE = ['queued', 'preparing', 'running', 'post-migrating']

function links(input: RouteInput, m: MigrationView) {
  const path = `servers/${m.instanceUuid}/migrations/${m.id}`
  const base = baseUrl(input)
  return [
    { href: `${base}/v2.1/${path}`, rel: 'self' },
    { href: `${base}/${path}`, rel: 'bookmark' },
  ]
}

function view(input: RouteInput, m: MigrationView) {
  return {
    id: m.id,
    instance_uuid: m.instanceUuid,
    status: m.status,
    source_compute: m.sourceCompute,
    source_node: m.sourceNode,
    dest_compute: m.destCompute,
    dest_node: m.destNode,
    dest_host: m.destHost,
    old_instance_type_id: flavorNumber(m.oldFlavorId),
    new_instance_type_id: flavorNumber(m.newFlavorId),
    created_at: microTime(m.createdAt),
    updated_at: m.updatedAt === null ? null : microTime(m.updatedAt),
    ...(atLeast(input, '2.23') ? { migration_type: m.migrationType } : {}),
    ...(atLeast(input, '2.23') && m.migrationType === 'live-migration' && LIVE.includes(m.status)
      ? { links: links(input, m) }
      : {}),
    ...(atLeast(input, '2.59') ? { uuid: m.uuid } : {}),
    ...(atLeast(input, '2.80') ? { user_id: m.userId, project_id: m.projectId } : {}),
  }
}

const query = {
  type: 'object',
  properties: {
    limit: { type: 'string', pattern: '^[0-9]+$' },
  },
}

export function migrationRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/os-migrations',
      policy: rule('os-migrations:index'),
      schema: { query },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const q = (key: string, since?: string) =>
          since && !atLeast(input, since) ? undefined : queryOne(input, key)
        const limitText = q('limit', '2.59')
        const changesSince = q('changes-since', '2.59')
        const changesBefore = q('changes-before', '2.66')
        for (const t of [changesSince, changesBefore]) {
          if (t !== undefined && Number.isNaN(Date.parse(t))) {
            throw new ComputeValidationError(
              `Invalid input for query parameters: ${t} is not a date-time.`,
            )
          }
        }
        if (changesSince && changesBefore && Date.parse(changesBefore) < Date.parse(changesSince)) {
          throw new ComputeValidationError(
            'The value of changes-since must be less than or equal to changes-before.',
          )
        }
        const page = await listMigrationRecords(ctx, {
          filter: {
            ...(q('instance_uuid') ? { instanceUuid: q('instance_uuid') } : {}),
            ...(q('status') ? { status: q('status') } : {}),
            ...(q('host') ? { host: q('host') } : {}),
            ...(q('source_compute') ? { sourceCompute: q('source_compute') } : {}),
            ...(q('migration_type', '2.23') ? { migrationType: q('migration_type', '2.23') } : {}),
            ...(q('user_id', '2.80') ? { userId: q('user_id', '2.80') } : {}),
            ...(q('project_id', '2.80') ? { projectId: q('project_id', '2.80') } : {}),
            ...(changesSince ? { changesSince: new Date(changesSince).toISOString() } : {}),
            ...(changesBefore ? { changesBefore: new Date(changesBefore).toISOString() } : {}),
          },
          ...(limitText !== undefined ? { limit: Number(limitText) } : {}),
          ...(q('marker', '2.59') ? { marker: q('marker', '2.59') } : {}),
        })
        const migrations = page.items.map((m) => view(input, m))
        const last = page.items[page.items.length - 1]
        const links =
          atLeast(input, '2.59') && page.more && last
            ? {
                migrations_links: [
                  {
                    rel: 'next',
                    href: `${baseUrl(input)}/v2.1/os-migrations?limit=${limitText}&marker=${last.uuid}`,
                  },
                ],
              }
            : {}
        return { status: 200, body: { migrations, ...links } }
      },
    },
  ]
}
