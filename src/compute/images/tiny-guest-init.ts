/** @module compute/images/tiny-guest-init: the shell scripts the tiny guest runs at boot */

/** The banner's first line, printed on the serial console once the guest is up. */
export const TINY_BANNER = 'nimbus tiny guest'

/**
 * Kernel modules loaded at boot, in dependency order (the Debian kernel builds virtio, SCSI and
 * ATA as modules).
 */
export const TINY_MODULES = [
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci',
  'net/core/failover',
  'drivers/net/net_failover',
  'drivers/net/virtio_net',
  'drivers/block/virtio_blk',
  // the config drive is a CD-ROM on the PC's IDE controller
  'drivers/scsi/scsi_common',
  'drivers/scsi/scsi_mod',
  'drivers/ata/libata',
  'drivers/ata/ata_piix',
  'drivers/cdrom/cdrom',
  'drivers/scsi/sr_mod',
  'fs/isofs/isofs',
] as const

/**
 * Pieces of shell the tiny guest's start scripts share (the VM's /init and the container's
 * entrypoint): `lease` asks DHCP on every NIC at once and waits, `fetch PATH FILE` reads
 * /latest/PATH from the metadata service, `keys` installs /tmp/authorized_keys for root and
 * cirros, `nics` prints each NIC's MAC and address, `userdata` runs a user-data script.
 */
export const GUEST_SHELL = {
  lease: `for n in $(ls /sys/class/net); do
  [ "$n" = lo ] && continue
  ip link set "$n" up
  udhcpc -i "$n" -n -q -t 10 -T 1 -A 1 -O staticroutes -s /etc/udhcpc.script >/dev/null 2>&1 &
done
wait
`,
  fetch: `# busybox's static wget cannot resolve even literal addresses without NSS: plain HTTP over nc
fetch() {
  printf 'GET /latest/%s HTTP/1.0\r\nHost: 169.254.169.254\r\n\r\n' "$1" |
    nc -w 2 169.254.169.254 80 > /tmp/http 2>/dev/null
  if head -n 1 /tmp/http | grep -q ' 200 '; then sed '1,/^\r*$/d' /tmp/http > "$2"; else rm -f "$2"; return 1; fi
}
`,
  keys: `for home in /root /home/cirros; do
  mkdir -p $home/.ssh
  [ -s /tmp/authorized_keys ] && cp /tmp/authorized_keys $home/.ssh/authorized_keys
  chmod 700 $home/.ssh
done
chown -R 1000:1000 /home/cirros
`,
  nics: `for n in $(ls /sys/class/net); do
  [ "$n" = lo ] && continue
  echo "$n: $(cat /sys/class/net/$n/address) $(ip -4 -o addr show dev $n | awk '{print $4}')"
done
`,
  userdata: `if [ -s /tmp/user_data ] && head -c 2 /tmp/user_data | grep -q '#!'; then
  chmod +x /tmp/user_data
  /tmp/user_data > /var/log/user-data.log 2>&1
  echo "user-data exited with status $?"
fi
`,
} as const

/**
 * /init: mounts the kernel filesystems, loads virtio, asks DHCP on every NIC at once, reads its
 * hostname, SSH keys and user-data from the first source that answers: a config drive (the disk
 * labelled config-2), the metadata service at 169.254.169.254, then the config data appended to
 * its initramfs (/config-drive/nimbus); runs the user-data script, starts dropbear and prints the
 * banner with each NIC's address and the source it used.
 */
