/** @module core/bus/transport-url.test */

import { describe, expect, it } from 'vitest'
import { parseTransportUrl } from './transport-url.js'

describe('parseTransportUrl', () => {
  it('reads memory:// as the in-process bus', () => {
    expect(parseTransportUrl('memory://')).toEqual({ kind: 'memory' })
  })

  it('turns rabbit:// into an amqp:// URL with the default port and vhost', () => {
    expect(parseTransportUrl('rabbit://nova:s3cret@mq.example:5673/')).toEqual({
      kind: 'amqp',
      url: 'amqp://nova:s3cret@mq.example:5673/',
      display: 'mq.example:5673/',
    })
    expect(parseTransportUrl('rabbit://guest:guest@10.0.0.5/cloud1')).toMatchObject({
      url: 'amqp://guest:guest@10.0.0.5:5672/cloud1',
    })
  })

  it('refuses other schemes, several brokers and a missing host without echoing the password', () => {
    expect(() => parseTransportUrl('kafka://h:9092/')).toThrow(/memory:\/\/ or rabbit:\/\//)
    expect(() => parseTransportUrl('rabbit://u:pw@a:5672,b:5672/')).toThrow(/several brokers/)
    expect(() => parseTransportUrl('rabbit://u:topsecret@/')).toThrow(/no broker host|not a valid/)
    expect(() => parseTransportUrl('rabbit://u:topsecret@/')).not.toThrow(/topsecret/)
  })
})
