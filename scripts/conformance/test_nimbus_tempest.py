"""Tests for the conformance helpers, with a fake identity service on 127.0.0.1.

Run: /usr/bin/python3 -m unittest discover -s scripts/conformance -v
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nimbus_tempest  # noqa: E402
import tempest_results  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get(
    'NIMBUS_CONFORMANCE_DIR', os.path.join(os.path.dirname(REPO), 'shared', 'conformance')
)
TEMPLATE = os.path.join(SHARED, 'tempest.conf.template')
INTEROP = os.path.join(SHARED, 'interop-2022.11-platform.load-list.txt')


class FakeCloud(BaseHTTPRequestHandler):
    """Identity with a catalog of identity and compute, and a compute API with two flavors."""

    base = ''
    requests = []

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get('Content-Length', '0'))
        body = json.loads(self.rfile.read(length))
        FakeCloud.requests.append(('POST', self.path, body))
        password = body['auth']['identity']['password']['user']['password']
        if self.path != '/v3/auth/tokens' or password != 'secret':
            self.reply(401, {'error': {'code': 401, 'title': 'Unauthorized', 'message': 'no'}})
            return
        catalog = [
            {
                'type': 'identity',
                'name': 'keystone',
                'endpoints': [
                    {'interface': 'public', 'region_id': 'RegionOne', 'url': self.base + '/v3'}
                ],
            },
            {
                'type': 'compute',
                'name': 'nova',
                'endpoints': [
                    {
                        'interface': 'public',
                        'region_id': 'RegionOne',
                        'url': self.base + '/compute/v2.1',
                    },
                    {'interface': 'public', 'region_id': 'Other', 'url': 'http://127.0.0.9/x'},
                ],
            },
            {
                'type': 'image',
                'name': 'glance',
                'endpoints': [
                    {'interface': 'public', 'region_id': 'Other', 'url': 'http://127.0.0.9/i'}
                ],
            },
        ]
        self.reply(201, {'token': {'catalog': catalog}}, {'X-Subject-Token': 'tok-1'})

    def do_GET(self):
        FakeCloud.requests.append(('GET', self.path, self.headers.get('X-Auth-Token')))
        if self.headers.get('X-Auth-Token') != 'tok-1':
            self.reply(401, {})
        elif self.path == '/compute/v2.1/flavors/detail':
            flavors = [
                {'id': 'big', 'ram': 1024, 'vcpus': 1, 'disk': 2},
                {'id': 'nodisk', 'ram': 64, 'vcpus': 1, 'disk': 0},
                {'id': 'small', 'ram': 256, 'vcpus': 1, 'disk': 1},
                {'id': 'huge', 'ram': 2048, 'vcpus': 1, 'disk': 20},
            ]
            self.reply(200, {'flavors': flavors})
        elif self.path == '/compute/v2.1/':
            self.reply(200, {'version': {'id': 'v2.1', 'version': '2.79'}})
        elif self.path == '/compute/v2.1/os-hypervisors/detail':
            hypervisors = [
                {'hypervisor_hostname': 'h1', 'state': 'up', 'status': 'enabled'},
                {'hypervisor_hostname': 'h2', 'state': 'up', 'status': 'enabled'},
                {'hypervisor_hostname': 'h3', 'state': 'down', 'status': 'enabled'},
            ]
            self.reply(200, {'hypervisors': hypervisors})
        elif self.path == '/v3/roles':
            self.reply(200, {'roles': [{'name': 'admin'}, {'name': 'member'}]})
        else:
            self.reply(404, {})


def load_with_tempest(conf_path):
    """Parses a tempest.conf with Tempest's own option definitions, in a child process."""
    script = (
        'import json, sys\n'
        'from tempest import config\n'
        'c = config.TempestConfigPrivate(config_path=sys.argv[1])\n'
        'print(json.dumps({\n'
        '  "uri_v3": c.identity.uri_v3, "region": c.identity.region,\n'
        '  "admin_password": c.auth.admin_password,\n'
        '  "nova": c.service_available.nova, "glance": c.service_available.glance,\n'
        '  "neutron": c.service_available.neutron, "cinder": c.service_available.cinder,\n'
        '  "swift": c.service_available.swift, "horizon": c.service_available.horizon,\n'
        '  "flavor_ref": c.compute.flavor_ref, "flavor_ref_alt": c.compute.flavor_ref_alt,\n'
        '  "max_mv": c.compute.max_microversion,\n'
        '  "min_compute_nodes": c.compute.min_compute_nodes,\n'
        '  "lockout": c.identity.user_lockout_failure_attempts,\n'
        '  "security_compliance": c.identity_feature_enabled.security_compliance,\n'
        '  "image_ref": c.compute.image_ref, "image_ref_alt": c.compute.image_ref_alt,\n'
        '  "build_timeout": c.compute.build_timeout,\n'
        '  "fixed_network_name": c.compute.fixed_network_name,\n'
        '  "console_output": c.compute_feature_enabled.console_output,\n'
        '  "floating_network_name": c.network.floating_network_name,\n'
        '  "validation": {k: getattr(c.validation, k) for k in (\n'
        '    "run_validation", "connect_method", "auth_method", "ip_version_for_ssh",\n'
        '    "image_ssh_user", "image_alt_ssh_user", "network_for_ssh", "ssh_timeout",\n'
        '    "security_group", "security_group_rules")},\n'
        '}))\n'
    )
    proc = subprocess.run(
        ['/usr/bin/python3', '-c', script, conf_path],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(conf_path)),
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@unittest.skipUnless(os.path.exists(TEMPLATE), f'no template at {TEMPLATE}')
class WriteConfTest(unittest.TestCase):
    def setUp(self):
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeCloud)
        FakeCloud.base = f'http://127.0.0.1:{self.server.server_port}'
        FakeCloud.requests = []
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.workspace = tempfile.mkdtemp(prefix='nimbus-tempest-test-')

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.workspace, ignore_errors=True)

    def write_conf(self, password='secret', region='RegionOne', extra=()):
        return nimbus_tempest.main(
            [
                'write-conf',
                *extra,
                '--template',
                TEMPLATE,
                '--workspace',
                self.workspace,
                '--auth-url',
                FakeCloud.base + '/v3',
                '--password',
                password,
                '--region',
                region,
            ]
        )

    def test_fills_placeholders_and_service_available_from_the_catalog(self):
        self.assertEqual(self.write_conf(), 0)
        conf_path = os.path.join(self.workspace, 'etc', 'tempest.conf')
        with open(conf_path, encoding='utf-8') as f:
            text = f.read()
        for line in text.splitlines():
            if not line.lstrip().startswith('#'):
                self.assertNotIn('{{', line)
        values = load_with_tempest(conf_path)
        self.assertEqual(values['uri_v3'], FakeCloud.base + '/v3')
        self.assertEqual(values['region'], 'RegionOne')
        self.assertEqual(values['admin_password'], 'secret')
        # compute is in the catalog for RegionOne; image only for another region
        self.assertTrue(values['nova'])
        self.assertFalse(values['glance'])
        self.assertFalse(values['neutron'])
        self.assertFalse(values['cinder'])
        self.assertFalse(values['swift'])
        self.assertFalse(values['horizon'])
        self.assertEqual(values['flavor_ref'], 'small')
        self.assertEqual(values['flavor_ref_alt'], 'big')
        self.assertEqual(values['max_mv'], '2.79')
        # the hypervisors that are up and enabled
        self.assertEqual(values['min_compute_nodes'], 2)
        self.assertEqual(values['lockout'], 2)
        self.assertTrue(values['security_compliance'])

    def test_scopes_the_token_to_the_admin_project(self):
        self.write_conf()
        method, path, body = FakeCloud.requests[0]
        self.assertEqual((method, path), ('POST', '/v3/auth/tokens'))
        self.assertEqual(body['auth']['scope']['project']['name'], 'admin')
        self.assertEqual(body['auth']['identity']['password']['user']['name'], 'admin')

    def test_environment_overrides_a_discovered_value(self):
        os.environ['NIMBUS_TEMPEST_FLAVOR_ID'] = 'chosen'
        try:
            self.write_conf()
        finally:
            del os.environ['NIMBUS_TEMPEST_FLAVOR_ID']
        values = load_with_tempest(os.path.join(self.workspace, 'etc', 'tempest.conf'))
        self.assertEqual(values['flavor_ref'], 'chosen')

    def test_real_guests_turn_validation_on_with_the_tiny_image_user_and_floating_ips(self):
        given = {
            'IMAGE_ID': 'tiny-id',
            'IMAGE_ID_ALT': 'tiny-alt-id',
            'PUBLIC_NET_ID': 'net-id',
            'PUBLIC_NET_NAME': 'public',
        }
        os.environ.update({'NIMBUS_TEMPEST_' + k: v for k, v in given.items()})
        try:
            self.assertEqual(self.write_conf(extra=('--guests', 'qemu')), 0)
        finally:
            for k in given:
                del os.environ['NIMBUS_TEMPEST_' + k]
        values = load_with_tempest(os.path.join(self.workspace, 'etc', 'tempest.conf'))
        self.assertEqual(
            values['validation'],
            {
                'run_validation': True,
                'connect_method': 'floating',
                'auth_method': 'keypair',
                'ip_version_for_ssh': 4,
                'image_ssh_user': 'cirros',
                'image_alt_ssh_user': 'cirros',
                'network_for_ssh': 'public',
                'ssh_timeout': 600,
                'security_group': True,
                'security_group_rules': True,
            },
        )
        self.assertEqual((values['image_ref'], values['image_ref_alt']), ('tiny-id', 'tiny-alt-id'))
        # the tiny guest needs 512 MiB: the smaller flavors are passed over
        self.assertEqual((values['flavor_ref'], values['flavor_ref_alt']), ('big', 'huge'))
        self.assertEqual(values['floating_network_name'], 'public')
        self.assertIsNone(values['fixed_network_name'])
        self.assertTrue(values['console_output'])
        self.assertEqual(values['build_timeout'], 900)

    def test_without_real_guests_validation_stays_off(self):
        self.assertEqual(self.write_conf(), 0)
        values = load_with_tempest(os.path.join(self.workspace, 'etc', 'tempest.conf'))
        self.assertFalse(values['validation']['run_validation'])
        self.assertEqual(values['build_timeout'], 300)

    def test_real_guests_without_an_external_network_are_an_error(self):
        os.environ['NIMBUS_TEMPEST_IMAGE_ID'] = 'tiny-id'
        try:
            self.assertEqual(self.write_conf(extra=('--guests', 'qemu')), 2)
        finally:
            del os.environ['NIMBUS_TEMPEST_IMAGE_ID']
        self.assertFalse(os.path.exists(os.path.join(self.workspace, 'etc', 'tempest.conf')))

    def test_a_refused_token_is_an_error(self):
        self.assertEqual(self.write_conf(password='wrong'), 2)
        self.assertFalse(os.path.exists(os.path.join(self.workspace, 'etc', 'tempest.conf')))


