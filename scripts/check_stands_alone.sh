#!/usr/bin/env bash
# scripts/check_stands_alone.sh - the project stands alone: no source, doc or script points at notes
# outside the repository (a shared notes directory beside the checkout, or its NOTES file). The
# protocol notes the code follows are docs/protocol.md. Exits 1 and lists the lines found.
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
if grep -rnE --exclude-dir=node_modules '(\.\./|/work/)sha[r]ed/|NOTES\.md' \
     sdk client docs testserver wasm web-demo scripts tests bench examples README.md; then
  echo "check_stands_alone: the lines above point outside the repository" >&2
  exit 1
fi
exit 0
