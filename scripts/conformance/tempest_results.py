"""Per-test results of a Tempest run from its stestr repository, counted and printed."""

import io
import os
import re
import subprocess

STESTR = '/usr/bin/stestr'


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


FIXTURE_ID = re.compile(r'^(setUpClass|tearDownClass) \((.+)\)$')


def class_of(test_id):
    """tempest.a.b.Class.test_x[id-...] -> tempest.a.b.Class"""
    return test_id.split('[', 1)[0].rsplit('.', 1)[0]


def print_totals(workspace):
    log = os.path.join(workspace, 'tempest-run.log')
    if not os.path.exists(log):
        return
    with open(log, encoding='utf-8', errors='replace') as f:
        text = f.read()
    m = re.search(r'^=+\nTotals\n=+\n(?:.*\n)*?(?=\S*Sum of execute time|\Z)', text, re.M)
    if m:
        print('\n' + m.group(0).rstrip())


def classify(results, selected):
    """Sorts the selected tests by outcome from per-test results (id -> (status, detail)).

    Returns (passed count, failures [(id, status, detail)], skips {reason: [ids]},
    fixture failures [(id, status, detail)]). A test skipped through its class's setUpClass
    counts as skipped; one that did not run because setUpClass failed, or for no visible
    reason, is a failure with status 'not run'.
    """
    wanted = set(selected)
    class_setup, fixture_failures = {}, []
    for test_id, (status, detail) in results.items():
        if test_id in wanted:
            continue
        fixture = FIXTURE_ID.match(test_id)
        if fixture and fixture.group(1) == 'setUpClass':
            class_setup[fixture.group(2)] = (status, detail)
        if status in ('fail', 'uxsuccess'):
            fixture_failures.append((test_id, status, detail))
    passed, failures, skips = 0, [], {}
    for test_id in selected:
        status, detail = results.get(test_id) or class_setup.get(class_of(test_id), ('', ''))
        if test_id not in results and status != 'skip':
            status, detail = 'not run', ''
        if status in ('success', 'xfail'):
            passed += 1
        elif status == 'skip':
            skips.setdefault(last_line(detail) or 'no reason given', []).append(test_id)
        else:
            failures.append((test_id, status, detail))
    return passed, sorted(failures), skips, sorted(fixture_failures)


def summarize(workspace, selected):
    """Prints the per-test summary; returns (passed, failed, skipped).

    A failed tearDownClass adds one failure (its tests passed, but cleanup through the API did
    not work); a failed setUpClass is listed and its tests count as not run.
    """
    print_totals(workspace)
    passed, failures, skips, fixture_failures = classify(read_results(workspace), selected)
    skipped = sum(len(ids) for ids in skips.values())
    if skips:
        print('\nSkipped tests, by reason:')
        for reason, ids in sorted(skips.items()):
            print(f'  {len(ids):4} {reason}')
    if failures or fixture_failures:
        print('\nFailed tests:')
        for test_id, status, detail in fixture_failures + failures:
            print(f'  {status.upper():8} {test_id}')
            if detail:
                print(f'           {last_line(detail)}')
        if any(status == 'not run' for _, status, _ in failures):
            print('  (NOT RUN: the class fixture failed or tempest stopped before the test)')
    teardown = sum(1 for tid, _, _ in fixture_failures if tid.startswith('tearDownClass'))
    failed = len(failures) + teardown
    print(f'\nworkspace: {workspace}')
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return passed, failed, skipped