class SectionTest(unittest.TestCase):
    def test_replaces_keys_only_inside_the_section(self):
        lines = ['[a]', 'nova = true', '[service_available]', 'nova = true', '# x', '[b]']
        out = nimbus_tempest.set_section_values(
            lines, 'service_available', {'nova': 'false', 'swift': 'false'}
        )
        self.assertEqual(
            out,
            ['[a]', 'nova = true', '[service_available]', 'nova = false', '# x', 'swift = false',
             '[b]'],
        )

    def test_adds_a_missing_section(self):
        out = nimbus_tempest.set_section_values(['[a]', 'x = 1'], 'service_available', {'n': '1'})
        self.assertEqual(out, ['[a]', 'x = 1', '[service_available]', 'n = 1'])


class ClassifyTest(unittest.TestCase):
    def test_counts_tests_of_a_class_skipped_in_setup_as_skipped(self):
        selected = ['tempest.a.T.test_one[id-1]', 'tempest.a.T.test_two[id-2,smoke]']
        results = {'setUpClass (tempest.a.T)': ('skip', "Trusts aren't enabled\n")}
        passed, failures, skips, fixtures = tempest_results.classify(results, selected)
        self.assertEqual((passed, failures, fixtures), (0, [], []))
        self.assertEqual(skips, {"Trusts aren't enabled": selected})

    def test_counts_tests_of_a_class_whose_setup_failed_as_not_run(self):
        selected = ['tempest.a.T.test_one[id-1]', 'tempest.b.U.test_ok[id-3]']
        results = {
            'setUpClass (tempest.a.T)': ('fail', 'Traceback\nKeyError: x\n'),
            'tempest.b.U.test_ok[id-3]': ('success', ''),
        }
        passed, failures, skips, fixtures = tempest_results.classify(results, selected)
        self.assertEqual(passed, 1)
        self.assertEqual(failures, [('tempest.a.T.test_one[id-1]', 'not run', '')])
        self.assertEqual(skips, {})
        self.assertEqual([f[0] for f in fixtures], ['setUpClass (tempest.a.T)'])

    def test_reports_failed_and_unexpectedly_passing_tests(self):
        selected = ['tempest.a.T.test_x[id-1]', 'tempest.a.T.test_y[id-2]']
        results = {
            'tempest.a.T.test_x[id-1]': ('fail', 'AssertionError: 1 != 2'),
            'tempest.a.T.test_y[id-2]': ('uxsuccess', ''),
        }
        passed, failures, _, _ = tempest_results.classify(results, selected)
        self.assertEqual(passed, 0)
        self.assertEqual([f[1] for f in failures], ['fail', 'uxsuccess'])


