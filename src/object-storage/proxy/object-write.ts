/** @module object-storage/proxy/object-write: PUT, COPY, POST and DELETE of objects */
import { Readable } from 'node:stream'
import { SwiftError } from '../errors.js'
import { readAccount } from './account-ops.js'
import { header, type ProxyContext, type SwiftRequest, type SwiftResponse } from './context.js'
import { readContainer, requireContainer, type ContainerState } from './container-ops.js'
import { guessContentType } from './content-type.js'
import { isAccountAdmin, requireContainerAccess } from './keystone-auth.js'
import { LIMITS, deleteAtFrom, objectHeadersFrom } from './metadata.js'
import { copyStored } from './object-copy.js'
import { httpDate, readLiveObject } from './object-read.js'
import { deleteObject, openRange, postObject, writeObject } from './replicated-objects.js'
import type { SloEntry } from './segments.js'
import { buildManifest, deleteManifestSegments } from './slo.js'
import { archiveCurrent, deleteVersioned } from './versioning.js'
import { liveMetadata } from '../storage/container-broker.js'

interface ObjectPath {
  account: string
  container: string
  object: string
}

function pathOf(request: SwiftRequest): ObjectPath {
  return {
    account: request.account,
    container: request.container ?? '',
    object: request.object ?? '',
  }
}

function writable(ctx: ProxyContext, request: SwiftRequest, container?: string): ContainerState {
  const state = container
    ? readContainer(ctx, request.account, container)
    : requireContainer(ctx, request)
  if (!state) throw new SwiftError(404)
  requireContainerAccess(ctx, request, { acl: state.meta['x-container-write'], listing: false })
  return state
}

function checkQuotas(
  ctx: ProxyContext,
  request: SwiftRequest,
  state: ContainerState,
  size: number,
) {
  const quotaBytes = state.meta['x-container-meta-quota-bytes']
  if (quotaBytes !== undefined && state.info.bytesUsed + size > Number(quotaBytes))
    throw new SwiftError(413, 'Upload exceeds quota.')
  const quotaCount = state.meta['x-container-meta-quota-count']
  if (quotaCount !== undefined && state.info.objectCount + 1 > Number(quotaCount))
    throw new SwiftError(413, 'Upload exceeds quota.')
  // The account's totals are summed over its containers: read them only under a quota.
  const quotaSet = ctx.cluster
    .accountBrokers(request.account)
    .some(({ broker }) => broker.metadata()?.['x-account-meta-quota-bytes'] !== undefined)
  if (!quotaSet) return
  const account = readAccount(ctx, request.account)
  const accountQuota = liveMetadata(account?.metadata ?? {})['x-account-meta-quota-bytes']
  if (accountQuota !== undefined && (account?.bytesUsed ?? 0) + size > Number(accountQuota))
    throw new SwiftError(413, 'Upload exceeds quota.')
}

function contentLength(request: SwiftRequest): number | undefined {
  const value = header(request, 'content-length')
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new SwiftError(400, 'Invalid Content-Length')
  return Number(value)
}

function checkName(object: string): void {
  if (Buffer.byteLength(object) > LIMITS.maxObjectNameLength)
    throw new SwiftError(400, `Object name length of ${Buffer.byteLength(object)} longer than 1024`)
}

