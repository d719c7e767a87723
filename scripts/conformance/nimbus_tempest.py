"""Tempest glue for Nimbus conformance runs: writes tempest.conf, runs the tests, sums results.

Runs under Debian's /usr/bin/python3 (the interpreter Tempest itself uses) with the standard
library plus the subunit and testtools packages that stestr already depends on.

Subcommands:
  write-conf   issue an admin token, read the catalog, fill tempest.conf.template, write
               <workspace>/etc/tempest.conf with [service_available] taken from the catalog;
               with --guests qemu also [validation] for SSH into real guests
  run          select the tests of the given components, run `tempest run`, print a summary
  summarize    print the summary of the last run in a workspace again
  cleanup-host remove what a cloud with real guests and the linuxbridge data plane left on the
               host after it stopped (guests, namespaces, devices, nftables tables)
"""

import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

# keep the checkout free of __pycache__ (the repository does not ignore it)
sys.dont_write_bytecode = True

from cloud_api import (  # noqa: E402
    DISCOVERY,
    ConformanceError,
    endpoint_url,
    http_json,
    issue_token,
    warn,
)
from tempest_results import summarize  # noqa: E402

TEMPEST = '/usr/bin/tempest'

# component name -> test id prefix in the interop list
COMPONENT_PREFIXES = {
    'identity': 'tempest.api.identity.',
    'image': 'tempest.api.image.',
    'network': 'tempest.api.network.',
    'compute': 'tempest.api.compute.',
    'volume': 'tempest.api.volume.',
    'object': 'tempest.api.object_storage.',
}
IDENTITY_FULL_REGEX = r'^tempest\.api\.identity\.(v3|admin\.v3)'
# components that run every test a regex matches instead of the interop list's
FULL_REGEXES = {
    'identity-full': IDENTITY_FULL_REGEX,
    'compute-full': r'^tempest\.api\.compute\.',
    'volume-full': r'^tempest\.api\.volume\.',
}
# the interop compute classes that log into their servers when [validation] run_validation is
# true (validatable servers, SSHABLE waits, remote clients)
VALIDATION_PREFIXES = (
    'tempest.api.compute.servers.test_create_server.ServersTestJSON.',
    'tempest.api.compute.servers.test_server_actions.ServerActionsTestJSON.',
    'tempest.api.compute.volumes.test_attach_volume.AttachVolumeTestJSON.',
)
EXTRA_COMPONENTS = {
    'identity-full': 'identity',
    'compute-full': 'compute',
    'volume-full': 'volume',
    'compute-validation': 'compute',
    'all': None,
}

# [service_available] key -> catalog types that provide it
SERVICE_TYPES = {
    'nova': ('compute',),
    'glance': ('image',),
    'neutron': ('network',),
    'cinder': ('volumev3', 'block-storage', 'volume'),
    'swift': ('object-store',),
}
COMPONENT_SERVICE = {
    'identity': ('identity',),
    'image': SERVICE_TYPES['glance'],
    'network': SERVICE_TYPES['neutron'],
    'compute': SERVICE_TYPES['nova'],
    'volume': SERVICE_TYPES['cinder'],
    'object': SERVICE_TYPES['swift'],
}
REQUIRED_ROLES = ('admin', 'member', 'reader')

# What the tiny guest (src/compute/images) offers: logins by key as cirros or root, a banner on
# the serial console, keys from a config drive or the metadata service
TINY_SSH_USER = 'cirros'
# TCG guests on a loaded machine: a boot takes a minute or more, a stop and start two
GUEST_SETTINGS = {
    'compute': {'build_timeout': '900'},
    'compute-feature-enabled': {
        'console_output': 'true',
        'metadata_service': 'true',
        'config_drive': 'true',
    },
    'validation': {
        'run_validation': 'true',
        'connect_method': 'floating',
        'auth_method': 'keypair',
        'ip_version_for_ssh': '4',
        'image_ssh_user': TINY_SSH_USER,
        'image_alt_ssh_user': TINY_SSH_USER,
        'ssh_timeout': '600',
        'connect_timeout': '120',
        'ping_timeout': '300',
        'security_group': 'true',
        'security_group_rules': 'true',
    },
    'network': {'build_timeout': '600'},
    'volume': {'build_timeout': '600'},
}
GUEST_KINDS = ('fake', 'qemu')
# [volume] options the template presets for a reference backend, and the discovered values
# (what the cloud's backend reports) that replace them
VOLUME_BACKEND_OPTIONS = {
    'VOLUME_STORAGE_PROTOCOL': 'storage_protocol',
    'VOLUME_VENDOR_NAME': 'vendor_name',
}


