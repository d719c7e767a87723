/** @module core/http/service-mount: mounts one service's route table on the listener */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ValidateFunction } from 'ajv'
import type { Logger } from 'pino'
import type { AuthIdentity, RequestContext, TokenValidator } from '../auth/index.js'
import { policyCredentials } from '../auth/policy-credentials.js'
import {
  CloudError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  UnauthorizedError,
  isCloudError,
} from '../errors/index.js'
import type { FaultRenderer } from '../faults/index.js'
import type { PolicyEnforcer } from '../policy/index.js'
import { compileValidator, validationError, type HttpPart } from './validation.js'
import {
  microversionResponseHeaders,
  negotiateMicroversion,
  parseMicroversion,
  type Microversion,
} from './microversion.js'
import type { Route, RouteInput, RouteResult } from './route.js'
import { installBodyParsers } from './body-parsers.js'

/** Statuses the framework itself may produce on any route. */
const FRAMEWORK_STATUSES = new Set([400, 401, 403, 405, 406, 413, 415])

/** Microversion negotiation settings of a microversioned service. */
export interface MicroversionSettings {
  serviceType: string
  legacyHeader?: string
  min: string
  max: string
}

/** Everything needed to put a service on the listener. */
export interface ServiceMount {
  /** Service name, for logs. */
  name: string
  /** Path prefixes the routes answer under (e.g. `/v3` and `/identity/v3`). */
  prefixes: readonly string[]
  routes: readonly Route[]
  faults: FaultRenderer
  logger: Logger
  /** Required unless every route is `auth: 'none'`. */
  tokens?: TokenValidator
  policy?: PolicyEnforcer
  microversion?: MicroversionSettings
  /** Default body limit in bytes. */
  bodyLimit?: number
  /** Adds content-type parsers (streams, JSON patch) to the service's scope. */
  configure?: (scope: FastifyInstance) => void
}

interface CompiledRoute {
  route: Route
  validators: Partial<Record<HttpPart, ValidateFunction>>
  range?: { min?: Microversion; max?: Microversion }
}

function compileRoute(route: Route): CompiledRoute {
  const validators: CompiledRoute['validators'] = {}
  if (route.schema?.params) validators.params = compileValidator(route.schema.params, 'params')
  if (route.schema?.query)
    validators.querystring = compileValidator(route.schema.query, 'querystring')
  if (route.schema?.body) validators.body = compileValidator(route.schema.body, 'body')
  const range = route.microversion && {
    ...(route.microversion.min ? { min: parseMicroversion(route.microversion.min) } : {}),
    ...(route.microversion.max ? { max: parseMicroversion(route.microversion.max) } : {}),
  }
  return { route, validators, ...(range ? { range } : {}) }
}

