/** @module core/faults/image-fault.test: Glance's error bodies and their Accept negotiation */
import { describe, expect, it } from 'vitest'
import { NotFoundError, UnauthorizedError } from '../errors/index.js'
import { imageErrorMedia, negotiateImageFault, renderImageFault } from './image-fault.js'

describe('renderImageFault', () => {
  it('renders webob JSON with the status line as code', () => {
    const fault = renderImageFault(new NotFoundError('No image found with ID x'))
    expect(fault.status).toBe(404)
    expect(JSON.parse(fault.body)).toEqual({
      message: 'No image found with ID x<br /><br />\n\n\n',
      code: '404 Not Found',
      title: 'Not Found',
    })
  })

  it("renders a 401 in keystonemiddleware's form", () => {
    const fault = renderImageFault(new UnauthorizedError())
    expect(JSON.parse(fault.body)).toMatchObject({ error: { code: 401, title: 'Unauthorized' } })
  })
})

describe('imageErrorMedia', () => {
  it.each([
    [undefined, 'text/html'],
    ['*/*', 'text/html'],
    ['application/json', 'application/json'],
    ['text/html;q=0.5, application/json', 'application/json'],
    ['text/plain', 'text/plain'],
  ])('answers %s with %s', (accept, media) => {
    expect(imageErrorMedia(accept)).toBe(media)
  })
})

describe('negotiateImageFault', () => {
  const json = renderImageFault(new NotFoundError('gone <now>')).body

  it('turns the JSON form into an escaped HTML page', () => {
    const page = negotiateImageFault(404, json, '*/*')
    expect(page?.contentType).toBe('text/html; charset=UTF-8')
    expect(page?.body).toContain('<h1>404 Not Found</h1>')
    expect(page?.body).toContain('gone &lt;now&gt;')
  })

  it('turns it into plain text', () => {
    expect(negotiateImageFault(404, json, 'text/plain')?.body).toMatch(
      /^404 Not Found\n\ngone <now>/,
    )
  })

  it('leaves JSON requests and other payloads alone', () => {
    expect(negotiateImageFault(404, json, 'application/json')).toBeUndefined()
    expect(negotiateImageFault(404, '{"images":[]}', '*/*')).toBeUndefined()
    expect(negotiateImageFault(200, json, '*/*')).toBeUndefined()
  })
})
