/** @module core/http/microversion.test */

import { describe, expect, it } from 'vitest'
import {
  Microversion,
  MicroversionBadRequestError,
  MicroversionNotAcceptableError,
  microversionResponseHeaders,
  negotiateMicroversion,
  parseMicroversion,
  type MicroversionOptions,
} from './microversion.js'

const compute = {
  serviceType: 'compute',
  legacyHeader: 'X-OpenStack-Nova-API-Version',
  min: '2.1',
  max: '2.90',
}

function negotiated(
  headers: Record<string, string | string[] | undefined>,
  options: MicroversionOptions = compute,
) {
  return negotiateMicroversion(headers, options).version.toString()
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('parseMicroversion', () => {
  it('parses Major.Minor', () => {
    const version = parseMicroversion('2.53')
    expect(version.major).toBe(2)
    expect(version.minor).toBe(53)
    expect(version.toString()).toBe('2.53')
    expect(parseMicroversion('3.0').toString()).toBe('3.0')
  })

  it.each(['2.x', 'abc', '2', '2.', '.1', '2.1.1', '02.1', '2.01', '-2.1', '2,1', ''])(
    'rejects %j with a 400 MicroversionBadRequestError',
    (text) => {
      const error = thrown(() => parseMicroversion(text))
      expect(error).toBeInstanceOf(MicroversionBadRequestError)
      expect(error).toMatchObject({ status: 400, name: 'MicroversionBadRequestError' })
      expect((error as Error).message).toBe(
        `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`,
      )
    },
  )
})

describe('Microversion', () => {
  it('compares numerically, not as text', () => {
    expect(parseMicroversion('2.10').compare('2.9')).toBeGreaterThan(0)
    expect(parseMicroversion('2.9').compare(parseMicroversion('2.10'))).toBeLessThan(0)
    expect(parseMicroversion('3.0').compare('2.90')).toBeGreaterThan(0)
    expect(parseMicroversion('2.53').compare('2.53')).toBe(0)
  })

  it('matches an inclusive range with open bounds when a bound is absent', () => {
    const version = parseMicroversion('2.53')
    expect(version.matches('2.53', '2.53')).toBe(true)
    expect(version.matches('2.1', '2.52')).toBe(false)
    expect(version.matches('2.54')).toBe(false)
    expect(version.matches(undefined, '2.60')).toBe(true)
    expect(version.matches(null, null)).toBe(true)
    expect(version.matches()).toBe(true)
    expect(version.matches(parseMicroversion('2.1'), parseMicroversion('2.90'))).toBe(true)
  })

  it('refuses negative or fractional numbers', () => {
    expect(() => new Microversion(-1, 0)).toThrow(RangeError)
    expect(() => new Microversion(2, 1.5)).toThrow(RangeError)
  })

  it('serializes to its string in JSON', () => {
    expect(JSON.stringify({ v: new Microversion(2, 1) })).toBe('{"v":"2.1"}')
  })
})

describe('negotiateMicroversion', () => {
  it('uses the minimum when no version is requested', () => {
    expect(negotiated({})).toBe('2.1')
  })

  it('reads the OpenStack-API-Version entry for the service type', () => {
    expect(negotiated({ 'openstack-api-version': 'compute 2.53' })).toBe('2.53')
  })

  it('finds the header whatever the case of its name and service type', () => {
    expect(negotiated({ 'OpenStack-API-Version': 'COMPUTE 2.60' })).toBe('2.60')
  })

  it('picks the entry for the service among several', () => {
    const headers = { 'openstack-api-version': 'volume 3.59, compute 2.79 ,placement 1.36' }
    expect(negotiated(headers)).toBe('2.79')
    expect(negotiated(headers, { serviceType: 'volume', min: '3.0', max: '3.70' })).toBe('3.59')
  })

  it('reads entries spread over several header lines', () => {
    expect(negotiated({ 'openstack-api-version': ['volume 3.1', 'compute 2.42'] })).toBe('2.42')
  })

  it('uses the minimum when the header only names other services', () => {
    expect(negotiated({ 'openstack-api-version': 'volume 3.59' })).toBe('2.1')
  })

  it('falls back to the legacy header', () => {
    expect(negotiated({ 'x-openstack-nova-api-version': '2.37' })).toBe('2.37')
  })

  it('prefers the standard header over the legacy one', () => {
    const headers = {
      'openstack-api-version': 'compute 2.60',
      'x-openstack-nova-api-version': '2.37',
    }
    expect(negotiated(headers)).toBe('2.60')
  })

  it('ignores the legacy header when the service has none configured', () => {
    const options = { serviceType: 'compute', min: '2.1', max: '2.90' }
    expect(negotiated({ 'x-openstack-nova-api-version': '2.37' }, options)).toBe('2.1')
  })

  it('maps latest (in any case) to the maximum', () => {
    expect(negotiated({ 'openstack-api-version': 'compute latest' })).toBe('2.90')
    expect(negotiated({ 'x-openstack-nova-api-version': 'Latest' })).toBe('2.90')
  })

  it('accepts the minimum and maximum themselves', () => {
    expect(negotiated({ 'openstack-api-version': 'compute 2.1' })).toBe('2.1')
    expect(negotiated({ 'openstack-api-version': 'compute 2.90' })).toBe('2.90')
  })

  it.each(['2.999', '2.0', '3.0', '1.5'])(
    'refuses %s outside the range with a 406 naming the bounds as Nova does',
    (requested) => {
      const error = thrown(() => negotiated({ 'openstack-api-version': `compute ${requested}` }))
      expect(error).toBeInstanceOf(MicroversionNotAcceptableError)
      expect(error).toMatchObject({ status: 406, name: 'MicroversionNotAcceptableError' })
      expect((error as Error).message).toBe(
        `Version ${requested} is not supported by the API. Minimum is 2.1 and maximum is 2.90.`,
      )
    },
  )

  it.each([
    [{ 'openstack-api-version': 'compute 2.x' }],
    [{ 'openstack-api-version': 'compute abc' }],
    [{ 'openstack-api-version': 'compute' }],
    [{ 'openstack-api-version': 'compute 2.1 2.2' }],
    [{ 'x-openstack-nova-api-version': 'abc' }],
  ])('refuses a malformed version in %j with a 400', (headers) => {
    expect(thrown(() => negotiated(headers))).toMatchObject({ status: 400 })
  })

  it('ignores a malformed entry for another service', () => {
    expect(negotiated({ 'openstack-api-version': 'volume x.y, compute 2.5' })).toBe('2.5')
  })

  it('refuses a range that is not Major.Minor as a programming error', () => {
    expect(() =>
      negotiateMicroversion({}, { serviceType: 'compute', min: 'x', max: '2.1' }),
    ).toThrow(TypeError)
  })
})

describe('microversionResponseHeaders', () => {
  it('names the version in the standard and legacy headers and varies on both', () => {
    expect(
      microversionResponseHeaders(
        'compute',
        parseMicroversion('2.53'),
        'X-OpenStack-Nova-API-Version',
      ),
    ).toEqual({
      'OpenStack-API-Version': 'compute 2.53',
      'X-OpenStack-Nova-API-Version': '2.53',
      Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    })
  })

  it('sends only the standard header without a legacy one', () => {
    expect(microversionResponseHeaders('volume', parseMicroversion('3.0'))).toEqual({
      'OpenStack-API-Version': 'volume 3.0',
      Vary: 'OpenStack-API-Version',
    })
  })
})
