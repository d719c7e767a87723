/** @module identity/test/passwords.test: lockout, history, expiry and self-service changes */
import { afterEach, describe, expect, it } from 'vitest'
import {
  createIdentityFixture,
  type IdentityFixture,
  type IdentityFixtureOptions,
} from './identity-fixture.js'

const fixtures: IdentityFixture[] = []

async function start(options: IdentityFixtureOptions = {}): Promise<IdentityFixture> {
  const fx = await createIdentityFixture(options)
  fixtures.push(fx)
  return fx
}

afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.close()
})

/** `POST /v3/users/{id}/password`, without a token as Keystone allows. */
function changePassword(fx: IdentityFixture, userId: string, original: string, password: string) {
  return fx.call('POST', `/v3/users/${userId}/password`, {
    body: { user: { original_password: original, password } },
  })
}

describe('lockout', () => {
  it('locks a user out after 2 failures for 5 seconds, then lets the right password in', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'right' })
    expect((await fx.login({ id: user.id }, 'wrong')).status).toBe(401)
    expect((await fx.login({ id: user.id }, 'wrong')).status).toBe(401)
    const locked = await fx.login({ id: user.id }, 'right')
    expect(locked.status).toBe(401)
    expect(locked.body.error.message).toBe(`The account is locked for user: ${user.id}.`)
    fx.clock.advance(4999)
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(401)
    fx.clock.advance(1)
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(201)
  })

  it('counts only failures in a row: a success clears them', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'right' })
    await fx.login({ id: user.id }, 'wrong')
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(201)
    await fx.login({ id: user.id }, 'wrong')
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(201)
  })

  it('starts counting again after a lockout has passed', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'right' })
    await fx.login({ id: user.id }, 'wrong')
    await fx.login({ id: user.id }, 'wrong')
    fx.clock.advance(5000)
    await fx.login({ id: user.id }, 'wrong')
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(201)
  })

  it('never locks out a user with ignore_lockout_failure_attempts', async () => {
    const fx = await start()
    const user = await fx.createUser('svc', {
      password: 'right',
      options: { ignore_lockout_failure_attempts: true },
    })
    for (let i = 0; i < 4; i++) await fx.login({ id: user.id }, 'wrong')
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(201)
  })

  it('never locks out when lockout is switched off', async () => {
    const fx = await start({ config: { lockoutFailureAttempts: 0 } })
    const user = await fx.createUser('alice', { password: 'right' })
    for (let i = 0; i < 4; i++) await fx.login({ id: user.id }, 'wrong')
    expect((await fx.login({ id: user.id }, 'right')).status).toBe(201)
  })

  it('counts a wrong original password of a self-service change as a failure', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'right' })
    expect((await changePassword(fx, user.id, 'wrong', 'next-1')).status).toBe(401)
    expect((await changePassword(fx, user.id, 'wrong', 'next-1')).status).toBe(401)
    expect((await changePassword(fx, user.id, 'right', 'next-1')).status).toBe(401)
    expect((await fx.login({ id: user.id }, 'right')).body.error.message).toMatch(/locked/)
  })
})

