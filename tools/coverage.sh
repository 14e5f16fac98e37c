#!/usr/bin/env bash
# npm run coverage [-- test files]: line and branch coverage of src/, the tests that spawn the
# built CLI included. c8 sets NODE_V8_COVERAGE, which every node the tests start (the CLI, its
# worker threads) inherits; dist/ is built with source maps so that what the CLI ran is counted
# on src/ beside what the in-process tests ran (swc's inline maps). Ends with a table per folder
# (tools/coverage-folders.mjs). Not part of npm test: the whole suite under coverage takes
# several minutes. Run it at low priority on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
# the same build again with source maps, for c8 to map dist/ back to src/
npx tsc -p tsconfig.json --sourceMap
npx c8 --clean --all --src src --include 'src/**' --include 'dist/**' --exclude 'src/types/**' --exclude 'dist/harness/**' \
  --reporter text-summary --reporter json-summary --reporter html --report-dir coverage \
  node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js "$@"
node tools/coverage-folders.mjs coverage/coverage-summary.json
