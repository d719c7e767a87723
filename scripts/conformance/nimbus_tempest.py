"""Tempest glue for Nimbus conformance runs: writes tempest.conf, runs the tests, sums results.

Runs under Debian's /usr/bin/python3 (the interpreter Tempest itself uses) with the standard
library plus the subunit and testtools packages that stestr already depends on.

Subcommands:
  write-conf   issue an admin token, read the catalog, fill tempest.conf.template, write
               <workspace>/etc/tempest.conf with [service_available] taken from the catalog
  run          select the tests of the given components, run `tempest run`, print a summary
  summarize    print the summary of the last run in a workspace again
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

TEMPEST = '/usr/bin/tempest'
STESTR = '/usr/bin/stestr'

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
EXTRA_COMPONENTS = {'identity-full': 'identity', 'all': None}

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
HTTP_TIMEOUT = 15

# loopback-only: never go through a proxy from the environment
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ConformanceError(Exception):
    """A problem that stops the run, reported as one line."""


def http_json(method, url, token=None, body=None):
    """Sends one request and returns (status, headers, parsed JSON or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Accept', 'application/json')
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('X-Auth-Token', token)
    try:
        with _opener.open(req, timeout=HTTP_TIMEOUT) as resp:
            raw = resp.read()
            status, headers = resp.status, resp.headers
    except urllib.error.HTTPError as err:
        raw = err.read()
        status, headers = err.code, err.headers
    except (urllib.error.URLError, OSError) as err:
        raise ConformanceError(f'{method} {url}: {err}') from err
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, headers, parsed


def issue_token(auth_url, creds):
    """Password-authenticates scoped to the admin project; returns (token id, token body)."""
    body = {
        'auth': {
            'identity': {
                'methods': ['password'],
                'password': {
                    'user': {
                        'name': creds['username'],
                        'domain': {'name': creds['user_domain']},
                        'password': creds['password'],
                    }
                },
            },
            'scope': {
                'project': {'name': creds['project'], 'domain': {'name': creds['project_domain']}}
            },
        }
    }
    url = auth_url.rstrip('/') + '/auth/tokens'
    status, headers, parsed = http_json('POST', url, body=body)
    token_id = headers.get('X-Subject-Token') if headers else None
    if status != 201 or not token_id or not isinstance(parsed, dict) or 'token' not in parsed:
        raise ConformanceError(f'POST {url} as {creds["username"]} answered {status}: {parsed}')
    return token_id, parsed['token']


def endpoint_url(catalog, types, region, interface='public'):
    """The URL of the first endpoint of a service of one of `types` for region and interface."""
    for service in catalog:
        if service.get('type') not in types:
            continue
        for ep in service.get('endpoints', []):
            ep_region = ep.get('region_id') or ep.get('region')
            if ep.get('interface') == interface and (not region or ep_region == region):
                return ep.get('url')
    return None


def versioned(url, version):
    """Appends /<version> to an unversioned endpoint URL, keeps a versioned one."""
    base = url.rstrip('/')
    return base if re.search(r'/' + re.escape(version) + r'(/|$)', base) else base + '/' + version


def discover_image(url, token):
    status, _, body = http_json('GET', versioned(url, 'v2') + '/images?limit=100', token)
    images = body.get('images', []) if status == 200 and isinstance(body, dict) else []
    active = sorted(
        (i for i in images if i.get('status') == 'active'), key=lambda i: (i.get('name') or '')
    )
    if not active:
        warn('image service has no active image: set NIMBUS_TEMPEST_IMAGE_ID(_ALT)')
        return {}
    alt = active[1] if len(active) > 1 else active[0]
    return {'IMAGE_ID': active[0]['id'], 'IMAGE_ID_ALT': alt['id']}


def discover_compute(url, token):
    found = {}
    status, _, body = http_json('GET', url.rstrip('/') + '/flavors/detail', token)
    flavors = body.get('flavors', []) if status == 200 and isinstance(body, dict) else []
    usable = sorted(
        (f for f in flavors if (f.get('disk') or 0) >= 1),
        key=lambda f: (f.get('ram') or 0, f.get('vcpus') or 0, f.get('disk') or 0),
    )
    if usable:
        found['FLAVOR_ID'] = usable[0]['id']
        bigger = [f for f in usable[1:] if (f.get('ram') or 0) > (usable[0].get('ram') or 0)]
        found['FLAVOR_ID_ALT'] = (bigger[0] if bigger else usable[-1])['id']
    else:
        warn('compute service has no flavor with a disk: set NIMBUS_TEMPEST_FLAVOR_ID(_ALT)')
    # the version document at the endpoint root names the highest microversion
    root = re.sub(r'/v2(\.1)?(/.*)?$', '/v2.1', url.rstrip('/'))
    status, _, body = http_json('GET', root + '/', token)
    version = body.get('version', {}) if isinstance(body, dict) else {}
    found['COMPUTE_MAX_MV'] = version.get('version') or 'latest'
    return found


def discover_network(url, token):
    query = '/networks?router%3Aexternal=True'
    status, _, body = http_json('GET', versioned(url, 'v2.0') + query, token)
    nets = body.get('networks', []) if status == 200 and isinstance(body, dict) else []
    nets = [n for n in nets if n.get('router:external')]
    if not nets:
        warn('network service has no external network: set NIMBUS_TEMPEST_PUBLIC_NET_ID/_NAME')
        return {}
    return {'PUBLIC_NET_ID': nets[0]['id'], 'PUBLIC_NET_NAME': nets[0].get('name') or ''}


def discover_volume(url, token):
    root = re.sub(r'/v3(/.*)?$', '/v3', url.rstrip('/'))
    status, _, body = http_json('GET', root + '/', token)
    versions = body.get('versions', []) if isinstance(body, dict) else []
    for v in versions:
        if str(v.get('id', '')).startswith('v3') and v.get('version'):
            return {'VOLUME_MAX_MV': v['version']}
    return {'VOLUME_MAX_MV': '3.0'}


DISCOVERY = {
    'glance': discover_image,
    'nova': discover_compute,
    'neutron': discover_network,
    'cinder': discover_volume,
}


def warn(message):
    print(f'conformance: warning: {message}', file=sys.stderr)


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


def build_conf(template, workspace, auth_url, creds, token_body, token_id):
    """Returns (tempest.conf text, service availability dict) for one cloud."""
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
        'VOLUME_MAX_MV': '3.0',
    }
    for key, discover in DISCOVERY.items():
        if available[key]:
            values.update(discover(endpoint_url(catalog, SERVICE_TYPES[key], region), token_id))
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
    return '\n'.join(lines) + '\n', available


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
        template, args.workspace, args.auth_url, creds, token_body, token_id
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
    """Validates component names; returns (prefixes, use identity-full regex)."""
    prefixes, full = [], False
    for name in names:
        if name == 'all':
            prefixes.extend(COMPONENT_PREFIXES.values())
        elif name == 'identity-full':
            full = True
        elif name in COMPONENT_PREFIXES:
            prefixes.append(COMPONENT_PREFIXES[name])
        else:
            known = ', '.join(list(COMPONENT_PREFIXES) + list(EXTRA_COMPONENTS))
            raise ConformanceError(f'unknown component {name!r} (known: {known})')
    if not prefixes and not full:
        raise ConformanceError('no component given')
    return sorted(set(prefixes)), full


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


