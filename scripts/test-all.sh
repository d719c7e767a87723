#!/usr/bin/env bash
# Everything `npm test` checks, in order: system packages, build, typecheck, lint, the
# conformance tooling's own tests, vitest unit + functional, vitest e2e, and Tempest's interop
# tests of the implemented services. Every step runs even when an earlier one failed; the exit status is non-zero if
# any failed. The last line sums the vitest and Tempest counts: `N passed, N failed, N skipped`.
# A test step that failed without reporting a failed test (a crash, no results) counts as one.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo}"
out="$(mktemp -d "${TMPDIR:-/tmp}/nimbus-test-all.XXXXXX")"

total_steps=8
step_no=0
results=()
failed_steps=0
sum_passed=0
sum_failed=0
sum_skipped=0

header() {
  step_no=$((step_no + 1))
  echo
  echo "==> [${step_no}/${total_steps}] $1"
}

# record NAME RC SECONDS [COUNTS]
record() {
  local status=ok
  if [[ "$2" -ne 0 ]]; then
    status=FAILED
    failed_steps=$((failed_steps + 1))
  fi
  results+=("$(printf '  %-7s %-28s %4ss  %s' "${status}" "$1" "$3" "${4:-}")")
  echo "==> $1: ${status} ($3 s)"
}

# add_counts RC "PASSED FAILED SKIPPED": adds to the totals and sets counts_text
counts_text=''
add_counts() {
  local rc="$1" p f s
  read -r p f s <<<"$2"
  if [[ "${rc}" -ne 0 && "${f}" -eq 0 ]]; then
    f=1
  fi
  sum_passed=$((sum_passed + p))
  sum_failed=$((sum_failed + f))
  sum_skipped=$((sum_skipped + s))
  counts_text="${p} passed, ${f} failed, ${s} skipped"
}

# plain_step NAME COMMAND...
plain_step() {
  local name="$1" start rc=0
  shift
  header "${name}: $*"
  start=${SECONDS}
  "$@" || rc=$?
  record "${name}" "${rc}" $((SECONDS - start))
}

# vitest_counts JSON_FILE LOG_FILE FAILURES_FILE: prints "PASSED FAILED SKIPPED"; writes a line
# per failed test (file, test name, the first line of its message) to FAILURES_FILE
vitest_counts() {
  node - "$1" "$2" "$3" <<'EOF'
const fs = require('node:fs')
const path = require('node:path')
const [jsonFile, logFile, failuresFile] = process.argv.slice(2)
let counts = null
const failures = []
try {
  const r = JSON.parse(fs.readFileSync(jsonFile, 'utf8'))
  // a file that failed to load has no failed test but a failed suite result
  const brokenFiles = (r.testResults || []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults || []).some((a) => a.status === 'failed'),
  ).length
  const firstLine = (text) =>
    String(text || '').replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n')[0].slice(0, 200)
  for (const file of r.testResults || []) {
    const name = path.relative(process.cwd(), file.name || '')
    const failed = (file.assertionResults || []).filter((a) => a.status === 'failed')
    for (const a of failed) failures.push(`${name} > ${a.fullName}: ${firstLine((a.failureMessages || [])[0])}`)
    if (file.status === 'failed' && failed.length === 0) failures.push(`${name}: ${firstLine(file.message)}`)
  }
  counts = [
    r.numPassedTests || 0,
    (r.numFailedTests || 0) + brokenFiles,
    (r.numPendingTests || 0) + (r.numTodoTests || 0),
  ]
} catch {
  // no JSON report: fall back to the "Tests  1 failed | 2 passed (3)" summary line
  try {
    const text = fs.readFileSync(logFile, 'utf8').replace(/\x1b\[[0-9;]*m/g, '')
    const line = text.split('\n').reverse().find((l) => /^\s*Tests\s+.*\(\d+\)\s*$/.test(l))
    if (line) {
      const n = (word) => Number((line.match(new RegExp(`(\\d+) ${word}`)) || [0, 0])[1])
      counts = [n('passed'), n('failed'), n('skipped') + n('todo')]
    }
  } catch {}
}
fs.writeFileSync(failuresFile, failures.map((f) => `    ${f}\n`).join(''))
console.log((counts || [0, 0, 0]).join(' '))
EOF
}

# vitest_step NAME ARGS...: runs `npx vitest run ARGS` with a JSON report beside the console one
vitest_step() {
  local name="$1" start rc=0 counts
  shift
  local json="${out}/${name}.json" log="${out}/${name}.log"
  header "${name}: npx vitest run $*"
  start=${SECONDS}
  npx vitest run "$@" --reporter=default --reporter=json --outputFile.json="${json}" 2>&1 |
    tee "${log}"
  rc=${PIPESTATUS[0]}
  counts="$(vitest_counts "${json}" "${log}" "${out}/${name}.failures")"
  add_counts "${rc}" "${counts}"
  record "${name}" "${rc}" $((SECONDS - start)) "${counts_text}"
  # the failed tests' names go under the step's line in the summary
  if [[ -s "${out}/${name}.failures" ]]; then
    results+=("$(cat "${out}/${name}.failures")")
  fi
}

# The Tempest interop components whose services are implemented; override with NIMBUS_CONFORMANCE.
read -r -a conformance_components <<<"${NIMBUS_CONFORMANCE:-identity image network compute object volume}"

conformance_step() {
  local name="tempest ${conformance_components[*]}" start rc=0 line counts
  local log="${out}/conformance.log"
  header "${name}: npm run conformance -- ${conformance_components[*]}"
  start=${SECONDS}
  npm run --silent conformance -- "${conformance_components[@]}" 2>&1 | tee "${log}"
  rc=${PIPESTATUS[0]}
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "${log}" | tail -n 1 || true)"
  counts="0 0 0"
  if [[ -n "${line}" ]]; then
    counts="$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"${line}")"
  fi
  add_counts "${rc}" "${counts}"
  record "${name}" "${rc}" $((SECONDS - start)) "${counts_text}"
}

echo "test-all: logs and reports in ${out}"
plain_step install-deps bash scripts/install-deps.sh
plain_step build npm run --silent build
plain_step typecheck npm run --silent typecheck
plain_step lint npm run --silent lint
plain_step scripts-selftest env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m unittest discover -s scripts/conformance
vitest_step vitest-unit-functional --project unit --project functional --passWithNoTests
vitest_step vitest-e2e --project e2e
conformance_step

echo
echo "==> summary (logs in ${out})"
printf '%s\n' "${results[@]}"
if [[ ${failed_steps} -gt 0 ]]; then
  echo "test-all: ${failed_steps} step(s) failed"
fi
echo "${sum_passed} passed, ${sum_failed} failed, ${sum_skipped} skipped"
[[ ${failed_steps} -eq 0 ]]
