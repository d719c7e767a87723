/** @module core/faults/image-fault: Glance's webob error pages, negotiated on Accept as webob does */
import { reasonPhrase, type Fault, type FaultRenderer } from './fault.js'

/** The media types webob can answer an error with, in its order of preference. */
const OFFERS = ['text/html', 'application/json'] as const
type ErrorMedia = (typeof OFFERS)[number] | 'text/plain'

// webob puts the explanation, two line breaks and an empty detail and comment into its template.
const BODY_TAIL = '<br /><br />\n\n\n'

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
}

interface MediaRange {
  type: string
  subtype: string
  q: number
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const part of header.split(',')) {
    const [media = '', ...params] = part.trim().split(';')
    const [type = '', subtype = ''] = media.trim().toLowerCase().split('/')
    if (type === '' || subtype === '') continue
    let q = 1
    for (const param of params) {
      const [key, value] = param.trim().split('=')
      if (key?.trim() === 'q' && value !== undefined) q = Number(value)
    }
    ranges.push({ type, subtype, q: Number.isFinite(q) ? q : 0 })
  }
  return ranges
}

function quality(offer: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = offer.split('/')
  let best = -1
  let bestSpecificity = -1
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1
    if (specificity > bestSpecificity) {
      bestSpecificity = specificity
      best = range.q
    }
  }
  return best
}

/**
 * The media type webob answers an error with: the best acceptable of HTML and JSON (HTML when
 * the request has no Accept header), else plain text.
 */
export function imageErrorMedia(accept: string | undefined): ErrorMedia {
  if (accept === undefined || accept.trim() === '') return 'text/html'
  const ranges = parseAccept(accept)
  let chosen: ErrorMedia = 'text/plain'
  let chosenQ = 0
  for (const offer of OFFERS) {
    const q = quality(offer, ranges)
    if (q > chosenQ) {
      chosen = offer
      chosenQ = q
    }
  }
  return chosen
}

/** A Glance error body in one media type, as webob renders `HTTPException(explanation=...)`. */
export function imageErrorBody(
  status: number,
  message: string,
  media: ErrorMedia,
): { contentType: string; body: string } {
  const statusLine = `${status} ${reasonPhrase(status)}`
  if (media === 'application/json') {
    const body = JSON.stringify({
      message: `${message}${BODY_TAIL}`,
      code: statusLine,
      title: reasonPhrase(status),
    })
    return { contentType: 'application/json', body }
  }
  if (media === 'text/html') {
    const body =
      `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n` +
      `  <h1>${statusLine}</h1>\n  ${escapeHtml(message)}${BODY_TAIL}\n </body>\n</html>`
    return { contentType: 'text/html; charset=UTF-8', body }
  }
  return { contentType: 'text/plain; charset=UTF-8', body: `${statusLine}\n\n${message}\n\n   ` }
}

/**
 * Renders errors as Glance does for a JSON client (the form Tempest and the SDK ask for);
 * {@link negotiateImageFault} turns it into HTML or text for other Accept headers. A 401 has
 * keystonemiddleware's JSON form, as in front of a real Glance.
 */
export const renderImageFault: FaultRenderer = (error): Fault => {
  if (error.status === 401) {
    return {
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        error: { code: 401, title: 'Unauthorized', message: error.message },
      }),
      headers: error.headers,
    }
  }
  const { contentType, body } = imageErrorBody(error.status, error.message, 'application/json')
  return { status: error.status, contentType, body, headers: error.headers }
}

/**
 * Re-renders a fault {@link renderImageFault} produced for the request's Accept header; undefined
 * when the JSON form stands (JSON wanted, a 401, or a payload that is not such a fault).
 */
export function negotiateImageFault(
  status: number,
  payload: string,
  accept: string | undefined,
): { contentType: string; body: string } | undefined {
  if (status < 400 || status === 401) return undefined
  const media = imageErrorMedia(accept)
  if (media === 'application/json') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(payload)
  } catch {
    return undefined
  }
  const message = (parsed as { message?: unknown } | null)?.message
  if (typeof message !== 'string' || !message.endsWith(BODY_TAIL)) return undefined
  return imageErrorBody(status, message.slice(0, -BODY_TAIL.length), media)
}
