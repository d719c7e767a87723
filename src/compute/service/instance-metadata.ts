/** @module compute/service/instance-metadata: gathers a server's metadata; its password; its config drive */
import { listKeypairs } from '../db/catalog-repo.js'
import { getInstance, metadataOf, type Db } from '../db/instances-repo.js'
import { ec2IdOf, setSystemMetadata, systemMetadataOf } from '../db/metadata-repo.js'
import {
  configDriveFiles,
  type ConfigDriveFile,
  type MetadataSource,
  type MetadataVif,
} from '../metadata/metadata-content.js'
import type { Instance } from '../model/instance.js'
import { localDeviceNames } from '../rpc/guest-spec.js'
import { DEFAULT_AVAILABILITY_ZONE } from '../model/host-provider.js'
import type { GuestSpec } from '../virt/compute-driver.js'
import type { ComputeContext } from './context.js'

/** What the metadata use cases need. */
export type MetadataContext = Pick<ComputeContext, 'db' | 'network' | 'config'>

/** Nova keeps a posted password in four system metadata items of 255 characters. */
const PASSWORD_CHUNKS = 4
const PASSWORD_CHUNK = 255
/** The longest password a guest may post. */
export const PASSWORD_MAX = PASSWORD_CHUNKS * PASSWORD_CHUNK

function ec2Id(prefix: string, id: number): string {
  return `${prefix}-${id.toString(16).padStart(8, '0')}`
}

/** The password the guest posted to the metadata service, or null. */
export async function passwordOf(db: Db, uuid: string): Promise<string | null> {
  const meta = await systemMetadataOf(db, uuid)
  const text = Object.keys(meta)
    .filter((k) => k.startsWith('password_'))
    .sort()
    .map((k) => meta[k])
    .join('')
  return text || null
}

async function vifsOf(ctx: MetadataContext, instance: Instance): Promise<MetadataVif[]> {
  if (instance.networkInfo.length === 0) return []
  const ports = await ctx.network.portsOfDevice(instance.uuid)
  const subnetIds = [...new Set(ports.flatMap((p) => p.fixedIps.map((f) => f.subnetId)))]
  const subnets = await ctx.network.subnetsOf(subnetIds)
  const networks = new Map<string, { mtu: number | null; dhcp: Set<string> }>()
  for (const id of new Set(ports.map((p) => p.networkId))) {
    const network = await ctx.network.getNetwork(id)
    const dhcp = await ctx.network.dhcpPortsOf(id)
    networks.set(id, {
      mtu: network?.mtu ?? null,
      dhcp: new Set(dhcp.flatMap((p) => p.fixedIps.map((f) => f.subnetId))),
    })
  }
  const vifs: MetadataVif[] = []
  for (const vif of instance.networkInfo) {
    const port = ports.find((p) => p.id === vif.portId)
    if (!port) continue
    const network = networks.get(port.networkId)
    vifs.push({
      portId: port.id,
      networkId: port.networkId,
      macAddress: port.macAddress,
      mtu: network?.mtu ?? null,
      subnets: subnets
        .filter((s) => port.fixedIps.some((f) => f.subnetId === s.id))
        .map((s) => ({
          ipVersion: s.ipVersion,
          cidr: s.cidr,
          gatewayIp: s.gatewayIp,
          dnsNameservers: s.dnsNameservers,
          hostRoutes: s.hostRoutes,
          enableDhcp: s.enableDhcp,
          dhcpServer: network?.dhcp.has(s.id) ?? false,
          ipv6AddressMode: s.ipv6AddressMode,
          ips: port.fixedIps.filter((f) => f.subnetId === s.id).map((f) => f.ipAddress),
        })),
    })
  }
  return vifs
}

/**
 * EC2 block-device-mapping entries of a server's local disks, named as the guest sees them after
 * its root disk: `ephemeral0` `/dev/vdb`..., then `swap`.
 */
function localDeviceMapping(instance: Instance): Record<string, string> {
  const { ephemerals, swap } = localDeviceNames(instance)
  const mapping: Record<string, string> = {}
  ephemerals.forEach((device, i) => (mapping[`ephemeral${i}`] = device))
  if (swap) mapping['swap'] = swap
  return mapping
}