@unittest.skipUnless(os.path.exists(INTEROP), f'no interop list at {INTEROP}')
class SelectTest(unittest.TestCase):
    def setUp(self):
        self.workspace = tempfile.mkdtemp(prefix='nimbus-tempest-test-')
        self.addCleanup(shutil.rmtree, self.workspace, True)

    def test_selects_the_identity_tests_of_the_interop_list(self):
        workspace = self.workspace
        selected, args = nimbus_tempest.select_tests(workspace, INTEROP, ['identity'])
        self.assertEqual(len(selected), 17)
        self.assertTrue(all(t.startswith('tempest.api.identity.') for t in selected))
        self.assertEqual(args, ['--load-list', os.path.join(workspace, 'load-list.txt')])

    def test_compute_validation_selects_the_classes_that_log_into_guests(self):
        selected, _ = nimbus_tempest.select_tests(self.workspace, INTEROP, ['compute-validation'])
        classes = sorted({t.split('[')[0].rsplit('.', 1)[0].split('.', 3)[3] for t in selected})
        self.assertEqual(
            classes,
            [
                'servers.test_create_server.ServersTestJSON',
                'servers.test_server_actions.ServerActionsTestJSON',
                'volumes.test_attach_volume.AttachVolumeTestJSON',
            ],
        )
        self.assertEqual(len(selected), 13)

    def test_object_does_not_match_other_prefixes(self):
        selected, _ = nimbus_tempest.select_tests(self.workspace, INTEROP, ['object', 'image'])
        self.assertEqual(len(selected), 56 + 23)

    def test_maps_list_ids_to_the_installed_tests_by_name_and_idempotent_id(self):
        wanted = [
            'tempest.api.compute.A.test_attach[id-52e9,slow]',
            'tempest.api.compute.A.test_other[id-1234]',
            'tempest.api.compute.A.test_gone[id-9999]',
        ]
        available = [
            'tempest.api.compute.A.test_attach[id-52e9]',
            'tempest.api.compute.A.test_other[id-1234,network]',
        ]
        self.assertEqual(
            nimbus_tempest.installed_ids(wanted, available),
            [
                'tempest.api.compute.A.test_attach[id-52e9]',
                'tempest.api.compute.A.test_other[id-1234,network]',
                'tempest.api.compute.A.test_gone[id-9999]',
            ],
        )
        selected, _ = nimbus_tempest.select_tests(
            self.workspace, INTEROP, ['identity'], available=[]
        )
        self.assertEqual(len(selected), 17)

    def test_rejects_an_unknown_component(self):
        with self.assertRaises(nimbus_tempest.ConformanceError):
            nimbus_tempest.parse_components(['identity', 'dns'])

    def test_full_components_select_by_regex(self):
        prefixes, full = nimbus_tempest.parse_components(['compute-full', 'volume-full'])
        self.assertEqual(prefixes, [])
        self.assertEqual(full, [r'^tempest\.api\.compute\.', r'^tempest\.api\.volume\.'])
        regex = nimbus_tempest.full_regex(full)
        self.assertEqual(
            nimbus_tempest.full_regex([nimbus_tempest.IDENTITY_FULL_REGEX]),
            nimbus_tempest.IDENTITY_FULL_REGEX,
        )
        listed = []

        def fake_list(workspace, wanted):
            listed.append(wanted)
            return ['tempest.api.volume.V.test_v[id-2]', 'tempest.api.compute.C.test_c[id-1]']

        real_list = nimbus_tempest.list_tests
        nimbus_tempest.list_tests = fake_list
        self.addCleanup(setattr, nimbus_tempest, 'list_tests', real_list)
        selected, args = nimbus_tempest.select_tests(
            self.workspace, INTEROP, ['compute-full', 'volume-full']
        )
        self.assertEqual(args, ['--regex', regex])
        self.assertEqual(listed, [regex])
        self.assertEqual(len(selected), 2)
        selected, args = nimbus_tempest.select_tests(
            self.workspace, INTEROP, ['identity', 'compute-full']
        )
        self.assertEqual(args, ['--load-list', os.path.join(self.workspace, 'load-list.txt')])
        self.assertEqual(len(selected), 17 + 2)