def set_section_values(lines, section, values):
    """Sets `key = value` for each item inside [section], appending the keys it lacks.

    The section is added at the end when the file has none.
    """
    out, current, found, seen = [], None, False, set()

    def add_missing():
        out.extend(f'{k} = {v}' for k, v in values.items() if k not in seen)

    for line in lines:
        header = re.match(r'^\s*\[([^\]]+)\]\s*$', line)
        if header:
            if current == section:
                add_missing()
            current = header.group(1)
            found = found or current == section
        elif current == section:
            item = re.match(r'^(\s*)([A-Za-z0-9_.-]+)\s*=', line)
            if item and item.group(2) in values:
                key = item.group(2)
                line = f'{item.group(1)}{key} = {values[key]}'
                seen.add(key)
        out.append(line)
    if current == section:
        add_missing()
    elif not found:
        out.append(f'[{section}]')
        add_missing()
    return out


def fill_template(text, values):
    """Replaces {{NAME}} placeholders; fails on one left in a line that is not a comment."""
    for name, value in values.items():
        text = text.replace('{{' + name + '}}', str(value))
    left = [
        l for l in text.splitlines() if '{{' in l and not l.lstrip().startswith(('#', ';'))
    ]
    if left:
        raise ConformanceError('placeholders left unfilled: ' + '; '.join(left))
    return text


def build_conf(template, workspace, auth_url, creds, token_body, token_id, guests='fake'):
    """Returns (tempest.conf text, service availability dict) for one cloud.

    `guests`: fake (servers are records only: [validation] stays off) or qemu (real guests booted
    from the tiny image, reached by SSH over floating IPs of the external network).
    """
    catalog = token_body.get('catalog') or []
    region = creds['region']
    available = {
        key: endpoint_url(catalog, types, region) is not None for key, types in SERVICE_TYPES.items()
    }
    keystone_url = re.sub(r'/v3/?$', '', auth_url.rstrip('/'))
    values = {
        'WORKSPACE': workspace,
        'KEYSTONE_URL': keystone_url,
        'REGION': region,
        'ADMIN_USER': creds['username'],
        'ADMIN_PASSWORD': creds['password'],
        'ADMIN_PROJECT': creds['project'],
        'IMAGE_ID': '',
        'IMAGE_ID_ALT': '',
        'FLAVOR_ID': '',
        'FLAVOR_ID_ALT': '',
        'PUBLIC_NET_ID': '',
        'PUBLIC_NET_NAME': '',
        'COMPUTE_MAX_MV': 'latest',
        'COMPUTE_NODES': '1',
        'VOLUME_MAX_MV': '3.0',
        'VOLUME_STORAGE_PROTOCOL': '',
        'VOLUME_VENDOR_NAME': '',
    }
    for key, discover in DISCOVERY.items():
        if available[key]:
            url = endpoint_url(catalog, SERVICE_TYPES[key], region)
            values.update(discover(url, token_id, guests=guests))
    for name in list(values):
        override = os.environ.get('NIMBUS_TEMPEST_' + name)
        if override is not None:
            values[name] = override
    if '\n' in creds['password'] or '#' in creds['password']:
        # oslo.config would cut or misread such a value
        raise ConformanceError('the admin password must not contain "#" or a newline')
    text = fill_template(template, values)
    flags = {key: 'true' if on else 'false' for key, on in available.items()}
    flags['horizon'] = 'false'
    lines = set_section_values(text.splitlines(), 'service_available', flags)
    lines = set_section_values(lines, 'compute', {'min_compute_nodes': values['COMPUTE_NODES']})
    backend = {
        option: values[name] for name, option in VOLUME_BACKEND_OPTIONS.items() if values[name]
    }
    if backend:
        lines = set_section_values(lines, 'volume', backend)
    if guests == 'qemu':
        for section, settings in guest_settings(values).items():
            lines = set_section_values(lines, section, settings)
    return '\n'.join(lines) + '\n', available