function validate(compiled: CompiledRoute, part: HttpPart, value: unknown): void {
  const validator = compiled.validators[part]
  if (validator && !validator(value)) throw validationError(validator.errors ?? [], part)
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function authenticate(
  mount: ServiceMount,
  route: Route,
  request: FastifyRequest,
): Promise<Pick<RequestContext, 'identity' | 'authToken' | 'service'>> {
  const mode = route.auth ?? 'token'
  if (mode === 'none') return {}
  const token = headerValue(request, 'x-auth-token')
  if (!token) {
    if (mode === 'optional') return {}
    throw new UnauthorizedError()
  }
  if (!mount.tokens) throw new InternalError(`service ${mount.name} has no token validator`)
  const identity = await mount.tokens.validate(token)
  const serviceToken = headerValue(request, 'x-service-token')
  let service: AuthIdentity | undefined
  if (serviceToken) service = await mount.tokens.validate(serviceToken)
  return { identity, authToken: token, ...(service ? { service } : {}) }
}

function negotiate(mount: ServiceMount, compiled: CompiledRoute, request: FastifyRequest) {
  if (!mount.microversion) return undefined
  const { version } = negotiateMicroversion(request.headers, mount.microversion)
  const { range } = compiled
  if (range && !version.matches(range.min, range.max)) throw new NotFoundError()
  return version
}

function buildInput(
  mount: ServiceMount,
  compiled: CompiledRoute,
  request: FastifyRequest,
  context: RequestContext,
  microversion: Microversion | undefined,
): RouteInput & { authorized: () => boolean } {
  let authorized = false
  const check = (rule: string, target: Record<string, unknown> = {}): boolean => {
    if (!mount.policy) throw new InternalError(`service ${mount.name} has no policy enforcer`)
    const creds = context.identity ? policyCredentials(context.identity) : { roles: [] }
    return mount.policy.enforce(rule, creds, target)
  }
  const enforce = (rule: string, target?: Record<string, unknown>): void => {
    authorized = true
    if (!check(rule, target)) {
      throw new ForbiddenError(`You are not authorized to perform the requested action: ${rule}.`)
    }
  }
  return {
    params: request.params as Record<string, string>,
    query: request.query as Record<string, unknown>,
    body: request.body,
    headers: request.headers,
    context,
    raw: request,
    ...(microversion ? { microversion } : {}),
    authorize(target) {
      if (!compiled.route.policy) throw new InternalError('route has no policy rule')
      enforce(compiled.route.policy, target)
    },
    authorizeRule: enforce,
    allowed: (rule, target) => check(rule, target),
    authorized: () => authorized,
  }
}

function send(reply: FastifyReply, result: RouteResult, method: string): FastifyReply {
  reply.code(result.status)
  if (result.headers) {
    for (const [name, value] of Object.entries(result.headers)) reply.header(name, value)
  }
  if (result.stream) {
    if (result.contentType) reply.type(result.contentType)
    return reply.send(result.stream)
  }
  if (result.body === undefined || result.status === 204 || method === 'HEAD') {
    if (method === 'HEAD' && result.body !== undefined && !result.headers?.['content-length']) {
      reply.header('content-length', Buffer.byteLength(JSON.stringify(result.body)))
    }
    return reply.send()
  }
  if (typeof result.body === 'string' || Buffer.isBuffer(result.body)) {
    reply.type(result.contentType ?? 'text/plain; charset=UTF-8')
    return reply.send(result.body)
  }
  reply.type(result.contentType ?? 'application/json')
  return reply.send(JSON.stringify(result.body))
}

function toCloudError(
  error: unknown,
  mount: ServiceMount,
  route: Route | undefined,
  request: FastifyRequest,
) {
  const log = mount.logger.child({ requestId: request.id, service: mount.name })
  if (isCloudError(error)) {
    // Outside a route (404s, parse errors) every status is the framework's own.
    const declared =
      route === undefined ||
      FRAMEWORK_STATUSES.has(error.status) ||
      route.errors.includes(error.status)
    if (declared || error.status === 503 || error.status === 404) return error
    log.error({ err: error, route: route?.path }, 'undeclared error status %d', error.status)
    return new InternalError()
  }
  const fastifyError = error as { code?: string; statusCode?: number; message?: string }
  if (
    fastifyError.code?.startsWith('FST_') &&
    fastifyError.statusCode &&
    fastifyError.statusCode < 500
  ) {
    return new CloudError(fastifyError.statusCode, fastifyError.message ?? 'Bad request.')
  }
  log.error({ err: error, route: route?.path }, 'unexpected error')
  return new InternalError()
}

/** Registers a service's routes under each of its prefixes, with its own faults and 404s. */
export async function mountService(app: FastifyInstance, mount: ServiceMount): Promise<void> {
  const compiled = mount.routes.map(compileRoute)
  const hasHead = new Set(mount.routes.filter((r) => r.method === 'HEAD').map((r) => r.path))
  for (const prefix of mount.prefixes) {
    await app.register(
      async (scope) => {
        installBodyParsers(scope)
        mount.configure?.(scope)
        scope.setErrorHandler((error, request, reply) => {
          const route = (request.routeOptions.config as { nimbusRoute?: Route }).nimbusRoute
          const fault = mount.faults(toCloudError(error, mount, route, request))
          reply.code(fault.status).headers(fault.headers).type(fault.contentType)
          return reply.send(fault.body)
        })
        if (prefix !== '') {
          scope.setNotFoundHandler((request, reply) => {
            const fault = mount.faults(new NotFoundError())
            return reply.code(404).type(fault.contentType).send(fault.body)
          })
        }
        for (const entry of compiled) registerRoute(scope, mount, entry, { hasHead, prefix })
      },
      { prefix },
    )
  }
}

function registerRoute(
  scope: FastifyInstance,
  mount: ServiceMount,
  compiled: CompiledRoute,
  where: { hasHead: Set<string>; prefix: string },
): void {
  const { hasHead, prefix } = where
  const { route } = compiled
  const methods =
    route.method === 'GET' && !hasHead.has(route.path) ? ['GET', 'HEAD'] : [route.method]
  scope.route({
    method: methods,
    // Under a prefix, `/` means the prefix itself (`/v3`), as clients request it.
    url: route.path === '/' && prefix !== '' ? '' : route.path,
    config: { nimbusRoute: route },
    ...((route.bodyLimit ?? mount.bodyLimit)
      ? { bodyLimit: route.bodyLimit ?? mount.bodyLimit }
      : {}),
    handler: async (request, reply) => {
      const microversion = negotiate(mount, compiled, request)
      if (microversion && mount.microversion) {
        const headers = microversionResponseHeaders(
          mount.microversion.serviceType,
          microversion,
          mount.microversion.legacyHeader,
        )
        reply.headers(headers)
      }
      const auth = await authenticate(mount, route, request)
      validate(compiled, 'params', request.params)
      validate(compiled, 'querystring', request.query)
      validate(compiled, 'body', request.body)
      const context: RequestContext = { requestId: request.id, ...auth }
      const input = buildInput(mount, compiled, request, context, microversion)
      const result = await route.handler(input)
      if (route.policy && !input.authorized()) {
        throw new InternalError(`handler for ${route.method} ${route.path} did not authorize`)
      }
      return send(reply, result, request.method)
    },
  })
}