/** Everything a server's metadata is made of, from the compute database and the network API. */
export async function metadataSourceOf(
  ctx: MetadataContext,
  instance: Instance,
): Promise<MetadataSource> {
  const vifs = await vifsOf(ctx, instance)
  const floating = await ctx.network.floatingIpsOfPorts(vifs.map((v) => v.portId))
  const keypair = instance.keyName
    ? (await listKeypairs(ctx.db, instance.userId)).find((k) => k.name === instance.keyName)
    : undefined
  const domain = ctx.config.dhcpDomain
  return {
    uuid: instance.uuid,
    name: instance.name,
    hostname: domain ? `${instance.hostname}.${domain}` : instance.hostname,
    projectId: instance.projectId,
    availabilityZone: instance.availabilityZone ?? DEFAULT_AVAILABILITY_ZONE,
    launchIndex: instance.launchIndex,
    reservationId: instance.reservationId,
    meta: (await metadataOf(ctx.db, [instance.uuid])).get(instance.uuid) ?? {},
    keypair:
      instance.keyName && instance.keyData
        ? { name: instance.keyName, type: keypair?.type ?? 'ssh', publicKey: instance.keyData }
        : null,
    userData: instance.userData ? Buffer.from(instance.userData, 'base64') : null,
    flavorName: instance.flavor.name,
    ec2InstanceId: ec2Id('i', await ec2IdOf(ctx.db, instance.uuid)),
    ec2AmiId: instance.imageRef ? ec2Id('ami', await ec2IdOf(ctx.db, instance.imageRef)) : '',
    securityGroups:
      instance.requestSpec.securityGroups.length > 0
        ? instance.requestSpec.securityGroups
        : ['default'],
    vifs,
    floatingIps: floating.map((f) => f.floatingIpAddress),
    blockDeviceMapping: { ami: 'vda', root: '/dev/vda', ...localDeviceMapping(instance) },
    password: await passwordOf(ctx.db, instance.uuid),
  }
}

/** A live server's metadata source; undefined for an unknown or deleted server. */
export async function metadataSourceById(
  ctx: MetadataContext,
  uuid: string,
): Promise<MetadataSource | undefined> {
  const instance = await getInstance(ctx.db, uuid)
  if (!instance || instance.deleted) return undefined
  return metadataSourceOf(ctx, instance)
}

/**
 * Keeps the password a guest posts, once (Nova's handle_password): 'conflict' when one is set,
 * 'too-large' past {@link PASSWORD_MAX} characters.
 */
export async function setServerPassword(
  ctx: MetadataContext,
  uuid: string,
  password: string,
): Promise<'set' | 'conflict' | 'too-large'> {
  if (await passwordOf(ctx.db, uuid)) return 'conflict'
  if (password.length > PASSWORD_MAX) return 'too-large'
  const chunks: Record<string, string> = {}
  for (let i = 0; i < PASSWORD_CHUNKS; i++) {
    chunks[`password_${i}`] = password.slice(i * PASSWORD_CHUNK, (i + 1) * PASSWORD_CHUNK)
  }
  await setSystemMetadata(ctx.db, uuid, chunks)
  return 'set'
}

/** Forgets a server's password (the guest may post a new one). */
export async function clearPassword(db: Db, uuid: string): Promise<void> {
  const chunks: Record<string, string> = {}
  for (let i = 0; i < PASSWORD_CHUNKS; i++) chunks[`password_${i}`] = ''
  await setSystemMetadata(db, uuid, chunks)
}

/** The config drive's files when the server has one (`config_drive` or the forcing option). */
export async function configDriveOf(
  ctx: MetadataContext,
  instance: Instance,
): Promise<ConfigDriveFile[] | undefined> {
  if (!instance.configDrive && !ctx.config.forceConfigDrive) return undefined
  return configDriveFiles(await metadataSourceOf(ctx, instance))
}

/** `spec` with the server's config drive, when it has one. */
export async function withConfigDrive(
  ctx: MetadataContext,
  instance: Instance,
  spec: GuestSpec,
): Promise<GuestSpec> {
  const files = await configDriveOf(ctx, instance)
  if (!files) return spec
  const entries = files.map((f) => ({ path: f.path, dataBase64: f.data.toString('base64') }))
  return { ...spec, configDrive: { files: entries } }
}