def select_tests(workspace, interop_list, names):
    """Returns (selected test ids, tempest selection arguments)."""
    prefixes, full = parse_components(names)
    with open(interop_list, encoding='utf-8') as f:
        interop = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    chosen = [t for t in interop if t.startswith(tuple(prefixes))] if prefixes else []
    if full and not prefixes:
        return list_tests(workspace, IDENTITY_FULL_REGEX), ['--regex', IDENTITY_FULL_REGEX]
    if full:
        chosen = sorted(set(chosen) | set(list_tests(workspace, IDENTITY_FULL_REGEX)))
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


def read_results(workspace):
    """Per-test results of the workspace's last stestr run: id -> (status, traceback text)."""
    import subunit  # noqa: PLC0415 - only available with python3-subunit
    import testtools  # noqa: PLC0415

    proc = subprocess.run(
        [STESTR, 'last', '--subunit'], cwd=workspace, capture_output=True, check=False
    )
    if proc.returncode != 0 or not proc.stdout:
        return {}
    results = {}

    def on_test(test):
        details = test.get('details') or {}
        text = ''
        for key in ('traceback', 'reason'):
            if key in details:
                try:
                    text = details[key].as_text()
                except Exception:  # noqa: BLE001 - a broken detail must not hide the result
                    text = ''
                break
        results[test['id']] = (test['status'], text)

    stream = subunit.ByteStreamToStreamResult(io.BytesIO(proc.stdout), non_subunit_name='stdout')
    sink = testtools.StreamToDict(on_test)
    sink.startTestRun()
    stream.run(sink)
    sink.stopTestRun()
    return results


def last_line(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else ''


def summarize(workspace, selected):
    """Prints the per-test summary; returns (passed, failed, skipped)."""
    results = read_results(workspace)
    log = os.path.join(workspace, 'tempest-run.log')
    if os.path.exists(log):
        with open(log, encoding='utf-8', errors='replace') as f:
            text = f.read()
        m = re.search(r'^=+\nTotals\n=+\n(?:.*\n)*?(?=\S*Sum of execute time|\Z)', text, re.M)
        if m:
            print('\n' + m.group(0).rstrip())
    passed, skipped, failures = 0, 0, []
    for test_id in selected:
        status, detail = results.get(test_id, ('not run', ''))
        if status in ('success', 'xfail'):
            passed += 1
        elif status == 'skip':
            skipped += 1
        else:
            failures.append((test_id, status, detail))
    fixture_failures = [
        (tid, st, d)
        for tid, (st, d) in results.items()
        if tid not in selected and st in ('fail', 'uxsuccess')
    ]
    if failures or fixture_failures:
        print('\nFailed tests:')
        for test_id, status, detail in fixture_failures + failures:
            print(f'  {status.upper():8} {test_id}')
            if detail:
                print(f'           {last_line(detail)}')
        if any(status == 'not run' for _, status, _ in failures):
            print('  (NOT RUN: a class fixture failed or tempest stopped before the test)')
    teardown = sum(1 for tid, _, _ in fixture_failures if tid.startswith('tearDownClass'))
    failed = len(failures) + teardown
    print(f'\nworkspace: {workspace}')
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return passed, failed, skipped


def cmd_run(args):
    warn_unavailable(args.workspace, args.components)
    selected, selection = select_tests(args.workspace, args.interop_list, args.components)
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
