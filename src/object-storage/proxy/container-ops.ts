/** @module object-storage/proxy/container-ops: PUT, HEAD, GET, POST and DELETE of a container */
import { SwiftError } from '../errors.js'
import { liveMetadata, type ContainerInfo } from '../storage/container-broker.js'
import { ensureAccount } from './account-ops.js'
import type { ProxyContext, SwiftRequest, SwiftResponse } from './context.js'
import { requireAccountAdmin, requireContainerAccess } from './keystone-auth.js'
import { listingFormat, listingQuery, renderObjectListing } from './listing-format.js'
import { LIMITS, timedMetadataFrom } from './metadata.js'

/** A live container's state and metadata, from the newest of its replicas. */
export interface ContainerState {
  info: ContainerInfo
  meta: Record<string, string>
}

export function readContainer(
  ctx: ProxyContext,
  account: string,
  container: string,
): ContainerState | undefined {
  let best: ContainerInfo | undefined
  for (const { broker } of ctx.cluster.containerBrokers(account, container)) {
    const info = broker.info()
    if (!info) continue
    if (!best || info.putTimestamp > best.putTimestamp) best = info
  }
  if (!best || best.deleteTimestamp > best.putTimestamp) return undefined
  return { info: best, meta: liveMetadata(best.metadata) }
}

/** Reads a container or answers 404. */
export function requireContainer(ctx: ProxyContext, request: SwiftRequest): ContainerState {
  const state = readContainer(ctx, request.account, request.container ?? '')
  if (!state) throw new SwiftError(404)
  return state
}

/** Copies a container's counts into its account's listing (Swift's container updater). */
export function reportContainer(ctx: ProxyContext, account: string, container: string): void {
  let best: ContainerInfo | undefined
  for (const { broker } of ctx.cluster.containerBrokers(account, container)) {
    const info = broker.info()
    if (info && (!best || info.objectCount >= best.objectCount)) best = info
  }
  if (!best) return
  const row = {
    name: container,
    putTimestamp: best.putTimestamp,
    deleteTimestamp: best.deleteTimestamp,
    objectCount: best.objectCount,
    bytesUsed: best.bytesUsed,
    deleted: best.deleteTimestamp > best.putTimestamp,
  }
  for (const { broker } of ctx.cluster.accountBrokers(account)) broker.mergeContainers([row])
}

function checkQuotaMeta(update: Record<string, [string, string]>): void {
  for (const key of ['x-container-meta-quota-bytes', 'x-container-meta-quota-count']) {
    const value = update[key]?.[0]
    if (value && !/^\d+$/.test(value)) throw new SwiftError(400, `Invalid ${key}`)
  }
}

function containerHeaders(state: ContainerState): Record<string, string> {
  return {
    'x-container-object-count': String(state.info.objectCount),
    'x-container-bytes-used': String(state.info.bytesUsed),
    'x-timestamp': state.info.createdAt,
    'x-put-timestamp': state.info.putTimestamp,
    'x-storage-policy': 'Policy-0',
    ...state.meta,
  }
}

export async function putContainer(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  requireAccountAdmin(ctx, request)
  const name = request.container ?? ''
  if (Buffer.byteLength(name) > LIMITS.maxContainerNameLength)
    throw new SwiftError(400, `Container name length of ${Buffer.byteLength(name)} longer than 256`)
  const timestamp = ctx.timestamp()
  const update = timedMetadataFrom(request, 'container', timestamp)
  checkQuotaMeta(update)
  const existed = readContainer(ctx, request.account, name) !== undefined
  ensureAccount(ctx, request.account)
  for (const { broker } of ctx.cluster.containerBrokers(request.account, name)) {
    broker.initialize(
      request.account,
      name,
      existed ? (broker.info()?.putTimestamp ?? timestamp) : timestamp,
    )
    broker.updateMetadata(update)
  }
  reportContainer(ctx, request.account, name)
  return { status: existed ? 202 : 201, headers: {} }
}

export async function headContainer(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  const state = requireContainer(ctx, request)
  requireContainerAccess(ctx, request, { acl: state.meta['x-container-read'], listing: true })
  return { status: 204, headers: containerHeaders(state) }
}

export async function getContainer(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  const state = requireContainer(ctx, request)
  requireContainerAccess(ctx, request, { acl: state.meta['x-container-read'], listing: true })
  const query = listingQuery(request)
  const format = listingFormat(request)
  const brokers = ctx.cluster.containerBrokers(request.account, request.container ?? '')
  const entries = brokers[0]?.broker.list(query) ?? []
  const listing = renderObjectListing(format, request.container ?? '', entries)
  const headers = { ...containerHeaders(state), 'content-type': listing.contentType }
  if (format === 'plain' && listing.body === '') return { status: 204, headers }
  return { status: 200, headers, body: listing.body }
}

export async function postContainer(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  requireAccountAdmin(ctx, request)
  requireContainer(ctx, request)
  const update = timedMetadataFrom(request, 'container', ctx.timestamp())
  checkQuotaMeta(update)
  for (const { broker } of ctx.cluster.containerBrokers(request.account, request.container ?? ''))
    broker.updateMetadata(update)
  return { status: 204, headers: {} }
}

export async function deleteContainer(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  requireAccountAdmin(ctx, request)
  const state = requireContainer(ctx, request)
  if (state.info.objectCount > 0)
    throw new SwiftError(409, 'There was a conflict when trying to complete your request.')
  const timestamp = ctx.timestamp()
  for (const { broker } of ctx.cluster.containerBrokers(request.account, request.container ?? ''))
    broker.markDeleted(timestamp)
  reportContainer(ctx, request.account, request.container ?? '')
  return { status: 204, headers: {} }
}
