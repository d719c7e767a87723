/** @module core/ids/ids: injectable id sources */
import { randomBytes, randomUUID } from 'node:crypto'

/** Where code gets new ids, so tests can make them predictable. */
export interface IdSource {
  /** A UUID in its dashed form. */
  uuid(): string
  /** A UUID without dashes, as Keystone uses for its ids. */
  hex(): string
}

export const randomIds: IdSource = {
  uuid: () => randomUUID(),
  hex: () => randomUUID().replace(/-/g, ''),
}

/** Predictable ids for tests: 00000000-0000-4000-8000-000000000001, ... */
export function sequentialIds(): IdSource {
  let n = 0
  const next = () => (++n).toString(16).padStart(12, '0')
  return {
    uuid: () => `00000000-0000-4000-8000-${next()}`,
    hex: () => `000000000000400080000${next().slice(1)}`.slice(0, 32),
  }
}

/** URL-safe random text, for secrets. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
