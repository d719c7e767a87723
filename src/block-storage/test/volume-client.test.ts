/** @module block-storage/test/volume-client.test: the client compute uses, against the real API */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { injectDispatcher } from '../../clients/http-dispatcher.js'
import { staticTokenSource } from '../../clients/service-token.js'
import {
  createVolumeClient,
  volumeApiBase,
  type VolumeClient,
} from '../../clients/volume-client.js'
import {
  alice,
  createBlockStorageFixture,
  type BlockStorageFixture,
} from './block-storage-fixture.js'

let f: BlockStorageFixture
let client: VolumeClient
beforeAll(async () => {
  f = await createBlockStorageFixture()
  client = createVolumeClient({
    service: 'volume',
    base: volumeApiBase(alice.projectId),
    dispatch: injectDispatcher(f.app),
    tokens: staticTokenSource(alice.token),
  })
})
afterAll(async () => {
  await f.close()
})

async function settled(id: string, statuses: string[]) {
  for (let i = 0; i < 600; i += 1) {
    const v = await client.getVolume(id)
    if (v && statuses.includes(v.status)) return v
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`volume ${id} did not reach ${statuses.join('/')}`)
}

describe('volume client', () => {
  it('attaches and detaches through v3 attachments, as compute does', async () => {
    const v = await client.createVolume({ size: 1, name: 'boot' })
    await settled(v.id, ['available'])
    const server = '11111111-2222-4333-8444-555555555555'
    const reserved = await client.createAttachment({ volumeId: v.id, instanceUuid: server })
    expect(reserved.status).toBe('reserved')
    expect((await client.getVolume(v.id))?.status).toBe('reserved')
    const updated = await client.updateAttachment(reserved.id, {
      host: 'node1',
      mountpoint: '/dev/vdb',
    })
    expect(updated.connectionInfo?.driver_volume_type).toBe('file')
    expect(String(updated.connectionInfo?.data['path'])).toContain(v.id)
    await client.completeAttachment(reserved.id)
    const inUse = await client.getVolume(v.id)
    expect(inUse?.status).toBe('in-use')
    expect(inUse?.attachments).toEqual([
      { attachmentId: reserved.id, serverId: server, device: '/dev/vdb' },
    ])
    await client.deleteAttachment(reserved.id)
    expect((await client.getVolume(v.id))?.status).toBe('available')
    await client.deleteVolume(v.id)
    await f.waitGone(alice, `/volumes/${v.id}`)
    expect(await client.getVolume(v.id)).toBeUndefined()
  })

  it('runs the older reserve/initialize/attach/detach protocol', async () => {
    const v = await client.createVolume({ size: 1 })
    await settled(v.id, ['available'])
    await client.reserve(v.id)
    expect((await client.getVolume(v.id))?.status).toBe('attaching')
    await client.unreserve(v.id)
    expect((await client.getVolume(v.id))?.status).toBe('available')
    await client.reserve(v.id)
    const info = await client.initializeConnection(v.id, { host: 'node1' })
    expect(info.data['format']).toBe('qcow2')
    await client.attach(v.id, { instanceUuid: 'srv', mountpoint: '/dev/vdc' })
    expect((await client.getVolume(v.id))?.status).toBe('in-use')
    await client.beginDetaching(v.id)
    await client.rollDetaching(v.id)
    expect((await client.getVolume(v.id))?.status).toBe('in-use')
    await client.beginDetaching(v.id)
    await client.terminateConnection(v.id, { host: 'node1' })
    await client.detach(v.id)
    expect((await client.getVolume(v.id))?.status).toBe('available')
  })

  it('says why an attach is refused', async () => {
    await expect(
      client.createAttachment({
        volumeId: '00000000-0000-4000-8000-000000000000',
        instanceUuid: 's',
      }),
    ).rejects.toThrow(/404.*could not be found/)
  })
})
