/** @module object-storage/proxy/dispatch: routes a Swift request to its use case */
import { SwiftError } from '../errors.js'
import { getAccount, headAccount, postAccount } from './account-ops.js'
import { bulkDelete } from './bulk-delete.js'
import type { ProxyContext, SwiftRequest, SwiftResponse } from './context.js'
import { preflight } from './cors.js'
import { extractArchive } from './extract-archive.js'
import { formBoundary, formPost } from './formpost.js'
import {
  deleteContainer,
  getContainer,
  headContainer,
  postContainer,
  putContainer,
} from './container-ops.js'
import { requireAccountAdmin } from './keystone-auth.js'
import { getObject } from './object-read.js'
import { copyObject, deleteObjectRequest, postObjectMetadata, putObject } from './object-write.js'
import { staticWeb } from './staticweb.js'
import { checkTempUrl, tempUrlResponseHeaders } from './tempurl.js'

type UseCase = (ctx: ProxyContext, request: SwiftRequest) => Promise<SwiftResponse>

const ACCOUNT: Record<string, UseCase> = { HEAD: headAccount, GET: getAccount, POST: postAccount }
const CONTAINER: Record<string, UseCase> = {
  HEAD: headContainer,
  GET: getContainer,
  PUT: putContainer,
  POST: postContainer,
  DELETE: deleteContainer,
}
const OBJECT: Record<string, UseCase> = {
  HEAD: getObject,
  GET: getObject,
  PUT: putObject,
  POST: postObjectMetadata,
  DELETE: deleteObjectRequest,
  COPY: copyObject,
}

/** Handles one request under `/v1/{account}`. */
export async function handleSwiftRequest(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  if (!request.account.startsWith(ctx.config.resellerPrefix) || request.account === '') {
    throw request.identity ? new SwiftError(403) : new SwiftError(401)
  }
  if (request.method === 'OPTIONS') {
    const table =
      request.object !== undefined ? OBJECT : request.container !== undefined ? CONTAINER : ACCOUNT
    return preflight(ctx, request, Object.keys(table))
  }
  const boundary = request.method === 'POST' ? formBoundary(request) : undefined
  if (boundary !== undefined) return formPost(ctx, request, boundary)
  if (request.method === 'PUT' && request.query['extract-archive'] !== undefined)
    return extractArchive(ctx, request)
  const web = await staticWeb(ctx, request)
  if (web) return web
  if (request.object !== undefined) {
    checkTempUrl(ctx, request)
    if (!request.identity && !request.tempUrl && !['GET', 'HEAD'].includes(request.method)) {
      throw new SwiftError(401)
    }
    const response = await dispatch(OBJECT, ctx, request)
    if (request.tempUrl && ['GET', 'HEAD'].includes(request.method) && response.status < 300)
      tempUrlResponseHeaders(request, response.headers)
    return response
  }
  if (request.container !== undefined) return dispatch(CONTAINER, ctx, request)
  if (['POST', 'DELETE'].includes(request.method) && request.query['bulk-delete'] !== undefined) {
    requireAccountAdmin(ctx, request)
    return bulkDelete(ctx, request)
  }
  return dispatch(ACCOUNT, ctx, request)
}

function dispatch(
  table: Record<string, UseCase>,
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  const useCase = table[request.method]
  if (!useCase)
    throw new SwiftError(405, 'The method is not allowed for the requested URL.', {
      allow: Object.keys(table).join(', '),
    })
  return useCase(ctx, request)
}
