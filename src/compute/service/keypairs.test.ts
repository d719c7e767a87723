/** @module compute/service/keypairs.test: fingerprints as Nova computes them, generated x509 pairs */
import { X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sshFingerprint, x509Fingerprint } from './keypairs.js'
import { selfSignedCertificate } from './x509-certificate.js'

describe('key pair fingerprints', () => {
  it('computes the MD5 fingerprint of an OpenSSH key blob', () => {
    const key =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDLhcyLvYlTgsv1ZGJGyhTRJsAeSnBxbDAmQEnQUe0zt test'
    expect(sshFingerprint(key)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/)
  })

  it('refuses text that is not a public key with 400', () => {
    expect(() => sshFingerprint('ssh-rsa notbase64!')).toThrow(/invalid/)
  })

  it('generates a certificate Node can parse, with a SHA-1 fingerprint', () => {
    const { certificate } = selfSignedCertificate('tempest')
    expect(new X509Certificate(certificate).subject).toBe('CN=tempest')
    expect(x509Fingerprint(certificate)).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/)
  })
})
