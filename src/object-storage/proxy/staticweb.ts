/** @module object-storage/proxy/staticweb: containers served as web sites (Swift's StaticWeb) */
import { SwiftError } from '../errors.js'
import type { ObjectRow } from '../storage/container-broker.js'
import type { ListingEntry } from '../storage/listing-query.js'
import { header, type ProxyContext, type SwiftRequest, type SwiftResponse } from './context.js'
import { readContainer } from './container-ops.js'
import { requireContainerAccess } from './keystone-auth.js'
import { listingDate } from './listing-format.js'
import { getObject, readLiveObject } from './object-read.js'

/** The container's `X-Container-Meta-Web-*` settings. */
interface WebSettings {
  index: string
  error: string
  listings: boolean
  css: string
}

const TRUE = /^(true|1|yes|on|t|y)$/i

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** Python's `quote(text, safe)`. */
function quote(text: string, safe = '/'): string {
  return Array.from(text)
    .map((c) =>
      /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c)
        ? c
        : Array.from(Buffer.from(c, 'utf8'))
            .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
            .join(''),
    )
    .join('')
}

/** Swift's `human_readable`: 1023, 1Ki, 5Mi, ... */
function humanReadable(bytes: number): string {
  let value = bytes
  let index = -1
  const suffixes = 'KMGTPEZY'
  while (value >= 1024 && index + 1 < suffixes.length) {
    index += 1
    value = Math.round(value / 1024)
  }
  return index === -1 ? String(value) : `${Math.round(value)}${suffixes[index]}i`
}

function settingsOf(meta: Record<string, string>): WebSettings {
  const get = (name: string) => (meta[`x-container-meta-web-${name}`] ?? '').trim()
  return {
    index: get('index'),
    error: get('error'),
    listings: TRUE.test(get('listings')),
    css: get('listings-css'),
  }
}

function sub(request: SwiftRequest, object: string): SwiftRequest {
  return { ...request, object, query: {}, headers: { ...request.headers } }
}

/** A 404 or 401 with the container's `<status><web-error>` page when there is one. */
async function errorPage(
  ctx: ProxyContext,
  request: SwiftRequest,
  web: WebSettings,
  error: SwiftError,
): Promise<SwiftResponse> {
  if (!web.error) throw error
  const page = `${error.status}${web.error}`
  const stored = await readLiveObject(ctx, {
    account: request.account,
    container: request.container ?? '',
    object: page,
  })
  if (!stored) throw error
  const served = await getObject(ctx, { ...sub(request, page), method: request.method })
  return { ...served, status: error.status }
}

function redirectWithSlash(request: SwiftRequest): SwiftResponse {
  const location = `${request.fullPath ?? request.rawPath}/`
  return { status: 301, headers: { location, 'content-type': 'text/html; charset=UTF-8' } }
}

