/** @module object-storage/proxy/object-copy: server-side copies of stored objects */
import type { ObjectMetadata } from '../storage/disk-file.js'
import type { ProxyContext } from './context.js'
import { writeObject, type StoredObject } from './replicated-objects.js'
import { resolveBody, streamSegments } from './segments.js'

/**
 * Writes the bytes of `source` (a large object's concatenated segments) as `target`, with the
 * source's headers overlaid by `headers`.
 */
export async function copyStored(
  ctx: ProxyContext,
  source: StoredObject,
  target: { account: string; container: string; object: string },
  options: { headers?: Record<string, string>; contentType?: string; fresh?: boolean },
): Promise<ObjectMetadata> {
  const account = source.metadata.name.split('/')[1] ?? target.account
  const body = await resolveBody(ctx, account, source)
  const kept = options.fresh ? {} : { ...source.metadata.headers }
  delete kept['x-static-large-object']
  delete kept['x-object-manifest']
  return writeObject(ctx, await streamSegments(body.segments, 0, body.size - 1), {
    ...target,
    timestamp: ctx.timestamp(),
    contentType: options.contentType ?? source.metadata.contentType,
    headers: { ...kept, ...(options.headers ?? {}) },
    length: body.size,
  })
}
