#!/usr/bin/env bash
# Compiles src/ to dist/ (JavaScript, declarations and the workers' workflow bundle) unless
# dist/ already holds this exact source: the CLI, the worker and the package other services
# import run from it.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

stamp="dist/.source-hash"
want=$( (find src -type f -name '*.ts' -print0 | sort -z | xargs -0 sha256sum; sha256sum tsconfig.json tsconfig.build.json package-lock.json) | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
log "compiling src/ to dist/"
rm -rf dist
npm run --silent build >/dev/null
echo "$want" > "$stamp"
