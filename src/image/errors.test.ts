/** @module image/errors.test: docs/errors.md lists every image error class with its status */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CloudError } from '../core/errors/index.js'
import * as errors from './errors.js'

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

function sample(ctor: new (...args: never[]) => CloudError): CloudError {
  return new (ctor as unknown as new (a: string, b: string) => CloudError)('x', 'y')
}

describe('image error classes', () => {
  for (const [name, ctor] of Object.entries(errors)) {
    it(`${name} is in docs/errors.md with its status`, () => {
      const error = sample(ctor as new (...args: never[]) => CloudError)
      expect(error).toBeInstanceOf(CloudError)
      expect(docs).toContain(`| ${name} | ${error.status} | image/errors |`)
    })
  }
})
