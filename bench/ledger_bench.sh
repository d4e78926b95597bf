#!/usr/bin/env bash
# Ledger throughput: `ledger build` and `ledger check` (inflate, parse, SHA-256 of
# file, members and blocks) against `warc index` (inflate, parse, sha1 block
# digests) on the same files, best of N, not pinned: `warc index` is single-threaded,
# the ledger commands hash the whole file on a helper thread; ratio printed.
#
# usage: bench/ledger_bench.sh [BUILD_DIR] [CORPUS_DIR] [RUNS]   (corpus as in warc_index_bench.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}; corpus=${2:-$here/build/corpus}; runs=${3:-3}
bin=$build/crawlproof
ls "$corpus"/*.warc.gz >/dev/null 2>&1 || "$here/scripts/make-corpus" "$corpus"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$bin" keygen --name bench --out "$work/keys" >/dev/null
"$bin" ledger valset --quorum 1 "$work/keys/bench.vkey" > "$work/genesis.valset"
printf 'origin = "bench/ledger"\nvalset_file = "genesis.valset"\n' > "$work/trust.toml"
files=("$corpus"/*.warc.gz)
best() {  # best wall time of $runs runs of "$@", in seconds
  local b=""
  for _ in $(seq "$runs"); do
    local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
    b=$(echo "$t1 - $t0" | bc | awk -v b="$b" '{ if (b == "" || $1 < b) print $1; else print b }')
  done
  echo "$b"
}
bytes=$(cat "${files[@]}" | wc -c)
t_index=$(best "$bin" warc index --progress off "${files[@]}")
t_build=$(best "$bin" ledger build --origin bench/ledger --valset "$work/genesis.valset" \
               --key "$work/keys/bench.key" --out "$work/ledger.json" "${files[@]}")
"$bin" ledger build --origin bench/ledger --valset "$work/genesis.valset" --key "$work/keys/bench.key" \
       --out "$work/ledger.json" "${files[@]}" >/dev/null 2>&1
t_check=$(best "$bin" ledger check "$work/ledger.json" --trust "$work/trust.toml" "${files[@]}")
printf 'input: %d files, %.1f MB gzip; best of %d\n' "${#files[@]}" "$(echo "$bytes/1000000" | bc -l)" "$runs"
printf '%-28s %8s %10s %14s\n' tool seconds "MB/s" "vs warc index"
for row in "warc index:$t_index" "ledger build:$t_build" "ledger check:$t_check"; do
  name=${row%%:*}; t=${row#*:}
  printf '%-28s %8.3f %10.1f %13.0f%%\n' "$name" "$t" "$(echo "$bytes/$t/1000000" | bc -l)" "$(echo "100*$t_index/$t" | bc -l)"
done
