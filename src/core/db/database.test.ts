/** @module core/db/database.test */
import { describe, expect, it } from 'vitest'
import { BadRequestError } from '../errors/index.js'
import { parseDatabaseUrl, serviceDatabaseName } from './database.js'

const DATA = '/var/lib/nimbus'

describe('parseDatabaseUrl', () => {
  it('puts the SQLite files of a bare sqlite:// in the data dir', () => {
    expect(parseDatabaseUrl('sqlite://', DATA)).toEqual({ dialect: 'sqlite', path: `${DATA}/db` })
    expect(parseDatabaseUrl('sqlite:', DATA)).toEqual({ dialect: 'sqlite', path: `${DATA}/db` })
  })

  it('reads an absolute folder from sqlite:///dir', () => {
    expect(parseDatabaseUrl('sqlite:///tmp/nimbus-db', DATA)).toEqual({
      dialect: 'sqlite',
      path: '/tmp/nimbus-db',
    })
  })

  it('keeps everything in memory for sqlite::memory:', () => {
    expect(parseDatabaseUrl('sqlite::memory:', DATA)).toEqual({
      dialect: 'sqlite',
      path: ':memory:',
    })
  })

  it.each([
    ['mysql://root@127.0.0.1:3306/nimbus_test', 'mysql'],
    ['mariadb://nimbus:pw@db.example.com/nimbus', 'mysql'],
    ['postgresql://postgres@127.0.0.1:5432/nimbus_test', 'postgres'],
    ['postgres://u:p@db/nimbus', 'postgres'],
  ])('reads %s as %s with its URL', (text, dialect) => {
    const location = parseDatabaseUrl(text, DATA)
    expect(location.dialect).toBe(dialect)
    expect(location.url?.href).toBe(new URL(text).href)
  })

  it('keeps the credentials and port of a server URL', () => {
    const { url } = parseDatabaseUrl('mysql://nimbus:s%40cret@db.local:3307/cloud', DATA)
    expect(url?.username).toBe('nimbus')
    expect(decodeURIComponent(url?.password ?? '')).toBe('s@cret')
    expect(url?.port).toBe('3307')
  })

  it('refuses text that is not a URL', () => {
    expect(() => parseDatabaseUrl('localhost:3306', DATA)).toThrow(BadRequestError)
    expect(() => parseDatabaseUrl('not a url', DATA)).toThrow(/is not a URL/)
  })

  it('refuses an unsupported scheme and says which are supported', () => {
    expect(() => parseDatabaseUrl('oracle://db/nimbus', DATA)).toThrow(
      /must start with sqlite:\/\/, mysql:\/\/ or postgresql:\/\//,
    )
  })

  it('does not echo credentials when it refuses a scheme', () => {
    let message = ''
    try {
      parseDatabaseUrl('mongodb://admin:hunter2@db/nimbus', DATA)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).not.toBe('')
    expect(message).not.toContain('hunter2')
  })
})

describe('serviceDatabaseName', () => {
  it('gives each service its own database named after the base', () => {
    expect(serviceDatabaseName(new URL('mysql://root@h/nimbus_test'), 'identity')).toBe(
      'nimbus_test_identity',
    )
  })

  it('defaults the base to nimbus and makes the name safe to quote', () => {
    expect(serviceDatabaseName(new URL('postgresql://h'), 'block-storage')).toBe(
      'nimbus_block_storage',
    )
    expect(serviceDatabaseName(new URL('mysql://h/my%20db'), 'image')).toBe('my_db_image')
  })
})