function splitCopyFrom(value: string): { container: string; object: string } {
  const trimmed = decodeURIComponent(value).replace(/^\//, '')
  const at = trimmed.indexOf('/')
  if (at <= 0 || at === trimmed.length - 1)
    throw new SwiftError(
      412,
      'X-Copy-From header must be of the form <container name>/<object name>',
    )
  return { container: trimmed.slice(0, at), object: trimmed.slice(at + 1) }
}

function written(timestamp: string, etag: string): Record<string, string> {
  return { etag, 'last-modified': httpDate(timestamp), 'x-timestamp': timestamp }
}

export async function putObject(ctx: ProxyContext, request: SwiftRequest): Promise<SwiftResponse> {
  const path = pathOf(request)
  checkName(path.object)
  const state = writable(ctx, request)
  const copyFrom = header(request, 'x-copy-from')
  if (copyFrom !== undefined)
    return copyInto(ctx, request, { state, path, from: splitCopyFrom(copyFrom) })
  const length = contentLength(request)
  const chunked = /chunked/i.test(header(request, 'transfer-encoding') ?? '')
  if (length === undefined && !chunked) throw new SwiftError(411)
  if (length !== undefined && length > ctx.config.maxFileSize) throw new SwiftError(413)
  const nowSeconds = ctx.clock.now() / 1000
  const headers = objectHeadersFrom(request)
  const deleteAt = deleteAtFrom(request, nowSeconds)
  if (deleteAt !== undefined) headers['x-delete-at'] = deleteAt
  const contentType = header(request, 'content-type')?.trim() || guessContentType(path.object)
  if (request.query['multipart-manifest'] === 'put') {
    const manifest = await buildManifest(ctx, request.account, request.body)
    checkQuotas(ctx, request, state, 0)
    await archiveCurrent(ctx, state, path)
    const timestamp = ctx.timestamp()
    Object.assign(headers, {
      'x-static-large-object': 'True',
      'x-object-sysmeta-slo-etag': manifest.etag,
      'x-object-sysmeta-slo-size': String(manifest.size),
    })
    await writeObject(ctx, Readable.from([Buffer.from(manifest.json)]), {
      ...path,
      timestamp,
      contentType,
      headers,
      listing: { size: manifest.size, etag: manifest.etag },
    })
    scheduleExpiry(ctx, path, deleteAt)
    return { status: 201, headers: written(timestamp, `"${manifest.etag}"`) }
  }
  checkQuotas(ctx, request, state, length ?? 0)
  await archiveCurrent(ctx, state, path)
  const timestamp = ctx.timestamp()
  const etag = header(request, 'etag')
  const metadata = await writeObject(ctx, request.body ?? Readable.from([]), {
    ...path,
    timestamp,
    contentType,
    headers,
    ...(length !== undefined ? { length } : {}),
    ...(etag !== undefined ? { etag } : {}),
  })
  scheduleExpiry(ctx, path, deleteAt)
  return { status: 201, headers: written(timestamp, metadata.etag) }
}

function scheduleExpiry(ctx: ProxyContext, path: ObjectPath, deleteAt: string | undefined) {
  if (deleteAt !== undefined) ctx.expiry.add({ ...path, deleteAt: Number(deleteAt) })
}

async function copyInto(
  ctx: ProxyContext,
  request: SwiftRequest,
  copy: { state: ContainerState; path: ObjectPath; from: { container: string; object: string } },
): Promise<SwiftResponse> {
  const sourceAccount = header(request, 'x-copy-from-account') ?? request.account
  const sourceState = readContainer(ctx, sourceAccount, copy.from.container)
  if (!sourceState) throw new SwiftError(404)
  requireContainerAccess(
    ctx,
    { ...request, account: sourceAccount },
    {
      acl: sourceState.meta['x-container-read'],
      listing: false,
    },
  )
  const source = await readLiveObject(ctx, { account: sourceAccount, ...copy.from })
  if (!source) throw new SwiftError(404)
  checkQuotas(ctx, request, copy.state, source.metadata.size)
  const fresh = /^(true|1|yes|on|t|y)$/i.test(header(request, 'x-fresh-metadata') ?? '')
  const headers = objectHeadersFrom(request)
  const deleteAt = deleteAtFrom(request, ctx.clock.now() / 1000)
  if (deleteAt !== undefined) headers['x-delete-at'] = deleteAt
  await archiveCurrent(ctx, copy.state, copy.path)
  const contentType = header(request, 'content-type')?.trim()
  const metadata = await copyStored(ctx, source, copy.path, {
    headers,
    fresh,
    ...(contentType ? { contentType } : {}),
  })
  scheduleExpiry(ctx, copy.path, deleteAt)
  return {
    status: 201,
    headers: {
      ...written(metadata.timestamp, metadata.etag),
      'x-copied-from': `${encodeURIComponent(copy.from.container)}/${encodeURIComponent(copy.from.object)}`,
      'x-copied-from-account': sourceAccount,
      'x-copied-from-last-modified': httpDate(source.metadata.timestamp),
      // Swift's copy middleware answers with the new object's user metadata and expiry.
      ...Object.fromEntries(
        Object.entries(metadata.headers).filter(
          ([key]) => key.startsWith('x-object-meta-') || key === 'x-delete-at',
        ),
      ),
    },
  }
}

/** COPY with a Destination header: a PUT of the destination with X-Copy-From. */
export async function copyObject(ctx: ProxyContext, request: SwiftRequest): Promise<SwiftResponse> {
  const destination = header(request, 'destination')
  if (!destination) throw new SwiftError(412, 'Destination header required')
  const target = splitCopyFrom(destination)
  const destinationAccount = header(request, 'destination-account') ?? request.account
  const from = pathOf(request)
  const put: SwiftRequest = {
    ...request,
    method: 'PUT',
    account: destinationAccount,
    container: target.container,
    object: target.object,
    headers: { ...request.headers, 'x-copy-from-account': request.account },
  }
  checkName(target.object)
  const state = writable(ctx, put, target.container)
  return copyInto(ctx, put, { state, path: { account: destinationAccount, ...target }, from })
}

export async function postObjectMetadata(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  writable(ctx, request)
  const path = pathOf(request)
  const stored = await readLiveObject(ctx, path)
  if (!stored) throw new SwiftError(404)
  const headers = objectHeadersFrom(request)
  const deleteAt = deleteAtFrom(request, ctx.clock.now() / 1000)
  for (const [key, value] of Object.entries(stored.metadata.headers)) {
    if (
      key.startsWith('x-object-sysmeta-') ||
      key === 'x-static-large-object' ||
      key === 'x-object-manifest'
    )
      headers[key] ??= value
  }
  if (deleteAt !== undefined) headers['x-delete-at'] = deleteAt
  await postObject(ctx, path, { timestamp: ctx.timestamp(), headers })
  scheduleExpiry(ctx, path, deleteAt)
  return { status: 202, headers: {} }
}

export async function deleteObjectRequest(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  const state = writable(ctx, request)
  const path = pathOf(request)
  const stored = await readLiveObject(ctx, path)
  if (!stored) throw new SwiftError(404)
  if (
    request.query['multipart-manifest'] === 'delete' &&
    stored.metadata.headers['x-static-large-object'] === 'True'
  ) {
    await deleteManifestSegments(ctx, request.account, stored, readSloEntries)
  }
  if (!(await deleteVersioned(ctx, state, path))) await deleteObject(ctx, path, ctx.timestamp())
  return { status: 204, headers: {} }
}

async function readSloEntries(stored: {
  metadata: { size: number }
  source: Parameters<typeof openRange>[0]
}) {
  const chunks: Buffer[] = []
  for await (const chunk of await openRange(
    stored.source,
    0,
    Math.max(stored.metadata.size - 1, 0),
  ))
    chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SloEntry[]
}

/** Whether the caller may see an object because it owns the account (for TempURL keys). */
export function ownsAccount(ctx: ProxyContext, request: SwiftRequest): boolean {
  return isAccountAdmin(ctx, request)
}