class FakeImages(BaseHTTPRequestHandler):
    """An image service holding `images` that records creates and uploads."""

    calls = []
    images = []

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode() if body is not None else b''
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, {'images': FakeImages.images})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get('Content-Length', '0'))))
        FakeImages.calls.append(('POST', body['name']))
        FakeImages.calls.append(('properties', body.get('kernel_id'), body.get('ramdisk_id')))
        self.reply(201, {'id': 'id-' + body['name'], 'status': 'queued'})

    def do_PUT(self):
        size = len(self.rfile.read(int(self.headers.get('Content-Length', '0'))))
        FakeImages.calls.append(('PUT', self.path, size))
        self.reply(204, None)


class ImageTest(unittest.TestCase):
    def setUp(self):
        FakeImages.calls = []
        FakeImages.images = []
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeImages)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.shutdown)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/image'

    def test_warns_without_an_image_unless_asked_to_make_them(self):
        import cloud_api

        os.environ.pop('NIMBUS_TEMPEST_MAKE_IMAGE', None)
        self.assertEqual(cloud_api.discover_image(self.url, 't'), {})
        self.assertEqual(FakeImages.calls, [])
        os.environ['NIMBUS_TEMPEST_MAKE_IMAGE'] = '1'
        try:
            found = cloud_api.discover_image(self.url, 't')
        finally:
            del os.environ['NIMBUS_TEMPEST_MAKE_IMAGE']
        self.assertEqual(found, {'IMAGE_ID': 'id-tempest-image', 'IMAGE_ID_ALT': 'id-tempest-image-alt'})
        self.assertIn(('PUT', '/image/v2/images/id-tempest-image/file', 1 << 20), FakeImages.calls)

    def test_real_guests_boot_tiny_and_a_second_image_of_its_kernel_and_ramdisk(self):
        import cloud_api

        FakeImages.images = [
            {'id': 'k', 'name': 'tiny-kernel', 'status': 'active'},
            {'id': 'r', 'name': 'tiny-ramdisk', 'status': 'active'},
            {'id': 't', 'name': 'tiny', 'status': 'active', 'kernel_id': 'k', 'ramdisk_id': 'r'},
        ]
        found = cloud_api.discover_image(self.url, 't', guests='qemu')
        self.assertEqual(found, {'IMAGE_ID': 't', 'IMAGE_ID_ALT': 'id-tiny-alt'})
        self.assertIn(('properties', 'k', 'r'), FakeImages.calls)
        # made once: a second discovery finds it
        FakeImages.calls = []
        FakeImages.images.append({'id': 'a', 'name': 'tiny-alt', 'status': 'active'})
        found = cloud_api.discover_image(self.url, 't', guests='qemu')
        self.assertEqual(found, {'IMAGE_ID': 't', 'IMAGE_ID_ALT': 'a'})
        self.assertEqual(FakeImages.calls, [])

    def test_real_guests_without_the_tiny_image_are_an_error(self):
        import cloud_api

        with self.assertRaises(nimbus_tempest.ConformanceError):
            cloud_api.discover_guest_images(self.url, 't', wait_s=0)


