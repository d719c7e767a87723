/** @module block-storage/api/services-routes: os-services (enable, disable, freeze, thaw) and os-hosts */
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { isUp, VOLUME_BINARY } from '../service/backends.js'
import type { BlockStorageContext } from '../service/context.js'
import { hostUsage, setBackendFrozen } from '../service/host-services.js'
import { services as listServices, setServiceState } from '../service/records.js'
import { atLeast, microTime, projectParams, queryOne } from './route-kit.js'

const P = '/v3/:project_id'
const params = {
  type: 'object',
  properties: {
    ...projectParams.properties,
    host: { type: 'string', maxLength: 255 },
    action: { type: 'string', maxLength: 64 },
  },
}

function bodyOf(input: RouteInput): Record<string, unknown> {
  const body = input.body ?? {}
  if (typeof body !== 'object' || Array.isArray(body))
    throw new BadRequestError('Invalid input received: the request body must be an object.')
  return body as Record<string, unknown>
}

/** Cinder's `cinder_host`: a string of 1 to 255 characters; 400 when missing or otherwise. */
function hostOf(body: Record<string, unknown>): string {
  const host = body['host']
  if (host === undefined || host === null)
    throw new BadRequestError('Invalid input received: Host field is missing.')
  if (typeof host !== 'string' || host.length === 0 || host.length > 255)
    throw new BadRequestError(
      `Invalid input for field/attribute host. Value: ${JSON.stringify(host)}. host must be a string of 1 to 255 characters.`,
    )
  return host
}

/** `disabled_reason` may be left out; given, it is 1 to 255 characters that are not all blank. */
function reasonOf(body: Record<string, unknown>): string | null {
  if (!('disabled_reason' in body)) return null
  const reason = body['disabled_reason']
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 255)
    throw new BadRequestError(
      `Invalid input for field/attribute disabled_reason. Value: ${JSON.stringify(reason)}. disabled_reason must be a string of 1 to 255 characters, not only spaces.`,
    )
  return reason
}

type ServiceAction = (
  ctx: BlockStorageContext,
  input: RouteInput,
  body: Record<string, unknown>,
) => Promise<{ status: number; body?: unknown }>

/** Enables or disables a service; `reason` (a string or null) is answered back when given. */
async function setEnabled(
  ctx: BlockStorageContext,
  body: Record<string, unknown>,
  disabled: boolean,
  reason?: string | null,
) {
  const host = hostOf(body)
  const binary = typeof body['binary'] === 'string' ? body['binary'] : VOLUME_BINARY
  if (!(await setServiceState(ctx, { host, binary }, disabled, disabled ? (reason ?? null) : null)))
    throw new NotFoundError(`Service ${binary} on host ${host} could not be found.`)
  return {
    status: 200,
    body: {
      host,
      binary,
      service: binary,
      status: disabled ? 'disabled' : 'enabled',
      disabled,
      ...(reason !== undefined ? { disabled_reason: reason } : {}),
    },
  }
}

async function freezeOrThaw(
  ctx: BlockStorageContext,
  input: RouteInput,
  body: Record<string, unknown>,
  frozen: boolean,
) {
  const cluster = body['cluster']
  // Nimbus has no clusters: a named one (3.26+) matches no service.
  if (
    atLeast(input, '3.26') &&
    typeof cluster === 'string' &&
    cluster &&
    body['host'] === undefined
  )
    throw new BadRequestError(`Invalid input received: No service found with cluster=${cluster}`)
  await setBackendFrozen(ctx, hostOf(body), frozen)
  return { status: 200 }
}

const SERVICE_ACTIONS: Record<string, ServiceAction> = {
  enable: (ctx, _input, body) => setEnabled(ctx, body, false, null),
  disable: (ctx, _input, body) => setEnabled(ctx, body, true),
  'disable-log-reason': (ctx, _input, body) => setEnabled(ctx, body, true, reasonOf(body)),
  freeze: (ctx, input, body) => freezeOrThaw(ctx, input, body, true),
  thaw: (ctx, input, body) => freezeOrThaw(ctx, input, body, false),
}

export function serviceRoutes(ctx: BlockStorageContext): Route[] {
  return [
    {
      method: 'GET',
      path: `${P}/os-services`,
      policy: 'volume_extension:services:index',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const host = queryOne(input, 'host')
        const binary = queryOne(input, 'binary')
        const services = (await listServices(ctx)).filter(
          (s) =>
            (host === undefined || s.host === host || s.host.split('@')[0] === host) &&
            (binary === undefined || s.binary === binary),
        )
        return {
          status: 200,
          body: {
            services: services.map((s) => ({
              binary: s.binary,
              host: s.host,
              zone: s.zone,
              status: s.disabled ? 'disabled' : 'enabled',
              state: isUp(ctx, s) ? 'up' : 'down',
              updated_at: microTime(s.updatedAt),
              disabled_reason: s.disabledReason,
              ...(s.binary === VOLUME_BINARY
                ? { replication_status: 'disabled', active_backend_id: null, frozen: s.frozen }
                : {}),
            })),
          },
        }
      },
    },
    {
      method: 'PUT',
      path: `${P}/os-services/:action`,
      policy: 'volume_extension:services:update',
      schema: { params },
      errors: [400, 404],
      handler: async (input) => {
        const action = SERVICE_ACTIONS[input.params['action'] ?? '']
        if (!action) throw new NotFoundError(`Unknown action ${input.params['action'] ?? ''}`)
        const name = input.params['action'] ?? ''
        if (name === 'freeze' || name === 'thaw') input.authorizeRule(`volume:${name}_host`, {})
        else input.authorize()
        return action(ctx, input, bodyOf(input))
      },
    },
    {
      method: 'GET',
      path: `${P}/os-hosts`,
      policy: 'volume_extension:hosts',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const zone = queryOne(input, 'zone')
        // Cinder lists the enabled services only.
        const rows = (await listServices(ctx)).filter(
          (s) => !s.disabled && (!zone || s.zone === zone),
        )
        return {
          status: 200,
          body: {
            hosts: rows.map((s) => ({
              host_name: s.host,
              service: s.binary,
              zone: s.zone,
              'service-status': isUp(ctx, s) ? 'available' : 'unavailable',
              'service-state': s.disabled ? 'disabled' : 'enabled',
              'last-update': microTime(s.updatedAt),
            })),
          },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/os-hosts/:host`,
      policy: 'volume_extension:hosts',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const host = input.params['host'] ?? ''
        const usage = await hostUsage(ctx, host)
        return {
          status: 200,
          body: {
            host: usage.map((u) => ({
              resource: {
                host,
                project: u.project,
                volume_count: String(u.volumeCount),
                total_volume_gb: String(u.totalVolumeGb),
                snapshot_count: String(u.snapshotCount),
                total_snapshot_gb: String(u.totalSnapshotGb),
              },
            })),
          },
        }
      },
    },
  ]
}
