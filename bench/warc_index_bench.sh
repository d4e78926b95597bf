#!/usr/bin/env bash
# WARC ingest benchmark: gzip -dc, warcio, fastwarc and `crawlproof warc index`
# on the same real gzip WARCs, single core, best of N runs; prints a table with
# ratios against `gzip -dc` and fastwarc measured in the same run.
#
# usage: bench/warc_index_bench.sh [BUILD_DIR] [CORPUS_DIR] [RUNS]
#   BUILD_DIR   default build/release (must contain the crawlproof binary)
#   CORPUS_DIR  default build/corpus; built with scripts/make-corpus
#               (wget --warc-file over real HTML manuals) when it has no .warc.gz
#   RUNS        default 3
# Peer tools go into build/venv (PyPI), never into the product.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
corpus=${2:-$here/build/corpus}
runs=${3:-3}
venv=$here/build/venv

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import fastwarc, warcio' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q fastwarc warcio
fi
if ! ls "$corpus"/*.warc.gz >/dev/null 2>&1; then
  "$here/scripts/make-corpus" "$corpus"
fi
# FastWARC 0.x (Cython), the generation before the Rust rewrite: optional.
legacy=$here/build/venv-fastwarc0
if [ ! -x "$legacy/bin/python" ]; then
  python3 -m venv "$legacy" && "$legacy/bin/pip" install -q 'fastwarc<1' || rm -rf "$legacy"
fi
# The same records as one gzip stream, for the streaming inflaters (ISA-L, zlib).
stream=$here/build/corpus-single-stream.warc.gz
[ -s "$stream" ] || gzip -dc "$corpus"/*.warc.gz | gzip -6 > "$stream"
legacy_args=()
[ -x "$legacy/bin/python" ] && legacy_args=(--legacy-python "$legacy/bin/python")
exec "$venv/bin/python" "$here/bench/warc_index_bench.py" --crawlproof "$build/crawlproof" --runs "$runs" \
  --python "$venv/bin/python" --single-stream "$stream" "${legacy_args[@]}" "$corpus"/*.warc.gz
