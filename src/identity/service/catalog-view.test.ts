/** @module identity/service/catalog-view.test: endpoint URL substitution as Keystone does it */
import { describe, expect, it } from 'vitest'
import { substituteProjectId } from './catalog-view.js'

describe('substituteProjectId', () => {
  it('replaces $(project_id)s and %(project_id)s with the token project', () => {
    expect(substituteProjectId('http://h/v1/AUTH_$(project_id)s', 'p1')).toBe('http://h/v1/AUTH_p1')
    expect(substituteProjectId('http://h/v3/%(project_id)s/x', 'p1')).toBe('http://h/v3/p1/x')
  })

  it('leaves URLs alone for tokens without a project', () => {
    expect(substituteProjectId('http://h/v1/AUTH_$(project_id)s', undefined)).toBe(
      'http://h/v1/AUTH_$(project_id)s',
    )
  })
})