describe('self-service password change', () => {
  it('changes the password with the original one and revokes the old tokens', async () => {
    const fx = await start()
    const alice = await fx.createMember('alice')
    const changed = await changePassword(fx, alice.user.id, alice.password, 'second')
    expect(changed.status).toBe(204)
    const used = await fx.call('GET', `/v3/users/${alice.user.id}`, { token: alice.token })
    expect(used.status).toBe(401)
    fx.tick()
    expect((await fx.login({ id: alice.user.id }, alice.password)).status).toBe(401)
    expect((await fx.login({ id: alice.user.id }, 'second')).status).toBe(201)
  })

  it('refuses a wrong original password with 401 and keeps the password', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'first' })
    const response = await changePassword(fx, user.id, 'guess', 'second')
    expect(response.status).toBe(401)
    expect(response.body.error.title).toBe('Unauthorized')
    expect((await fx.login({ id: user.id }, 'first')).status).toBe(201)
  })

  it('refuses the last 2 passwords and accepts an older one', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'one' })
    const same = await changePassword(fx, user.id, 'one', 'one')
    expect(same.status).toBe(400)
    expect(same.body.error.message).toMatch(/identical to a previous password/)
    expect((await changePassword(fx, user.id, 'one', 'two')).status).toBe(204)
    fx.tick()
    expect((await changePassword(fx, user.id, 'two', 'one')).status).toBe(400)
    expect((await changePassword(fx, user.id, 'two', 'two')).status).toBe(400)
    expect((await changePassword(fx, user.id, 'two', 'three')).status).toBe(204)
    fx.tick()
    expect((await changePassword(fx, user.id, 'three', 'one')).status).toBe(204)
    fx.tick()
    expect((await fx.login({ id: user.id }, 'one')).status).toBe(201)
  })

  it('lets an admin reset a password to a recent one', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'one' })
    const reset = await fx.call('PATCH', `/v3/users/${user.id}`, {
      token: fx.adminToken,
      body: { user: { password: 'one' } },
    })
    expect(reset.status).toBe(200)
    fx.tick()
    expect((await fx.login({ id: user.id }, 'one')).status).toBe(201)
  })

  it('refuses a change before the minimum password age', async () => {
    const fx = await start({ config: { minimumPasswordAgeDays: 1 } })
    const user = await fx.createUser('alice', { password: 'one' })
    const early = await changePassword(fx, user.id, 'one', 'two')
    expect(early.status).toBe(400)
    expect(early.body.error.message).toMatch(/minimum age 1 days/)
    fx.clock.advance(86_400_000)
    expect((await changePassword(fx, user.id, 'one', 'two')).status).toBe(204)
  })

  it('refuses a password that breaks the configured rule, saying what the rule asks', async () => {
    const fx = await start({
      config: { passwordRegex: /^.{8,}$/, passwordRegexDescription: 'at least 8 characters' },
    })
    const user = await fx.createUser('alice', { password: 'long enough' })
    const short = await changePassword(fx, user.id, 'long enough', 'short')
    expect(short.status).toBe(400)
    expect(short.body.error.message).toContain('at least 8 characters')
    const created = await fx.call('POST', '/v3/users', {
      token: fx.adminToken,
      body: { user: { name: 'bob', password: 'tiny' } },
    })
    expect(created.status).toBe(400)
  })

  it('refuses a change for a user with lock_password', async () => {
    const fx = await start()
    const user = await fx.createUser('kiosk', {
      password: 'fixed',
      options: { lock_password: true },
    })
    const response = await changePassword(fx, user.id, 'fixed', 'other')
    expect(response.status).toBe(400)
    expect(response.body.error.message).toMatch(/cannot change your password/)
  })

  it('refuses a change for a disabled user', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'one' })
    await fx.call('PATCH', `/v3/users/${user.id}`, {
      token: fx.adminToken,
      body: { user: { enabled: false } },
    })
    const response = await changePassword(fx, user.id, 'one', 'two')
    expect(response.status).toBe(401)
    await fx.call('PATCH', `/v3/users/${user.id}`, {
      token: fx.adminToken,
      body: { user: { enabled: true } },
    })
    fx.tick()
    expect((await fx.login({ id: user.id }, 'one')).status).toBe(201)
  })

  it('answers 404 for a user that does not exist', async () => {
    const fx = await start()
    expect((await changePassword(fx, 'f'.repeat(32), 'a', 'b')).status).toBe(404)
  })

  it('names the missing field when original_password is left out', async () => {
    const fx = await start()
    const user = await fx.createUser('alice', { password: 'one' })
    const response = await fx.call('POST', `/v3/users/${user.id}/password`, {
      body: { user: { password: 'two' } },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain("'user.original_password'")
  })
})

describe('password expiry', () => {
  it('refuses an expired password and shows the expiry in the token and the user', async () => {
    const fx = await start({ config: { passwordExpiresDays: 1 } })
    const user = await fx.createUser('alice', { password: 'one' })
    expect(user.password_expires_at).toBe('2026-01-02T00:00:00.000000')
    const issued = await fx.login({ id: user.id }, 'one')
    expect(issued.body.token.user.password_expires_at).toBe('2026-01-02T00:00:00.000000Z')
    fx.clock.advance(86_400_000)
    const expired = await fx.login({ id: user.id }, 'one')
    expect(expired.status).toBe(401)
    expect(expired.body.error.message).toBe(
      `The password is expired and needs to be changed for user: ${user.id}.`,
    )
  })

  it('lets the user replace an expired password', async () => {
    const fx = await start({ config: { passwordExpiresDays: 1 } })
    const user = await fx.createUser('alice', { password: 'one' })
    fx.clock.advance(2 * 86_400_000)
    expect((await changePassword(fx, user.id, 'one', 'two')).status).toBe(204)
    fx.tick()
    const issued = await fx.login({ id: user.id }, 'two')
    expect(issued.status).toBe(201)
    expect(issued.body.token.user.password_expires_at).toBe('2026-01-04T00:00:00.000000Z')
  })

  it('never expires the password of a user with ignore_password_expiry', async () => {
    const fx = await start({ config: { passwordExpiresDays: 1 } })
    const user = await fx.createUser('svc', {
      password: 'one',
      options: { ignore_password_expiry: true },
    })
    expect(user.password_expires_at).toBeNull()
    fx.clock.advance(30 * 86_400_000)
    expect((await fx.login({ id: user.id }, 'one')).status).toBe(201)
  })
})
