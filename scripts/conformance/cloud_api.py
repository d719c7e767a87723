"""HTTP calls the conformance run makes to the cloud: token, catalog, resource discovery.

Standard library only; every request goes straight to the URL, never through a proxy.
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

HTTP_TIMEOUT = 15
# the image a qemu cloud builds and registers after it is ready (src/compute/images)
GUEST_IMAGE = 'tiny'
GUEST_IMAGE_ALT = 'tiny-alt'
GUEST_IMAGE_WAIT_S = 600
# the tiny guest's kernel and initramfs want more than the smallest flavors give
GUEST_MIN_RAM_MB = 512
# how long to wait for a volume backend to report its pool
POOLS_WAIT_S = 30

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


def upload_image(url, token, name, properties=None):
    """Creates a public raw image of 1 MiB of zeros (the fake compute driver boots any image).

    `properties`: extra image properties, such as kernel_id and ramdisk_id.
    """
    base = versioned(url, 'v2')
    body = {'name': name, 'disk_format': 'raw', 'container_format': 'bare', 'visibility': 'public'}
    body.update(properties or {})
    status, _, image = http_json('POST', base + '/images', token, body)
    if status != 201 or not isinstance(image, dict):
        raise ConformanceError(f'POST {base}/images answered {status}: {image}')
    req = urllib.request.Request(
        f'{base}/images/{image["id"]}/file', data=bytes(1 << 20), method='PUT'
    )
    req.add_header('Content-Type', 'application/octet-stream')
    req.add_header('X-Auth-Token', token)
    try:
        with _opener.open(req, timeout=HTTP_TIMEOUT) as resp:
            resp.read()
    except (urllib.error.URLError, OSError) as err:
        raise ConformanceError(f'uploading image {name}: {err}') from err
    return image['id']


def list_images(url, token):
    status, _, body = http_json('GET', versioned(url, 'v2') + '/images?limit=100', token)
    return body.get('images', []) if status == 200 and isinstance(body, dict) else []


def discover_guest_images(url, token, wait_s=GUEST_IMAGE_WAIT_S):
    """The tiny guest image and a second bootable one (rebuild tests want two different ids).

    The cloud registers `tiny` (with kernel_id and ramdisk_id) after it is ready: waits for it.
    The second, `tiny-alt`, is a new image booting the same kernel and initramfs.
    """
    deadline = time.monotonic() + wait_s
    while True:
        images = list_images(url, token)
        tiny = next(
            (i for i in images if i.get('name') == GUEST_IMAGE and i.get('status') == 'active'),
            None,
        )
        if tiny and tiny.get('kernel_id'):
            break
        if time.monotonic() > deadline:
            raise ConformanceError(
                f'no active image {GUEST_IMAGE!r} with a kernel_id after {wait_s} s: '
                'is the compute driver qemu?'
            )
        time.sleep(2)
    alt = next(
        (i for i in images if i.get('name') == GUEST_IMAGE_ALT and i.get('status') == 'active'),
        None,
    )
    if alt:
        return {'IMAGE_ID': tiny['id'], 'IMAGE_ID_ALT': alt['id']}
    links = {k: tiny[k] for k in ('kernel_id', 'ramdisk_id') if tiny.get(k)}
    return {'IMAGE_ID': tiny['id'], 'IMAGE_ID_ALT': upload_image(url, token, GUEST_IMAGE_ALT, links)}


def discover_image(url, token, guests='fake'):
    if guests == 'qemu':
        return discover_guest_images(url, token)
    images = list_images(url, token)
    active = sorted(
        (i for i in images if i.get('status') == 'active'), key=lambda i: (i.get('name') or '')
    )
    if not active and os.environ.get('NIMBUS_TEMPEST_MAKE_IMAGE') == '1':
        # a throwaway cloud started for a compute run: give the servers something to boot
        first = upload_image(url, token, 'tempest-image')
        alt = upload_image(url, token, 'tempest-image-alt')
        return {'IMAGE_ID': first, 'IMAGE_ID_ALT': alt}
    if not active:
        warn('image service has no active image: set NIMBUS_TEMPEST_IMAGE_ID(_ALT)')
        return {}
    alt = active[1] if len(active) > 1 else active[0]
    return {'IMAGE_ID': active[0]['id'], 'IMAGE_ID_ALT': alt['id']}


def discover_compute(url, token, guests='fake'):
    found = {}
    status, _, body = http_json('GET', url.rstrip('/') + '/flavors/detail', token)
    flavors = body.get('flavors', []) if status == 200 and isinstance(body, dict) else []
    min_ram = GUEST_MIN_RAM_MB if guests == 'qemu' else 0
    usable = sorted(
        (f for f in flavors if (f.get('disk') or 0) >= 1 and (f.get('ram') or 0) >= min_ram),
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
    # tests that move servers between hosts run when tempest knows there are several
    status, _, body = http_json('GET', root + '/os-hypervisors/detail', token)
    hypervisors = body.get('hypervisors', []) if status == 200 and isinstance(body, dict) else []
    up = [h for h in hypervisors if h.get('state') == 'up' and h.get('status') == 'enabled']
    found['COMPUTE_NODES'] = str(max(1, len(up)))
    return found


def discover_network(url, token, guests='fake'):
    query = '/networks?router%3Aexternal=True'
    status, _, body = http_json('GET', versioned(url, 'v2.0') + query, token)
    nets = body.get('networks', []) if status == 200 and isinstance(body, dict) else []
    nets = [n for n in nets if n.get('router:external')]
    if not nets:
        warn('network service has no external network: set NIMBUS_TEMPEST_PUBLIC_NET_ID/_NAME')
        return {}
    return {'PUBLIC_NET_ID': nets[0]['id'], 'PUBLIC_NET_NAME': nets[0].get('name') or ''}


def discover_volume(url, token, guests='fake', pools_wait_s=POOLS_WAIT_S):
    found = {'VOLUME_MAX_MV': '3.0'}
    root = re.sub(r'/v3(/.*)?$', '/v3', url.rstrip('/'))
    status, _, body = http_json('GET', root + '/', token)
    versions = body.get('versions', []) if isinstance(body, dict) else []
    for v in versions:
        if str(v.get('id', '')).startswith('v3') and v.get('version'):
            found['VOLUME_MAX_MV'] = v['version']
            break
    found.update(discover_volume_backend(url, token, pools_wait_s))
    return found


def discover_volume_backend(url, token, wait_s=POOLS_WAIT_S):
    """The storage protocol and vendor the first backend pool reports (admin get_pools).

    Tempest's volume type tests put these into a type's extra specs, which the scheduler
    matches against the backend's capabilities. A backend reports after it starts, so this
    waits up to `wait_s` for one.
    """
    deadline = time.monotonic() + wait_s
    while True:
        status, _, body = http_json(
            'GET', url.rstrip('/') + '/scheduler-stats/get_pools?detail=true', token
        )
        pools = body.get('pools', []) if status == 200 and isinstance(body, dict) else []
        caps = next((p.get('capabilities') for p in pools if p.get('capabilities')), None)
        if caps or time.monotonic() >= deadline:
            break
        time.sleep(1)
    if not caps:
        warn(f'no volume backend pool reported (get_pools answered {status}): '
             'set NIMBUS_TEMPEST_VOLUME_STORAGE_PROTOCOL and _VOLUME_VENDOR_NAME')
        return {}
    found = {}
    if caps.get('storage_protocol'):
        found['VOLUME_STORAGE_PROTOCOL'] = str(caps['storage_protocol'])
    if caps.get('vendor_name'):
        found['VOLUME_VENDOR_NAME'] = str(caps['vendor_name'])
    return found


DISCOVERY = {
    'glance': discover_image,
    'nova': discover_compute,
    'neutron': discover_network,
    'cinder': discover_volume,
}


def warn(message):
    print(f'conformance: warning: {message}', file=sys.stderr)
