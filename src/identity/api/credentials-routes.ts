/** @module identity/api/credentials-routes: application credentials and stored credentials */
import type { Route, RouteInput } from '../../core/http/index.js'
import { AppCredential, listRolesBy } from '../service/queries.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import {
  createAppCredentialFor,
  listAppCredentialsOf,
  removeAppCredential,
  requireAppCredential,
} from '../service/app-credentials.js'
import type { IdentityContext } from '../service/context.js'
import {
  createCredentialIn,
  listCredentialsOf,
  removeCredential,
  requireCredential,
  updateCredentialBy,
} from '../service/credentials.js'
import { baseUrl, listLinks } from './links.js'
import { extraFields, queryString } from './query.js'
import { descriptionString, nameString, params, wrapped } from './schemas.js'
import { appCredentialView, credentialView } from './views.js'

const appCredentialProps = {
  name: nameString,
  secret: { type: 'string', minLength: 1, maxLength: 4096 },
  description: descriptionString,
  expires_at: { type: ['string', 'null'] },
  roles: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        domain_id: { type: ['string', 'null'] },
      },
    },
  },
  unrestricted: { type: 'boolean' },
  access_rules: { type: 'array', maxItems: 0 },
}

function appCredentialRoutes(ctx: IdentityContext): Route[] {
  const target = (input: RouteInput) => ({ target: { user: { id: input.params['userId'] } } })
  const view = async (input: RouteInput, c: AppCredential, secret?: string) =>
    appCredentialView(baseUrl(input), c, await listRolesBy(ctx, { ids: c.roleIds }), secret)
  return [
    {
      method: 'POST',
      path: '/users/:userId/application_credentials',
      policy: 'identity:create_application_credential',
      schema: {
        params: params('userId'),
        body: wrapped('application_credential', {
          type: 'object',
          required: ['name'],
          properties: appCredentialProps,
          additionalProperties: false,
        }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize(target(input))
        const identity = input.context.identity
        if (!identity) throw new UnauthorizedError()
        const body = (input.body as { application_credential: Record<string, unknown> })
          .application_credential
        const { credential, secret } = await createAppCredentialFor(
          ctx,
          identity,
          input.params['userId'] as string,
          {
            name: body['name'] as string,
            ...(typeof body['secret'] === 'string' ? { secret: body['secret'] } : {}),
            ...(body['description'] !== undefined
              ? { description: body['description'] as string | null }
              : {}),
            ...(body['expires_at'] !== undefined
              ? { expiresAt: body['expires_at'] as string | null }
              : {}),
            ...(Array.isArray(body['roles'])
              ? { roles: body['roles'] as { id?: string; name?: string }[] }
              : {}),
            ...(typeof body['unrestricted'] === 'boolean'
              ? { unrestricted: body['unrestricted'] }
              : {}),
          },
        )
        return {
          status: 201,
          body: { application_credential: await view(input, credential, secret) },
        }
      },
    },
    {
      method: 'GET',
      path: '/users/:userId/application_credentials',
      policy: 'identity:list_application_credentials',
      schema: { params: params('userId') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const list = await listAppCredentialsOf(
          ctx,
          input.params['userId'] as string,
          queryString(input.query, 'name'),
        )
        return {
          status: 200,
          body: {
            application_credentials: await Promise.all(list.map((c) => view(input, c))),
            links: listLinks(input),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/users/:userId/application_credentials/:credentialId',
      policy: 'identity:get_application_credential',
      schema: { params: params('userId', 'credentialId') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const credential = await requireAppCredential(
          ctx,
          input.params['userId'] as string,
          input.params['credentialId'] as string,
        )
        return { status: 200, body: { application_credential: await view(input, credential) } }
      },
    },
    {
      method: 'DELETE',
      path: '/users/:userId/application_credentials/:credentialId',
      policy: 'identity:delete_application_credential',
      schema: { params: params('userId', 'credentialId') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        await removeAppCredential(
          ctx,
          input.params['userId'] as string,
          input.params['credentialId'] as string,
        )
        return { status: 204 }
      },
    },
  ]
}

const credentialProps = {
  user_id: { type: 'string', minLength: 1, maxLength: 64 },
  project_id: { type: ['string', 'null'], maxLength: 64 },
  type: { type: 'string', minLength: 1, maxLength: 255 },
  blob: { type: 'string', minLength: 1 },
}

function credentialInput(body: Record<string, unknown>) {
  return {
    ...(typeof body['user_id'] === 'string' ? { userId: body['user_id'] } : {}),
    ...(body['project_id'] !== undefined ? { projectId: body['project_id'] as string | null } : {}),
    ...(typeof body['type'] === 'string' ? { type: body['type'] } : {}),
    ...(typeof body['blob'] === 'string' ? { blob: body['blob'] } : {}),
    extra: extraFields(body, ['id', 'user_id', 'project_id', 'type', 'blob', 'links']),
  }
}

function storedCredentialRoutes(ctx: IdentityContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/credentials',
      policy: 'identity:create_credential',
      schema: {
        body: wrapped('credential', {
          type: 'object',
          required: ['user_id', 'type', 'blob'],
          properties: credentialProps,
        }),
      },
      errors: [404, 409],
      async handler(input) {
        const body = (input.body as { credential: Record<string, unknown> }).credential
        input.authorize({ target: { credential: { user_id: body['user_id'] } } })
        const credential = await createCredentialIn(ctx, {
          ...credentialInput(body),
          userId: body['user_id'] as string,
          type: body['type'] as string,
          blob: body['blob'] as string,
        })
        return { status: 201, body: { credential: credentialView(baseUrl(input), credential) } }
      },
    },
    {
      method: 'GET',
      path: '/credentials',
      policy: 'identity:list_credentials',
      errors: [],
      async handler(input) {
        input.authorize()
        const identity = input.context.identity
        const userId = queryString(input.query, 'user_id')
        const type = queryString(input.query, 'type')
        let list = await listCredentialsOf(ctx, {
          ...(userId !== undefined ? { userId } : {}),
          ...(type !== undefined ? { type } : {}),
        })
        // Everyone may list, but sees only what the get rule lets them see.
        list = list.filter(
          (c) =>
            input.allowed('identity:get_credential', {
              target: { credential: { user_id: c.userId } },
            }) || c.userId === identity?.userId,
        )
        const base = baseUrl(input)
        return {
          status: 200,
          body: { credentials: list.map((c) => credentialView(base, c)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/credentials/:credentialId',
      policy: 'identity:get_credential',
      schema: { params: params('credentialId') },
      errors: [404],
      async handler(input) {
        const credential = await requireCredential(ctx, input.params['credentialId'] as string)
        input.authorize({ target: { credential: { user_id: credential.userId } } })
        return { status: 200, body: { credential: credentialView(baseUrl(input), credential) } }
      },
    },
    {
      method: 'PATCH',
      path: '/credentials/:credentialId',
      policy: 'identity:update_credential',
      schema: {
        params: params('credentialId'),
        body: wrapped('credential', { type: 'object', properties: credentialProps }),
      },
      errors: [404],
      async handler(input) {
        const current = await requireCredential(ctx, input.params['credentialId'] as string)
        const body = (input.body as { credential: Record<string, unknown> }).credential
        input.authorize({ target: { credential: { user_id: current.userId } } })
        // As Keystone since OSSA-2020-003: the new owner must pass the rule too.
        if (typeof body['user_id'] === 'string' && body['user_id'] !== current.userId)
          input.authorize({ target: { credential: { user_id: body['user_id'] } } })
        const credential = await updateCredentialBy(ctx, current.id, credentialInput(body))
        return { status: 200, body: { credential: credentialView(baseUrl(input), credential) } }
      },
    },
    {
      method: 'DELETE',
      path: '/credentials/:credentialId',
      policy: 'identity:delete_credential',
      schema: { params: params('credentialId') },
      errors: [404],
      async handler(input) {
        const current = await requireCredential(ctx, input.params['credentialId'] as string)
        input.authorize({ target: { credential: { user_id: current.userId } } })
        await removeCredential(ctx, current.id)
        return { status: 204 }
      },
    },
  ]
}

export function credentialRoutes(ctx: IdentityContext): Route[] {
  return [...appCredentialRoutes(ctx), ...storedCredentialRoutes(ctx)]
}
