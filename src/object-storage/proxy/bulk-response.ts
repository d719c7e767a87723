/** @module object-storage/proxy/bulk-response: the result body of bulk operations, as Swift writes it */
import { header, type SwiftRequest } from './context.js'

/** The formats a bulk request may ask for in Accept, in Swift's order of preference. */
const FORMATS = ['text/plain', 'application/json', 'application/xml', 'text/xml'] as const
export type BulkFormat = (typeof FORMATS)[number]

/** Reason phrases as Swift's responses carry them. */
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  416: 'Requested Range Not Satisfiable',
  422: 'Unprocessable Entity',
  499: 'Client Disconnect',
  500: 'Internal Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

/** `201 Created`. */
export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Unknown'}`
}

/** The best match of the Accept header among the bulk formats; undefined when none fits. */
export function bulkFormat(request: SwiftRequest): BulkFormat | undefined {
  const accept = header(request, 'accept')
  if (accept === undefined || accept.trim() === '') return 'text/plain'
  let best: { format: BulkFormat; q: number } | undefined
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';')
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!(q > 0)) continue
    const [type, subtype] = range.trim().split('/')
    for (const format of FORMATS) {
      const [fType, fSub] = format.split('/')
      const matches = (type === '*' || type === fType) && (subtype === '*' || subtype === fSub)
      if (matches && (!best || q > best.q)) best = { format, q }
      if (matches) break
    }
  }
  return best?.format
}

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The body: JSON in insertion order, or XML and plain text with the keys sorted, as Swift does. */
export function renderBulkBody(
  format: BulkFormat | undefined,
  result: Record<string, string | number>,
  errors: readonly (readonly [string, string])[],
  rootTag: 'extract' | 'delete',
): { body: string; contentType: string } {
  if (format === 'application/json')
    return {
      body: JSON.stringify({ ...result, Errors: errors }),
      contentType: 'application/json; charset=utf-8',
    }
  const keys = Object.keys(result).sort()
  if (format === 'application/xml' || format === 'text/xml') {
    const lines = [`<${rootTag}>`]
    for (const key of keys)
      lines.push(
        `<${key.replace(/ /g, '_').toLowerCase()}>${escapeXml(String(result[key]))}</${key.replace(/ /g, '_').toLowerCase()}>`,
      )
    lines.push('<errors>')
    for (const [name, status] of errors)
      lines.push(
        `<object><name>${escapeXml(name)}</name><status>${escapeXml(status)}</status></object>`,
      )
    lines.push('</errors>', `</${rootTag}>`)
    return { body: `${lines.join('\n')}\n`, contentType: `${format}; charset=utf-8` }
  }
  const lines = keys.map((key) => `${key}: ${result[key]}`)
  lines.push('Errors:', ...errors.map(([name, status]) => `${name}, ${status}`))
  return { body: `${lines.join('\n')}\n`, contentType: 'text/plain; charset=utf-8' }
}
