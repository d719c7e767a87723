/** @module compute/metadata/metadata-signature: the proxy's X-Instance-ID-Signature */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** Hex HMAC-SHA256 of the instance id keyed with the shared secret (Neutron's metadata proxy). */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex')
}

/** Whether `signature` is the instance id's signature, compared in constant time. */
export function verifyInstanceSignature(
  secret: string,
  instanceId: string,
  signature: string | undefined,
): boolean {
  if (!signature) return false
  const expected = Buffer.from(signInstanceId(secret, instanceId))
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
