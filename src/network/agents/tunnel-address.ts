/** @module network/agents/tunnel-address: the VXLAN endpoint address of this host when config names none */
import { listAddresses } from '../../core/sys/ip-link.js'

/** The first global IPv4 address of a non-loopback interface that Nimbus did not create, or ''. */
export async function detectTunnelIp(): Promise<string> {
  const ours = /^(brq|tap|vxlan-)/
  const found = (await listAddresses()).find(
    (a) => a.family === 4 && a.device !== 'lo' && !ours.test(a.device),
  )
  return found ? (found.cidr.split('/')[0] ?? '') : ''
}
