/** @module compute/api/server-migrations-routes: /servers/{id}/migrations (2.22+): in-progress live migrations, force complete, abort */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { MigrationView as MigrationRecord } from '../service/migrations.js'
import type { ComputeContext } from '../service/context.js'
import {
  abortMigration,
  forceCompleteMigration,
  listServerMigrations,
  showServerMigration,
} from '../service/server-migrations.js'
import { rule } from './policy.js'
import { atLeast, callerOf, microTime } from './route-kit.js'

/** Nova's server migration view; the progress figures are the hypervisor's, unknown here. */
function view(input: RouteInput, m: MigrationRecord) {
  return {
    created_at: microTime(m.createdAt),
    dest_compute: m.destCompute,
    dest_host: m.destHost,
    dest_node: m.destNode,
    disk_processed_bytes: null,
    disk_remaining_bytes: null,
    disk_total_bytes: null,
    id: m.id,
    memory_processed_bytes: null,
    memory_remaining_bytes: null,
    memory_total_bytes: null,
    server_uuid: m.instanceUuid,
    source_compute: m.sourceCompute,
    source_node: m.sourceNode,
    status: m.status,
    updated_at: m.updatedAt === null ? null : microTime(m.updatedAt),
    ...(atLeast(input, '2.59') ? { uuid: m.uuid } : {}),
    ...(atLeast(input, '2.80') ? { user_id: m.userId, project_id: m.projectId } : {}),
  }
}

const params = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 255 },
    migrationId: { type: 'string', maxLength: 255 },
  },
}

const forceCompleteBody = {
  type: 'object',
  properties: { force_complete: { type: 'null' } },
  required: ['force_complete'],
  additionalProperties: false,
}

/** The path's server and migration, after the admin-only policy check (403 before 404). */
function target(input: RouteInput) {
  input.authorize()
  return {
    caller: callerOf(input),
    uuid: input.params['id'] ?? '',
    id: input.params['migrationId'] ?? '',
  }
}

export function serverMigrationRoutes(ctx: ComputeContext): Route[] {
  const base = '/v2.1/servers/:id/migrations'
  return [
    {
      method: 'GET',
      path: base,
      policy: rule('servers:migrations:index'),
      schema: { params },
      errors: [404],
      microversion: { min: '2.23' },
      handler: async (input) => {
        const { caller, uuid } = target(input)
        const list = await listServerMigrations(ctx, caller, uuid)
        return { status: 200, body: { migrations: list.map((m) => view(input, m)) } }
      },
    },
    {
      method: 'GET',
      path: `${base}/:migrationId`,
      policy: rule('servers:migrations:show'),
      schema: { params },
      errors: [404],
      microversion: { min: '2.23' },
      handler: async (input) => {
        const { caller, uuid, id } = target(input)
        const m = await showServerMigration(ctx, caller, uuid, id)
        return { status: 200, body: { migration: view(input, m) } }
      },
    },
    {
      method: 'POST',
      path: `${base}/:migrationId/action`,
      policy: rule('servers:migrations:force_complete'),
      schema: { params, body: forceCompleteBody },
      errors: [400, 404, 409],
      microversion: { min: '2.22' },
      handler: async (input) => {
        const { caller, uuid, id } = target(input)
        await forceCompleteMigration(ctx, caller, uuid, id)
        return { status: 202 }
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:migrationId`,
      policy: rule('servers:migrations:delete'),
      schema: { params },
      errors: [400, 404, 409],
      microversion: { min: '2.24' },
      handler: async (input) => {
        const { caller, uuid, id } = target(input)
        await abortMigration(ctx, caller, { uuid, id, queuedToo: atLeast(input, '2.65') })
        return { status: 202 }
      },
    },
  ]
}
