/** @module compute/test/host-capabilities-api.test: actions the host's driver cannot do are refused up front */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import { alice, createComputeFixture, type ComputeFixture, type Json } from './compute-fixture.js'

/** Like the container driver's: no suspend, no resize, no volumes. */
const limited = { suspend: false, resize: false, volumeAttach: false }

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

const action = (f: ComputeFixture, id: string, body: Json) =>
  f.request(alice, { method: 'POST', url: `/compute/v2.1/servers/${id}/action`, payload: body })

describe('actions and the host driver capabilities', () => {
  it("refuses suspend and resize with 409 before any change when the host's driver cannot do them", async () => {
    const f = (fx = await createComputeFixture({
      driverFor: () => new FakeDriver({ capabilities: limited }),
    }))
    const id = await f.boot(alice)
    await f.waitFor(alice, id, 'ACTIVE')

    const suspend = await action(f, id, { suspend: null })
    expect(suspend.statusCode).toBe(409)
    const fault = (suspend.json() as { conflictingRequest: { message: string } }).conflictingRequest
    expect(fault.message).toMatch(/Cannot 'suspend' instance .*does not support it/)
    const resize = await action(f, id, { resize: { flavorRef: '84' } })
    expect(resize.statusCode).toBe(409)

    // nothing moved: no task state, no action recorded for the refused requests
    const server = await f.server(alice, id)
    expect(server['status']).toBe('ACTIVE')
    expect(server['OS-EXT-STS:task_state']).toBeNull()
    const actions = await f.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-instance-actions`,
    })
    const names = (actions.json() as { instanceActions: Json[] }).instanceActions.map(
      (a) => a['action'],
    )
    expect(names).toEqual(['create'])

    // what the driver can do still goes through
    expect((await action(f, id, { pause: null })).statusCode).toBe(202)
    await f.waitFor(alice, id, 'PAUSED')
  })
})
