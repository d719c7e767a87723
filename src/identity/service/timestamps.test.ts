/** @module identity/service/timestamps.test */
import { describe, expect, it } from 'vitest'
import { IdentityValidationError } from '../errors.js'
import { normalizeTimestamp, timestampMs } from './timestamps.js'

describe('normalizeTimestamp', () => {
  it.each([
    ['2026-03-04T05:06:07Z', '2026-03-04T05:06:07.000000'],
    ['2026-03-04T05:06:07', '2026-03-04T05:06:07.000000'],
    ['2026-03-04 05:06:07', '2026-03-04T05:06:07.000000'],
    ['2026-03-04T05:06', '2026-03-04T05:06:00.000000'],
    ['2026-03-04T05:06:07.5Z', '2026-03-04T05:06:07.500000'],
    ['2026-03-04T05:06:07.123456Z', '2026-03-04T05:06:07.123456'],
    ['2026-03-04T05:06:07.123456789Z', '2026-03-04T05:06:07.123456'],
    ['  2026-03-04T05:06:07Z  ', '2026-03-04T05:06:07.000000'],
  ])('normalizes %j to %j', (text, expected) => {
    expect(normalizeTimestamp(text, 'expires_at')).toBe(expected)
  })

  it.each([
    ['2026-03-04T05:06:07.654321+02:00', '2026-03-04T03:06:07.654321'],
    ['2026-03-04T05:06:07-0130', '2026-03-04T06:36:07.000000'],
    ['2026-01-01T01:00:00+02:00', '2025-12-31T23:00:00.000000'],
  ])('converts %j to UTC, keeping microseconds', (text, expected) => {
    expect(normalizeTimestamp(text, 'expires_at')).toBe(expected)
  })

  it.each([
    ['not a date'],
    ['2026-3-4T05:06:07Z'],
    ['2026-03-04'],
    ['2026-03-04T05:06:07ZZ'],
    ['2026-13-01T00:00:00Z'],
    ['2026-02-30T00:00:00Z'],
    ['2026-04-31T12:00:00'],
    ['2026-01-01T25:00:00Z'],
    ['2026-01-01T12:60:00Z'],
  ])('refuses %j with a 400 naming the field', (text) => {
    let error: unknown
    try {
      normalizeTimestamp(text, 'expires_at')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(IdentityValidationError)
    expect((error as IdentityValidationError).status).toBe(400)
    expect((error as Error).message).toContain("'expires_at'")
  })

  it('accepts the leap day of a leap year', () => {
    expect(normalizeTimestamp('2028-02-29T00:00:00Z', 'x')).toBe('2028-02-29T00:00:00.000000')
  })
})

describe('timestampMs', () => {
  it('reads a normalized timestamp back as UTC milliseconds', () => {
    expect(timestampMs('2026-03-04T05:06:07.123456')).toBe(Date.parse('2026-03-04T05:06:07.123Z'))
  })

  it('orders timestamps as the clock does', () => {
    const earlier = normalizeTimestamp('2026-03-04T05:06:07+01:00', 'x')
    const later = normalizeTimestamp('2026-03-04T04:30:00Z', 'x')
    expect(timestampMs(earlier)).toBeLessThan(timestampMs(later))
  })
})
