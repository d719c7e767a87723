/** @module object-storage/proxy/bulk-delete: POST or DELETE ?bulk-delete with a list of paths */
import { CloudError } from '../../core/errors/index.js'
import { SwiftError } from '../errors.js'
import { bulkFormat, renderBulkBody, statusLine } from './bulk-response.js'
import type { ProxyContext, SwiftRequest, SwiftResponse } from './context.js'
import { deleteContainer } from './container-ops.js'
import { deleteObjectRequest } from './object-write.js'

const MAX_DELETES = 10000

async function readText(request: SwiftRequest): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request.body ?? []) {
    size += (chunk as Buffer).length
    if (size > MAX_DELETES * 1100) throw new SwiftError(413)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Deletes each listed `/container[/object]`, objects first, as the bulk middleware does. */
export async function bulkDelete(ctx: ProxyContext, request: SwiftRequest): Promise<SwiftResponse> {
  const lines = (await readText(request))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => decodeURIComponent(l).replace(/^\//, ''))
  let deleted = 0
  let notFound = 0
  const errors: [string, string][] = []
  for (const line of lines) {
    const at = line.indexOf('/')
    const container = at < 0 ? line : line.slice(0, at)
    const object = at < 0 ? undefined : line.slice(at + 1)
    const sub: SwiftRequest = {
      ...request,
      method: 'DELETE',
      container,
      ...(object ? { object } : {}),
      query: {},
    }
    delete sub.body
    try {
      if (object) await deleteObjectRequest(ctx, sub)
      else await deleteContainer(ctx, sub)
      deleted += 1
    } catch (error) {
      if (error instanceof SwiftError && error.status === 404) notFound += 1
      else errors.push([`/${line}`, statusLine(error instanceof CloudError ? error.status : 500)])
    }
  }
  const result = {
    'Response Status': statusLine(errors.length > 0 ? 400 : 200),
    'Response Body': '',
    'Number Deleted': deleted,
    'Number Not Found': notFound,
  }
  const rendered = renderBulkBody(bulkFormat(request), result, errors, 'delete')
  return { status: 200, headers: { 'content-type': rendered.contentType }, body: rendered.body }
}