export function tinyInitScript(): string {
  const modules = TINY_MODULES.map((m) => m.split('/').pop() ?? m).join(' ')
  return `#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp /var/log /var/run /mnt/config
mount -t devpts devpts /dev/pts
for m in ${modules}; do insmod /lib/modules/$m.ko 2>/dev/null; done
ip link set lo up
${GUEST_SHELL.lease}echo "dhcp done at $(cut -d' ' -f1 /proc/uptime) s"
${GUEST_SHELL.fetch}# one string value of a flat JSON document: json_value KEY FILE
json_value() {
  sed -n 's/.*"'"$1"'": *"\\([^"]*\\)".*/\\1/p' "$2" | head -n 1
}
src=none
drive=$(findfs LABEL=config-2 2>/dev/null)
if [ -n "$drive" ] && mount -t iso9660 -o ro "$drive" /mnt/config 2>/dev/null; then
  src=config-2
  json_value hostname /mnt/config/openstack/latest/meta_data.json > /tmp/hostname
  json_value openssh-key /mnt/config/ec2/latest/meta-data.json > /tmp/authorized_keys
  cp /mnt/config/openstack/latest/user_data /tmp/user_data 2>/dev/null
  umount /mnt/config
elif ip route | grep -q default && fetch meta-data/hostname /tmp/hostname; then
  src=metadata
  fetch meta-data/public-keys/0/openssh-key /tmp/authorized_keys
  fetch user-data /tmp/user_data
elif [ -d /config-drive/nimbus ]; then
  src=config-drive
  cp /config-drive/nimbus/hostname /tmp/hostname 2>/dev/null
  cp /config-drive/nimbus/authorized_keys /tmp/authorized_keys 2>/dev/null
  cp /config-drive/nimbus/user_data /tmp/user_data 2>/dev/null
fi
[ -s /tmp/authorized_keys ] && [ -n "$(tail -c 1 /tmp/authorized_keys)" ] && echo >> /tmp/authorized_keys
# the short name: the metadata gives the name with its DHCP domain
[ -s /tmp/hostname ] && hostname "$(head -n 1 /tmp/hostname | cut -d. -f1)"
${GUEST_SHELL.keys}mkdir -p /etc/dropbear
dropbear -R -E -p 22 2>/var/log/dropbear.log
echo
echo "=== ${TINY_BANNER} $(hostname) (config from $src) ==="
${GUEST_SHELL.nics}echo "login as cirros or root with your SSH key (up $(cut -d' ' -f1 /proc/uptime) s)"
${GUEST_SHELL.userdata}while true; do setsid cttyhack sh -l </dev/ttyS0 >/dev/ttyS0 2>&1; sleep 1; done
`
}

/** The udhcpc hook: sets the leased address, the default route and the resolvers. */
export function udhcpcScript(): string {
  return `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    if [ -n "$staticroutes" ]; then
      # classless static routes (option 121) stand for the router option (RFC 3442), as in
      # CirrOS: the metadata route of a network without a router comes this way
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = 0.0.0.0 ]; then ip route replace "$1" dev "$interface"
        else ip route replace "$1" via "$2" dev "$interface"; fi
        shift 2
      done
    elif [ -n "$router" ]; then ip route replace default via "\${router%% *}" dev "$interface"; fi
    [ -n "$dns" ] && for d in $dns; do echo "nameserver $d"; done > /etc/resolv.conf
    ;;
esac
exit 0
`
}

/**
 * /usr/bin/lsblk: busybox has none. Lists the block devices of /sys/block (not loop or ram) in
 * util-linux's `lsblk -l` columns, sizes in bytes as with -b, one device per line without
 * partitions as with --nodeps; options are accepted and ignored. Each column is as wide as
 * its header or value so TYPE lines up with its values.
 */
export function lsblkScript(): string {
  return `#!/bin/sh
row() { printf '%-8s %7s %2s %14s %2s %-4s %s\\n' "$@"; }
row NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS
for d in /sys/block/*; do
  n=\${d##*/}
  case "$n" in loop*|ram*) continue ;; esac
  type=disk
  case "$n" in sr*) type=rom ;; esac
  row "$n" "$(cat $d/dev)" "$(cat $d/removable)" $(($(cat $d/size) * 512)) "$(cat $d/ro)" $type ""
done
`
}

/** /etc files: users root and cirros (keys only), and the shells dropbear accepts. */
export function etcFiles(): Record<string, string> {
  return {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ncirros:x:1000:1000:cirros:/home/cirros:/bin/sh\n',
    'etc/group': 'root:x:0:\ncirros:x:1000:\n',
    'etc/shadow': 'root:*:19000:0:99999:7:::\ncirros:*:19000:0:99999:7:::\n',
    'etc/shells': '/bin/sh\n',
    'etc/hostname': 'tiny\n',
    'etc/profile': 'export PATH=/sbin:/bin:/usr/sbin:/usr/bin\nexport PS1="\\h:\\w\\$ "\n',
  }
}
