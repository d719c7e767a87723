/** @module object-storage/proxy/account-ops: HEAD, GET and POST of an account */
import { SwiftError } from '../errors.js'
import type { AccountInfo } from '../storage/account-broker.js'
import { liveMetadata } from '../storage/container-broker.js'
import type { ProxyContext, SwiftRequest, SwiftResponse } from './context.js'
import { isResellerAdmin, requireAccountAdmin } from './keystone-auth.js'
import { listingFormat, listingQuery, renderContainerListing } from './listing-format.js'
import { timedMetadataFrom } from './metadata.js'

/** The account's state from the first device that has it. */
export function readAccount(ctx: ProxyContext, account: string): AccountInfo | undefined {
  let best: AccountInfo | undefined
  for (const { broker } of ctx.cluster.accountBrokers(account)) {
    const info = broker.info()
    if (info && (!best || info.containerCount > best.containerCount)) best = info
  }
  return best
}

/** Creates the account on its devices if needed (Swift's account_autocreate). */
export function ensureAccount(ctx: ProxyContext, account: string): void {
  const timestamp = ctx.timestamp()
  for (const { broker } of ctx.cluster.accountBrokers(account))
    broker.initialize(account, timestamp)
}

function accountHeaders(ctx: ProxyContext, info: AccountInfo | undefined): Record<string, string> {
  const containers = String(info?.containerCount ?? 0)
  const objects = String(info?.objectCount ?? 0)
  const bytes = String(info?.bytesUsed ?? 0)
  const timestamp = info?.createdAt ?? ctx.timestamp()
  return {
    'x-account-container-count': containers,
    'x-account-object-count': objects,
    'x-account-bytes-used': bytes,
    'x-account-storage-policy-policy-0-container-count': containers,
    'x-account-storage-policy-policy-0-object-count': objects,
    'x-account-storage-policy-policy-0-bytes-used': bytes,
    'x-timestamp': timestamp,
    'x-put-timestamp': info?.putTimestamp ?? timestamp,
    ...Object.fromEntries(
      Object.entries(liveMetadata(info?.metadata ?? {})).filter(
        ([key]) => !key.endsWith('temp-url-key') && !key.endsWith('temp-url-key-2'),
      ),
    ),
  }
}

export async function headAccount(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  requireAccountAdmin(ctx, request)
  const info = readAccount(ctx, request.account)
  return {
    status: 204,
    headers: { ...accountHeaders(ctx, info), ...tempUrlKeys(info) },
  }
}

function tempUrlKeys(info: AccountInfo | undefined): Record<string, string> {
  const live = liveMetadata(info?.metadata ?? {})
  return Object.fromEntries(Object.entries(live).filter(([key]) => key.includes('temp-url-key')))
}

export async function getAccount(ctx: ProxyContext, request: SwiftRequest): Promise<SwiftResponse> {
  requireAccountAdmin(ctx, request)
  const info = readAccount(ctx, request.account)
  const query = listingQuery(request)
  const format = listingFormat(request)
  const brokers = ctx.cluster.accountBrokers(request.account)
  const entries = info ? (brokers[0]?.broker.list(query) ?? []) : []
  const listing = renderContainerListing(format, request.account, entries)
  const headers = {
    ...accountHeaders(ctx, info),
    ...tempUrlKeys(info),
    'content-type': listing.contentType,
  }
  if (format === 'plain' && listing.body === '') return { status: 204, headers }
  return { status: 200, headers, body: listing.body }
}

export async function postAccount(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse> {
  requireAccountAdmin(ctx, request)
  const timestamp = ctx.timestamp()
  const update = timedMetadataFrom(request, 'account', timestamp)
  const quota = update['x-account-meta-quota-bytes']
  if (quota && !isResellerAdmin(ctx, request.identity)) throw new SwiftError(403)
  if (quota && quota[0] !== '' && !/^\d+$/.test(quota[0]))
    throw new SwiftError(400, 'Invalid quota')
  ensureAccount(ctx, request.account)
  for (const { broker } of ctx.cluster.accountBrokers(request.account))
    broker.updateMetadata(update)
  return { status: 204, headers: {} }
}
