#!/bin/bash
# City joins racing for slots, over two edges and two handler processes.
# usage: [STORE=pg] bench/cities.sh [HUNTERS [ROUNDS]]
set -euo pipefail
H=${1:-64}; R=${2:-20}
HANDLERS=2
. "$(dirname "$0")/split.sh"
"$B" load cities "${EDGES[@]}" --hunters "$H" --rounds "$R"
