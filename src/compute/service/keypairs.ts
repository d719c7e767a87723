/** @module compute/service/keypairs: key pairs per user, imported or generated */
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { isUniqueViolation } from '../../core/db/index.js'
import { createKeypair, deleteKeypair, listKeypairs } from '../db/catalog-repo.js'
import { ComputeValidationError, KeypairExistsError, KeypairNotFoundError } from '../errors.js'
import type { Keypair } from '../model/flavor.js'
import { now, type ComputeContext } from './context.js'
import { selfSignedCertificate } from './x509-certificate.js'
import { enforceQuota } from './quotas.js'

const SSH_TYPES = [
  'ssh-rsa',
  'ssh-ed25519',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]

function colonHex(digest: Buffer): string {
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join(':')
}

/** Nova's fingerprint of an OpenSSH public key: MD5 of the key blob, colon-separated hex. */
export function sshFingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/)
  const type = parts[0] ?? ''
  const blob = Buffer.from(parts[1] ?? '', 'base64')
  if (!SSH_TYPES.includes(type) || blob.length < 16) {
    throw new ComputeValidationError('Keypair data is invalid: failed to generate fingerprint')
  }
  const len = blob.readUInt32BE(0)
  if (blob.subarray(4, 4 + len).toString() !== type) {
    throw new ComputeValidationError('Keypair data is invalid: failed to generate fingerprint')
  }
  return colonHex(createHash('md5').update(blob).digest())
}

/** Nova's fingerprint of an x509 certificate: SHA-1 of its DER form. */
export function x509Fingerprint(pem: string): string {
  try {
    return colonHex(createHash('sha1').update(new X509Certificate(pem).raw).digest())
  } catch {
    throw new ComputeValidationError('Keypair data is invalid: failed to generate fingerprint')
  }
}

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  return Buffer.concat([len, data])
}

function mpint(b64url: string): Buffer {
  let bytes = Buffer.from(b64url, 'base64url')
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return sshString(bytes)
}

/** A new RSA key pair: the OpenSSH public key and the PEM private key. */
function generateRsa(comment: string): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string }
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)])
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
  }
}

export async function listUserKeypairs(ctx: ComputeContext, userId: string) {
  return listKeypairs(ctx.db, userId)
}

export async function getKeypair(ctx: ComputeContext, userId: string, name: string) {
  const found = (await listKeypairs(ctx.db, userId)).find((k) => k.name === name)
  if (!found) throw new KeypairNotFoundError(name)
  return found
}

/** Imports `publicKey`, or generates a pair and returns the private key once. */
export async function createUserKeypair(
  ctx: ComputeContext,
  owner: { userId: string; projectId: string },
  input: { name: string; type: 'ssh' | 'x509'; publicKey?: string },
): Promise<Keypair & { privateKey?: string }> {
  await enforceQuota(ctx, owner, { key_pairs: 1 })
  let publicKey = input.publicKey
  let privateKey: string | undefined
  if (publicKey === undefined) {
    const pair =
      input.type === 'x509'
        ? (({ certificate, privateKey: key }) => ({ publicKey: certificate, privateKey: key }))(
            selfSignedCertificate(`${owner.userId}-${input.name}`),
          )
        : generateRsa('Generated-by-Nova')
    publicKey = pair.publicKey
    privateKey = pair.privateKey
  }
  const fingerprint = input.type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey)
  const keypair: Keypair = {
    userId: owner.userId,
    name: input.name,
    type: input.type,
    publicKey: input.type === 'x509' ? publicKey : publicKey.trim(),
    fingerprint,
    createdAt: now(ctx),
  }
  try {
    await createKeypair(ctx.db, keypair)
  } catch (error) {
    if (isUniqueViolation(error)) throw new KeypairExistsError(input.name)
    throw error
  }
  return { ...keypair, ...(privateKey ? { privateKey } : {}) }
}

export async function deleteUserKeypair(ctx: ComputeContext, userId: string, name: string) {
  if (!(await deleteKeypair(ctx.db, userId, name))) throw new KeypairNotFoundError(name)
}