def guest_settings(values):
    """The sections a run with real guests changes, given the discovered values."""
    if not values['IMAGE_ID'] or not values['PUBLIC_NET_NAME']:
        raise ConformanceError(
            'a run with real guests needs a bootable image and an external network '
            f'(found image {values["IMAGE_ID"]!r}, network {values["PUBLIC_NET_NAME"]!r})'
        )
    settings = {section: dict(items) for section, items in GUEST_SETTINGS.items()}
    settings['validation']['network_for_ssh'] = values['PUBLIC_NET_NAME']
    # servers get their fixed address on the network tempest makes for each project (so
    # [compute] fixed_network_name stays unset) and are reached from this host through a
    # floating IP of the external network
    settings['network']['floating_network_name'] = values['PUBLIC_NET_NAME']
    return settings


def check_roles(auth_url, token_id, swift):
    status, _, body = http_json('GET', auth_url.rstrip('/') + '/roles', token_id)
    if status != 200 or not isinstance(body, dict):
        warn(f'GET /v3/roles answered {status}; cannot check the roles tempest needs')
        return
    names = {r.get('name') for r in body.get('roles', [])}
    wanted = REQUIRED_ROLES + (('ResellerAdmin',) if swift else ())
    missing = [r for r in wanted if r not in names]
    if missing:
        warn('roles tempest expects are missing from the cloud: ' + ', '.join(missing))


def cmd_write_conf(args):
    creds = {
        'username': args.username,
        'password': args.password,
        'project': args.project,
        'user_domain': args.user_domain,
        'project_domain': args.project_domain,
        'region': args.region,
    }
    with open(args.template, encoding='utf-8') as f:
        template = f.read()
    token_id, token_body = issue_token(args.auth_url, creds)
    conf, available = build_conf(
        template, args.workspace, args.auth_url, creds, token_body, token_id, args.guests
    )
    for sub in ('etc', 'logs', 'tempest_lock'):
        os.makedirs(os.path.join(args.workspace, sub), exist_ok=True)
    path = os.path.join(args.workspace, 'etc', 'tempest.conf')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(conf)
    with open(os.path.join(args.workspace, 'catalog.json'), 'w', encoding='utf-8') as f:
        json.dump(token_body.get('catalog') or [], f, indent=2)
    check_roles(args.auth_url, token_id, available['swift'])
    types = sorted({s.get('type', '?') for s in token_body.get('catalog') or []})
    print(f'conformance: catalog offers: {", ".join(types) or "(nothing)"}')
    print(
        'conformance: service_available: '
        + ', '.join(f'{k}={"true" if v else "false"}' for k, v in available.items())
    )
    print(f'conformance: wrote {path}')
    return 0


def parse_components(names):
    """Validates component names; returns (prefixes, the regexes of the -full components)."""
    prefixes, full = [], []
    for name in names:
        if name == 'all':
            prefixes.extend(COMPONENT_PREFIXES.values())
        elif name in FULL_REGEXES:
            if FULL_REGEXES[name] not in full:
                full.append(FULL_REGEXES[name])
        elif name == 'compute-validation':
            prefixes.extend(VALIDATION_PREFIXES)
        elif name in COMPONENT_PREFIXES:
            prefixes.append(COMPONENT_PREFIXES[name])
        else:
            known = ', '.join(list(COMPONENT_PREFIXES) + list(EXTRA_COMPONENTS))
            raise ConformanceError(f'unknown component {name!r} (known: {known})')
    if not prefixes and not full:
        raise ConformanceError('no component given')
    return sorted(set(prefixes)), full


def full_regex(regexes):
    """One regex matching what any of `regexes` matches (the regex itself when there is one)."""
    if len(regexes) == 1:
        return regexes[0]
    return '|'.join(f'(?:{r})' for r in regexes)


