#!/bin/sh
# Verifies a crawlproof audit bundle with nothing but a POSIX shell, sed, od and
# openssl (docs/audit.md explains each step). No crawlproof code is involved.
#
# usage: audit-verify.sh BUNDLE GENESIS_VALSET [RECORD_BYTES]
#   BUNDLE          the JSON written by `crawlproof audit record`
#   GENESIS_VALSET  the validator set document you trust (crawlproof-valset/v1)
#   RECORD_BYTES    optional: the record's bytes (`crawlproof warc cat --offset --length`)
# Exit 0 when every check passes; 1 with a message naming the failed check.
# Covers bundles whose block is signed by the genesis set (no rotation).
set -eu
bundle=$1; valset=$2; bytes=${3:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "audit-verify: FAILED: $*" >&2; exit 1; }

# --- helpers -----------------------------------------------------------------
field() { sed -n "s/^\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p; s/^\"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$bundle"; }
list() { sed -n "s/^\"$1\": \[\(.*\)\],\{0,1\}\$/\1/p" "$bundle" | tr -d '", '; }
hex2bin() {  # hex on stdin -> bytes on stdout (POSIX printf octal escapes)
  h=$(cat); while [ -n "$h" ]; do
    p=${h%"${h#??}"}; h=${h#??}; printf "\\$(printf '%03o' $((0x$p)))"
  done
}
sha256hex() { openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n'; }
node() { printf '01%s%s' "$1" "$2" | hex2bin | sha256hex; }
# RFC 9162 2.1.3.2: root from leaf hash $1, index $2, size $3, path (64-hex chunks) $4
root_from_path() {
  r=$1; fn=$2; sn=$(($3 - 1)); path=$4
  while [ -n "$path" ]; do
    p=${path%"${path#????????????????????????????????????????????????????????????????}"}
    path=${path#"$p"}
    [ "$sn" -eq 0 ] && fail "inclusion proof too long"
    if [ $((fn & 1)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      r=$(node "$p" "$r")
      if [ $((fn & 1)) -eq 0 ]; then
        while [ $((fn & 1)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn >> 1)); sn=$((sn >> 1)); done
      fi
    else
      r=$(node "$r" "$p")
    fi
    fn=$((fn >> 1)); sn=$((sn >> 1))
  done
  [ "$sn" -eq 0 ] || fail "inclusion proof too short"
  echo "$r"
}

# --- 1. record leaf -> record root (the root committed in the file entry) -----
leaf=$(field leaf); index=$(field record_index); count=$(field record_count)
leaf_hash=$(printf '00%s' "$leaf" | hex2bin | sha256hex)
record_root=$(root_from_path "$leaf_hash" "$index" "$count" "$(list record_path)")
entry=$(field entry)
entry_root=${entry#"${entry%????????????????????????????????????????????????????????????????}"}
[ "$record_root" = "$entry_root" ] || fail "record leaf does not lead to the file entry's record root"
echo "record leaf $index of $count: included in the file's record root $record_root"

# --- 2. file entry -> block root ----------------------------------------------
entry_hash=$(printf '00%s' "$entry" | hex2bin | sha256hex)
block_root=$(root_from_path "$entry_hash" "$(field entry_index)" "$(field tree_size)" "$(list entry_path)")
note=$(sed -n 's/^"block_note": "\(.*\)",$/\1/p' "$bundle")
printf '%b' "$note" > "$tmp/note"
sed -n '1,8p' "$tmp/note" > "$tmp/body"          # the signed text: the eight body lines
signed_root=$(sed -n '3p' "$tmp/body" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
[ "$block_root" = "$signed_root" ] || fail "file entry does not lead to the block's root"
[ "$(sed -n '2p' "$tmp/body")" = "$(field tree_size)" ] || fail "tree size is not the block's size"
echo "file entry: included in block root $block_root ($(sed -n '5p' "$tmp/body"))"

# --- 3. the block's signatures against the trusted validator set --------------
valset_hash=$(openssl dgst -sha256 -binary < "$valset" | openssl base64 -A)
[ "$(sed -n '8p' "$tmp/body")" = "valset $valset_hash" ] || fail "block is not under the trusted validator set"
quorum=$(sed -n 's/^quorum \([0-9]*\)$/\1/p' "$valset")
valid=0
sed -n '3,$p' "$valset" > "$tmp/validators"
while read -r name key; do
  keyhex=$(printf '%s' "$key" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')  # 01 || public key
  keyid=$( { printf '%s\n' "$name"; printf '%s' "$keyhex" | hex2bin; } | sha256hex | cut -c1-8)
  # SubjectPublicKeyInfo for Ed25519: fixed 12-byte prefix, then the 32-byte key.
  printf '302a300506032b6570032100%s' "${keyhex#01}" | hex2bin | openssl base64 > "$tmp/der.b64"
  { echo "-----BEGIN PUBLIC KEY-----"; cat "$tmp/der.b64"; echo "-----END PUBLIC KEY-----"; } > "$tmp/pub.pem"
  found=0
  grep "^— $name " "$tmp/note" | while read -r _ _ sig; do
    sighex=$(printf '%s' "$sig" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
    [ "$(echo "$sighex" | cut -c1-8)" = "$keyid" ] || continue
    echo "$sighex" | cut -c9- | hex2bin > "$tmp/sig"
    if openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/body" -sigfile "$tmp/sig" >/dev/null 2>&1; then
      echo ok
    fi
  done > "$tmp/ok.$name"
  if [ -s "$tmp/ok.$name" ]; then valid=$((valid + 1)); echo "signature by $name: valid"; fi
done < "$tmp/validators"
[ "$valid" -ge "$quorum" ] || fail "only $valid valid signatures, quorum is $quorum"
echo "block signed by $valid of the trusted validators (quorum $quorum)"

# --- 4. optional: the record's bytes -------------------------------------------
if [ -n "$bytes" ]; then
  committed=$(echo "$leaf" | cut -c69-132)   # after the 18-byte prefix and two u64
  [ "$(sha256hex < "$bytes")" = "$committed" ] || fail "the record's bytes do not hash to the committed SHA-256"
  echo "record bytes: SHA-256 matches the leaf"
fi
echo "audit-verify: OK"
