/** @module core/http/microversion: OpenStack API microversion parsing and negotiation. */

import { CloudError } from '../errors/index.js'

/** The standard microversion request and response header. */
export const MICROVERSION_HEADER = 'OpenStack-API-Version'

/** A microversion error with the HTTP status the API answers with, in the service's fault format. */
export class MicroversionError extends CloudError {
  override readonly name: string = 'MicroversionError'

  constructor(status: number, message: string) {
    super(status, message)
  }
}

/** 400: the requested version is not of the form `Major.Minor` (or `latest`). */
export class MicroversionBadRequestError extends MicroversionError {
  override readonly name = 'MicroversionBadRequestError'
  declare readonly status: 400

  constructor(text: string) {
    super(
      400,
      `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`,
    )
  }
}

/** 406: the requested version is well formed but outside what the API supports. */
export class MicroversionNotAcceptableError extends MicroversionError {
  override readonly name = 'MicroversionNotAcceptableError'
  declare readonly status: 406

  constructor(requested: Microversion, min: Microversion, max: Microversion) {
    super(
      406,
      `Version ${requested.toString()} is not supported by the API. ` +
        `Minimum is ${min.toString()} and maximum is ${max.toString()}.`,
    )
  }
}

/** An API microversion such as 2.53. Immutable; compare with {@link Microversion.compare}. */
export class Microversion {
  /** The major number (2 in 2.53). */
  readonly major: number
  /** The minor number (53 in 2.53). */
  readonly minor: number

  constructor(major: number, minor: number) {
    if (!Number.isSafeInteger(major) || major < 0 || !Number.isSafeInteger(minor) || minor < 0) {
      throw new RangeError(`Invalid microversion numbers ${major}.${minor}`)
    }
    this.major = major
    this.minor = minor
  }

  /** Negative if this is older than `other`, zero if equal, positive if newer. */
  compare(other: Microversion | string): number {
    const that = typeof other === 'string' ? parseMicroversion(other) : other
    return this.major !== that.major ? this.major - that.major : this.minor - that.minor
  }

  /** Whether this lies in the inclusive range; an absent bound is open. */
  matches(min?: Microversion | string | null, max?: Microversion | string | null): boolean {
    if (min !== undefined && min !== null && this.compare(min) < 0) return false
    if (max !== undefined && max !== null && this.compare(max) > 0) return false
    return true
  }

  /** `Major.Minor`, e.g. `2.53`. */
  toString(): string {
    return `${this.major}.${this.minor}`
  }

  toJSON(): string {
    return this.toString()
  }
}

const VERSION_PATTERN = /^([1-9]\d*)\.([1-9]\d*|0)$/

/**
 * Parses `Major.Minor` as Nova does: no leading zeros, no sign, no spaces around the numbers.
 * @throws MicroversionBadRequestError for anything else.
 */
export function parseMicroversion(text: string): Microversion {
  const found = VERSION_PATTERN.exec(text.trim())
  if (found === null || found[1] === undefined || found[2] === undefined) {
    throw new MicroversionBadRequestError(text)
  }
  const major = Number(found[1])
  const minor = Number(found[2])
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor)) {
    throw new MicroversionBadRequestError(text)
  }
  return new Microversion(major, minor)
}

/** How a service negotiates: its type in the header, its legacy header, its version range. */
export interface MicroversionOptions {
  /** The service's entry name in `OpenStack-API-Version`, e.g. `compute` or `volume`. */
  readonly serviceType: string
  /** A pre-standard header carrying only the version, e.g. `X-OpenStack-Nova-API-Version`. */
  readonly legacyHeader?: string
  /** Oldest supported version; used when the request names none. */
  readonly min: string
  /** Newest supported version; used for `latest`. */
  readonly max: string
}

/** Request headers as Node gives them (names in any case). */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Picks the request's microversion: the `OpenStack-API-Version` entry for `serviceType`, else the
 * legacy header, else `min`; `latest` means `max`.
 * @throws MicroversionBadRequestError (400) when the requested version is malformed.
 * @throws MicroversionNotAcceptableError (406) when it is outside `min`..`max`.
 */
export function negotiateMicroversion(
  headers: RequestHeaders,
  options: MicroversionOptions,
): { version: Microversion } {
  const min = parseBound(options.min, 'min')
  const max = parseBound(options.max, 'max')
  const requested = requestedVersion(headers, options)
  if (requested === undefined) return { version: min }
  if (requested.toLowerCase() === 'latest') return { version: max }
  const version = parseMicroversion(requested)
  if (!version.matches(min, max)) throw new MicroversionNotAcceptableError(version, min, max)
  return { version }
}

/**
 * Headers announcing the version a response was produced with: `OpenStack-API-Version`, the
 * legacy header when the service has one, and `Vary` naming both.
 */
export function microversionResponseHeaders(
  serviceType: string,
  version: Microversion,
  legacyHeader?: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    [MICROVERSION_HEADER]: `${serviceType} ${version.toString()}`,
  }
  const vary = [MICROVERSION_HEADER]
  if (legacyHeader !== undefined) {
    headers[legacyHeader] = version.toString()
    vary.push(legacyHeader)
  }
  headers.Vary = vary.join(', ')
  return headers
}

function parseBound(text: string, which: string): Microversion {
  if (!VERSION_PATTERN.test(text)) {
    throw new TypeError(`Microversion ${which} "${text}" is not of the form Major.Minor`)
  }
  return parseMicroversion(text)
}

function requestedVersion(
  headers: RequestHeaders,
  options: MicroversionOptions,
): string | undefined {
  const standard = headerValue(headers, MICROVERSION_HEADER)
  if (standard !== undefined) {
    const entry = serviceEntry(standard, options.serviceType)
    if (entry !== undefined) return entry
  }
  if (options.legacyHeader === undefined) return undefined
  const legacy = headerValue(headers, options.legacyHeader)
  return legacy === undefined || legacy.trim() === '' ? undefined : legacy.trim()
}

/** The version given for `serviceType` in `compute 2.53, volume 3.0`; the last one wins. */
function serviceEntry(value: string, serviceType: string): string | undefined {
  const wanted = serviceType.toLowerCase()
  let found: string | undefined
  for (const entry of value.split(',')) {
    const trimmed = entry.trim()
    if (trimmed === '') continue
    const [service, ...rest] = trimmed.split(/\s+/)
    if (service?.toLowerCase() !== wanted) continue
    // A service name with no version, or with several words after it, is malformed.
    if (rest.length !== 1 || rest[0] === undefined) throw new MicroversionBadRequestError(trimmed)
    found = rest[0]
  }
  return found
}

function headerValue(headers: RequestHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase()
  const values: string[] = []
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue
    if (typeof value === 'string') values.push(value)
    else values.push(...value)
  }
  return values.length === 0 ? undefined : values.join(',')
}