function cssPath(css: string, prefix: string): string {
  if (/^(\/|https?:\/\/)/.test(css)) return quote(css, ':/')
  return '../'.repeat((prefix.match(/\//g) ?? []).length) + quote(css)
}

function listingHtml(
  label: string,
  web: WebSettings,
  prefix: string,
  entries: ListingEntry<ObjectRow>[],
) {
  const style = web.css
    ? `  <link rel="stylesheet" type="text/css" href="${cssPath(web.css, prefix)}" />\n`
    : '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   th {text-align: left; padding: 0px 1em 0px 1em;}\n   td {padding: 0px 1em 0px 1em;}\n   a {text-decoration: none;}\n  </style>\n'
  let body =
    `<!DOCTYPE html>\n<html>\n <head>\n  <title>Listing of ${escapeHtml(label)}</title>\n${style}` +
    ` </head>\n <body>\n  <h1 id="title">Listing of ${escapeHtml(label)}</h1>\n` +
    '  <table id="listing">\n   <tr id="heading">\n    <th class="colname">Name</th>\n' +
    '    <th class="colsize">Size</th>\n    <th class="coldate">Date</th>\n   </tr>\n'
  const blank = '    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n'
  if (prefix)
    body += `   <tr id="parent" class="item">\n    <td class="colname"><a href="../">../</a></td>\n${blank}   </tr>\n`
  for (const entry of entries) {
    if (entry.kind !== 'subdir') continue
    const name = entry.name.slice(prefix.length)
    body += `   <tr class="item subdir">\n    <td class="colname"><a href="./${quote(name).replace(/\./g, '%2E')}">${escapeHtml(name)}</a></td>\n${blank}   </tr>\n`
  }
  for (const entry of entries) {
    if (entry.kind !== 'row') continue
    const name = entry.row.name.slice(prefix.length)
    const types = entry.row.contentType
      .split('/')
      .map((t) => `type-${escapeHtml(t.toLowerCase())}`)
      .join(' ')
    const date = listingDate(entry.row.createdAt).split('.')[0]?.replace('T', ' ') ?? ''
    body +=
      `   <tr class="item ${types}">\n    <td class="colname"><a href="./${quote(name).replace(/\./g, '%2E')}">${escapeHtml(name)}</a></td>\n` +
      `    <td class="colsize">${humanReadable(entry.row.size)}</td>\n    <td class="coldate">${date}</td>\n   </tr>\n`
  }
  return `${body}  </table>\n </body>\n</html>\n`
}

async function listing(
  ctx: ProxyContext,
  request: SwiftRequest,
  web: WebSettings,
  prefix: string,
): Promise<SwiftResponse> {
  const label = decodeURIComponent(request.rawPath)
  if (!web.listings) {
    let body = `<!DOCTYPE html>\n<html>\n<head>\n<title>Listing of ${escapeHtml(label)}</title>\n</head>\n<body>  <h1>Web Listing Disabled</h1>   <p>The owner of this web site has disabled web listing.   <p>If you are the owner of this web site, you can enable   web listing by setting X-Container-Meta-Web-Listings.</p>`
    if (web.index)
      body += `<h1>Index File Not Found</h1> <p>The owner of this web site has set  <b>X-Container-Meta-Web-Index: ${escapeHtml(web.index)}</b>.  However, this file is not found.</p>`
    body += ' </body>\n</html>\n'
    return errorPage(ctx, request, web, new SwiftError(404, body)).catch((error: unknown) => {
      if (error instanceof SwiftError && error.status === 404)
        return { status: 404, headers: { 'content-type': 'text/html; charset=UTF-8' }, body }
      throw error
    })
  }
  const state = readContainer(ctx, request.account, request.container ?? '')
  requireContainerAccess(ctx, request, { acl: state?.meta['x-container-read'], listing: true })
  const brokers = ctx.cluster.containerBrokers(request.account, request.container ?? '')
  const entries =
    brokers[0]?.broker.list({ limit: 10000, reverse: false, delimiter: '/', prefix }) ?? []
  if (prefix && entries.length === 0) return errorPage(ctx, request, web, new SwiftError(404))
  const body = listingHtml(label, web, prefix, entries)
  return { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' }, body }
}

async function exists(ctx: ProxyContext, request: SwiftRequest, object: string) {
  const path = { account: request.account, container: request.container ?? '', object }
  return (await readLiveObject(ctx, path)) !== undefined
}

/**
 * Answers anonymous GET and HEAD (or `X-Web-Mode: true`) on a container with web settings:
 * index pages, HTML listings, `<status><web-error>` pages, and redirects that add the trailing
 * slash; undefined when the request is not a static web one.
 */
export async function staticWeb(
  ctx: ProxyContext,
  request: SwiftRequest,
): Promise<SwiftResponse | undefined> {
  if (!['GET', 'HEAD'].includes(request.method) || request.container === undefined) return undefined
  const webMode = TRUE.test(header(request, 'x-web-mode') ?? '')
  if ((request.identity && !request.tempUrl && !webMode) || Object.keys(request.query).length > 0)
    return undefined
  const state = readContainer(ctx, request.account, request.container)
  if (!state) return undefined
  const web = settingsOf(state.meta)
  if (!web.index && !web.listings && !web.error && !webMode) return undefined
  const path = request.fullPath ?? request.rawPath
  if (request.object === undefined) {
    requireContainerAccess(ctx, request, { acl: state.meta['x-container-read'], listing: false })
    if (!web.index && !web.listings) {
      if (webMode) throw new SwiftError(404)
      return undefined
    }
    if (!path.endsWith('/')) return redirectWithSlash(request)
    if (web.index && (await exists(ctx, request, web.index)))
      return getObject(ctx, sub(request, web.index))
    return listing(ctx, request, web, '')
  }
  try {
    return await getObject(ctx, request)
  } catch (error) {
    if (!(error instanceof SwiftError) || error.status !== 404) throw error
    if (!web.index && !web.listings) return errorPage(ctx, request, web, error)
  }
  const object = request.object
  if (web.index) {
    const indexName = `${object.endsWith('/') ? object : `${object}/`}${web.index}`
    if (await exists(ctx, request, indexName)) {
      if (!path.endsWith('/')) return redirectWithSlash(request)
      return getObject(ctx, sub(request, indexName))
    }
  }
  if (!path.endsWith('/')) {
    const brokers = ctx.cluster.containerBrokers(request.account, request.container)
    const any =
      brokers[0]?.broker.list({ limit: 1, reverse: false, delimiter: '/', prefix: `${object}/` }) ??
      []
    if (any.length === 0) return errorPage(ctx, request, web, new SwiftError(404))
    return redirectWithSlash(request)
  }
  return listing(ctx, request, web, object)
}
