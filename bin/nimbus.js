#!/usr/bin/env node
// A CommonJS entry (bin/package.json), so this runs before Node touches its libuv threadpool: the
// pool is sized once, on first use. Object storage keeps many fsyncs in flight (a PUT waits for
// its file and its directory on every replica), more than the default 4 threads allow.
process.env.UV_THREADPOOL_SIZE ??= '16'
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2)))