class FakeVolumes(BaseHTTPRequestHandler):
    """A volume API whose one backend pool reports `capabilities` (none: no pool yet)."""

    capabilities = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == '/volume/v3/':
            body = {'versions': [{'id': 'v3.0', 'version': '3.60'}]}
        elif self.path == '/volume/v3/p1/scheduler-stats/get_pools?detail=true':
            caps = FakeVolumes.capabilities
            body = {'pools': [{'name': 'n@file#file', 'capabilities': caps}] if caps else []}
        else:
            body = {}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class VolumeBackendTest(unittest.TestCase):
    def setUp(self):
        FakeVolumes.capabilities = {'storage_protocol': 'file', 'vendor_name': 'Nimbus'}
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeVolumes)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.shutdown)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/volume/v3/p1'

    def test_discovers_the_microversion_and_what_the_backend_reports(self):
        import cloud_api

        self.assertEqual(
            cloud_api.discover_volume(self.url, 't'),
            {
                'VOLUME_MAX_MV': '3.60',
                'VOLUME_STORAGE_PROTOCOL': 'file',
                'VOLUME_VENDOR_NAME': 'Nimbus',
            },
        )

    def test_without_a_reported_pool_keeps_the_template_values(self):
        import cloud_api

        FakeVolumes.capabilities = None
        self.assertEqual(
            cloud_api.discover_volume(self.url, 't', pools_wait_s=0), {'VOLUME_MAX_MV': '3.60'}
        )

    @unittest.skipUnless(os.path.exists(TEMPLATE), f'no template at {TEMPLATE}')
    def test_writes_the_backend_protocol_and_vendor_into_the_volume_section(self):
        import configparser

        with open(TEMPLATE, encoding='utf-8') as f:
            template = f.read()
        catalog = [
            {
                'type': 'volumev3',
                'endpoints': [{'interface': 'public', 'region_id': 'R', 'url': self.url}],
            }
        ]
        creds = {'username': 'admin', 'password': 's', 'project': 'admin', 'region': 'R'}
        conf, available = nimbus_tempest.build_conf(
            template, '/tmp/w', 'http://127.0.0.1:1/v3', creds, {'catalog': catalog}, 't'
        )
        self.assertTrue(available['cinder'])
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(conf)
        self.assertEqual(parser['volume']['storage_protocol'], 'file')
        self.assertEqual(parser['volume']['vendor_name'], 'Nimbus')
        self.assertEqual(parser['volume']['max_microversion'], '3.60')


if __name__ == '__main__':
    unittest.main()
