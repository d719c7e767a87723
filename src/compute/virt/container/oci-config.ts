/** @module compute/virt/container/oci-config: the OCI runtime config.json of a container guest */
import type { ImageRunConfig } from './docker-archive.js'

/** What a guest's config.json is made from. */
export interface ContainerConfigInput {
  image: ImageRunConfig
  hostname: string
  vcpus: number
  memoryMb: number
  /** The named network namespace the guest joins (`/run/netns/<name>`). */
  netnsPath: string
  /** The cgroup (v1 hierarchies) the guest's limits are set on. */
  cgroupsPath: string
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Docker's default capability set, plus NET_ADMIN so that the guest can configure its own network. */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_NET_ADMIN',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
]

/** The process arguments of an image: its entrypoint then its cmd. */
export function imageArgs(image: ImageRunConfig): string[] {
  return [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])]
}

function user(spec: string | undefined): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(spec ?? '')
  if (!spec || !match) {
    if (spec && spec !== 'root' && spec !== '0') {
      throw new Error(
        `image user ${JSON.stringify(spec)} is not numeric (uid[:gid]), which is all this driver reads`,
      )
    }
    return { uid: 0, gid: 0 }
  }
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) }
}

/** The config.json of a guest (OCI runtime spec 1.0), rootfs at `rootfs` next to it. */
export function containerConfig(input: ContainerConfigInput): Record<string, unknown> {
  const args = imageArgs(input.image)
  if (args.length === 0) throw new Error('the image has neither an entrypoint nor a cmd to run')
  const env = [...(input.image.Env ?? [])]
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH)
  env.push(`HOSTNAME=${input.hostname}`)
  const quotaUs = Math.max(1, input.vcpus) * 100_000
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: user(input.image.User),
      args,
      env,
      cwd: input.image.WorkingDir || '/',
      capabilities: {
        bounding: CAPABILITIES,
        effective: CAPABILITIES,
        permitted: CAPABILITIES,
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: input.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', 'ro'],
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
    ],
    linux: {
      cgroupsPath: input.cgroupsPath,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        memory: { limit: input.memoryMb * 1024 * 1024 },
        cpu: { shares: 1024 * Math.max(1, input.vcpus), quota: quotaUs, period: 100_000 },
        pids: { limit: 4096 },
      },
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'network', path: input.netnsPath },
      ],
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  }
}