def list_tests(workspace, regex):
    proc = subprocess.run(
        [TEMPEST, 'run', '--list-tests', '--regex', regex],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ConformanceError(f'tempest run --list-tests failed: {proc.stderr.strip()[-2000:]}')
    return [l.strip() for l in proc.stdout.splitlines() if re.match(r'^tempest\.\S+$', l.strip())]


def test_key(test_id):
    """A test's name and idempotent id: what stays the same whatever attributes it carries."""
    name, _, attrs = test_id.partition('[')
    ids = [a for a in attrs.rstrip(']').split(',') if a.startswith('id-')]
    return name, ids[0] if ids else ''


def installed_ids(wanted, available):
    """Maps interop ids to the ids the installed Tempest gives the same tests.

    A list may name a test with attributes it only has under another configuration (such as
    `slow` when validation is on); matched by name and idempotent id, it still runs. Ids with
    no match stay as they are (they are reported as not run).
    """
    by_key = {test_key(t): t for t in available}
    return [by_key.get(test_key(t), t) for t in wanted]


def select_tests(workspace, interop_list, names, available=None):
    """Returns (selected test ids, tempest selection arguments).

    `available`: the test ids the installed Tempest lists, to which the interop ids are mapped.
    """
    prefixes, full = parse_components(names)
    with open(interop_list, encoding='utf-8') as f:
        interop = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    chosen = [t for t in interop if t.startswith(tuple(prefixes))] if prefixes else []
    if available is not None:
        chosen = installed_ids(chosen, available)
    if full and not prefixes:
        regex = full_regex(full)
        return list_tests(workspace, regex), ['--regex', regex]
    if full:
        chosen = sorted(set(chosen) | set(list_tests(workspace, full_regex(full))))
    path = os.path.join(workspace, 'load-list.txt')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(''.join(t + '\n' for t in chosen))
    return chosen, ['--load-list', path]


def warn_unavailable(workspace, names):
    path = os.path.join(workspace, 'catalog.json')
    if not os.path.exists(path):
        return
    with open(path, encoding='utf-8') as f:
        types = {s.get('type') for s in json.load(f)}
    for name in names:
        base = EXTRA_COMPONENTS.get(name, name)
        wanted = COMPONENT_SERVICE.get(base) if base else None
        if wanted and not types.intersection(wanted):
            warn(f'component {name}: no {"/".join(wanted)} service in the catalog; '
                 'tempest will skip its tests')

def cmd_run(args):
    warn_unavailable(args.workspace, args.components)
    prefixes, _ = parse_components(args.components)
    available = (
        list_tests(args.workspace, '^(' + '|'.join(re.escape(p) for p in prefixes) + ')')
        if prefixes
        else None
    )
    selected, selection = select_tests(
        args.workspace, args.interop_list, args.components, available
    )
    if not selected:
        raise ConformanceError('the selection matched no test')
    with open(os.path.join(args.workspace, 'selected.txt'), 'w', encoding='utf-8') as f:
        f.write(''.join(t + '\n' for t in selected))
    cmd = [TEMPEST, 'run', *selection, '--concurrency', str(args.concurrency)]
    print(f'conformance: {len(selected)} tests: {" ".join(cmd)}', flush=True)
    log_path = os.path.join(args.workspace, 'tempest-run.log')
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.Popen(
            cmd, cwd=args.workspace, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        code = proc.wait()
    print(f'conformance: tempest exited with {code}', flush=True)
    _, failed, _ = summarize(args.workspace, selected)
    return 1 if failed or code != 0 else 0


def cmd_summarize(args):
    with open(os.path.join(args.workspace, 'selected.txt'), encoding='utf-8') as f:
        selected = [l.strip() for l in f if l.strip()]
    _, failed, _ = summarize(args.workspace, selected)
    return 1 if failed else 0


def read_names(path):
    """The names an agent kept in one of its state files (empty when missing or unreadable)."""
    try:
        with open(path, encoding='utf-8') as f:
            names = json.load(f)
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def process_mentions(pid, words):
    """Whether process `pid` runs and its command line contains one of `words`."""
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            cmdline = f.read().decode(errors='replace')
    except OSError:
        return False
    return any(w in cmdline for w in words)


def stop_processes(data_dir):
    """Stops what the cloud's pid files name: guests (which outlive their agent), dnsmasq, proxies.

    A pid counts only while its command line names the data dir or the pid file's folder, so a
    reused pid of an unrelated process is left alone.
    """
    pids = []
    for path in glob.glob(os.path.join(data_dir, '**', '*.pid'), recursive=True):
        try:
            with open(path, encoding='utf-8') as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            continue
        words = (data_dir, os.path.basename(os.path.dirname(path)))
        if pid > 1 and process_mentions(pid, words):
            pids.append((pid, words))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid, _ in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(process_mentions(p, w) for p, w in pids):
            time.sleep(0.2)
        pids = [(p, w) for p, w in pids if process_mentions(p, w)]
        if not pids:
            break
    return pids


def quiet(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=False).returncode == 0


def cmd_cleanup_host(args):
    """Removes the guests, namespaces, devices and nftables tables a stopped cloud left."""
    data_dir = os.path.abspath(args.data_dir)
    left = stop_processes(data_dir)
    network = os.path.join(data_dir, 'network')
    proc = subprocess.run(['ip', '-j', 'netns', 'list'], capture_output=True, text=True, check=False)
    try:
        present = {n.get('name') for n in json.loads(proc.stdout or '[]')}
    except ValueError:
        present = set()
    namespaces = [f'qrouter-{r}' for r in read_names(os.path.join(network, 'l3', 'routers.json'))]
    namespaces += [f'qdhcp-{n}' for n in read_names(os.path.join(network, 'dhcp', 'networks.json'))]
    removed = [ns for ns in namespaces if ns in present and quiet(['ip', 'netns', 'delete', ns])]
    devices = read_names(os.path.join(network, 'l2', 'devices.json'))
    # VXLAN devices first: a bridge goes with its ports gone
    devices.sort(key=lambda d: not d.startswith('vxlan'))
    removed += [d for d in devices if quiet(['ip', 'link', 'delete', d])]
    tag = re.sub(r'[^A-Za-z0-9_-]', '_', args.host_name)
    for family, table in (('inet', f'nimbus-sg-{tag}'), ('bridge', f'nimbus-spoof-{tag}')):
        if quiet(['nft', 'delete', 'table', family, table]):
            removed.append(f'{family} {table}')
    if removed:
        print(f'conformance: removed what the cloud left on the host: {" ".join(removed)}')
    if left:
        warn('processes still running: ' + ' '.join(str(p) for p, _ in left))
        return 1
    return 0


def cmd_check_components(args):
    parse_components(args.components)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog='nimbus_tempest', description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)

    conf = sub.add_parser('write-conf', help='write <workspace>/etc/tempest.conf')
    conf.add_argument('--template', required=True)
    conf.add_argument('--workspace', required=True)
    conf.add_argument('--auth-url', required=True, help='identity v3 URL, ending in /v3')
    conf.add_argument('--username', default='admin')
    conf.add_argument('--password', required=True)
    conf.add_argument('--project', default='admin')
    conf.add_argument('--user-domain', default='Default')
    conf.add_argument('--project-domain', default='Default')
    conf.add_argument('--region', default='RegionOne')
    conf.add_argument('--guests', choices=GUEST_KINDS, default='fake')
    conf.set_defaults(func=cmd_write_conf)

    run = sub.add_parser('run', help='run the tests of some components')
    run.add_argument('--workspace', required=True)
    run.add_argument('--interop-list', required=True)
    run.add_argument('--concurrency', type=int, default=2)
    run.add_argument('components', nargs='+')
    run.set_defaults(func=cmd_run)

    summary = sub.add_parser('summarize', help="print the last run's summary again")
    summary.add_argument('--workspace', required=True)
    summary.set_defaults(func=cmd_summarize)

    cleanup = sub.add_parser('cleanup-host', help='remove what a stopped cloud left on the host')
    cleanup.add_argument('--data-dir', required=True)
    cleanup.add_argument('--host-name', required=True)
    cleanup.set_defaults(func=cmd_cleanup_host)

    check = sub.add_parser('check-components', help='validate component names')
    check.add_argument('components', nargs='+')
    check.set_defaults(func=cmd_check_components)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConformanceError as err:
        print(f'conformance: error: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
