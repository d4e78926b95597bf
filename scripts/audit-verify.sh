#!/bin/sh
# Verifies a crawlproof audit bundle with nothing but a POSIX shell, sed, od and
# openssl (docs/audit.md explains each step). No crawlproof code is involved.
#
# usage: audit-verify.sh BUNDLE GENESIS_VALSET [RECORD_BYTES]
#   BUNDLE          the JSON written by `crawlproof audit record` or `audit --store … --bundle`
#   GENESIS_VALSET  the validator set document you trust (crawlproof-valset/v1)
#   RECORD_BYTES    optional: the record's bytes (`crawlproof warc cat --offset --length`)
# Exit 0 when every check passes; 1 with a message naming the failed check.
# Covers bundles whose block is signed by the genesis set (no rotation: a
# bundle with validator-set switches is refused, use `crawlproof audit verify`),
# and has no trust file: the pinned-block check and the origin's trust are the
# C++ verifier's. Everything else it refuses, this refuses too (the tests run one
# list of tampered bundles through both).
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

# Strict field shapes, as a JSON parser and the C++ verifier read them.
num() {  # a non-negative decimal without leading zeros, below 2^63
  v=$(field "$1")
  printf '%s' "$v" | grep -Eq '^(0|[1-9][0-9]{0,17})$' || fail "\"$1\" missing or malformed"
  echo "$v"
}
hexfield() {  # lower-case hex of whole bytes
  v=$(field "$1")
  printf '%s' "$v" | grep -Eq '^([0-9a-f]{2})+$' || fail "\"$1\" missing or malformed"
  echo "$v"
}
hashes() {  # a list of SHA-256 hashes: 64 lower-case hex digits each
  raw=$(sed -n "s/^\"$1\": \[\(.*\)\],\{0,1\}\$/\1/p" "$bundle")
  [ -z "$raw" ] || printf '%s' "$raw" | grep -Eq '^"[0-9a-f]{64}"(, "[0-9a-f]{64}")*$' ||
    fail "\"$1\" holds a value that is not a SHA-256 hash"
  list "$1"
}
hexdec() { printf '%d' "0x$1"; }  # 16 hex digits (a u64 below 2^63) -> decimal

[ "$(field format)" = "crawlproof-audit/v1" ] || fail "bundle format is not crawlproof-audit/v1"
[ "$(sed -n 's/^"switch_blocks": \[\(.*\)\],$/\1/p' "$bundle")" = "" ] ||
  fail "validator-set switches: beyond this script (use crawlproof audit verify)"

# --- 1. record leaf -> record root (the root committed in the file entry) -----
leaf=$(hexfield leaf); index=$(num record_index); count=$(num record_count)
entry=$(hexfield entry); entry_index=$(num entry_index); tree_size=$(num tree_size)
offset=$(num offset); length=$(num length); height=$(num height)
record_path=$(hashes record_path); entry_path=$(hashes entry_path)
[ "$count" -gt 0 ] && [ "$index" -lt "$count" ] || fail "record: index $index is not below the record count $count"
[ "$tree_size" -gt 0 ] && [ "$entry_index" -lt "$tree_size" ] ||
  fail "file entry: index $entry_index is not below the tree size $tree_size"
# The leaf: 18-byte prefix, offset and length (u64), two hashes, ...
[ "$(echo "$leaf" | cut -c1-36)" = "435241574c50524f4f462d5245432d563100" ] ||
  fail "record: not a CRAWLPROOF-REC-V1 record leaf"
[ "$(hexdec "$(echo "$leaf" | cut -c37-52)")" = "$offset" ] && [ "$(hexdec "$(echo "$leaf" | cut -c53-68)")" = "$length" ] ||
  fail "record: the leaf's offset/length are not the bundle's"
# The file entry: 19-byte prefix, path (u16 length), size, SHA-256, record count, record root.
[ "$(echo "$entry" | cut -c1-38)" = "435241574c50524f4f462d46494c452d563100" ] ||
  fail "file entry: not a CRAWLPROOF-FILE-V1 file entry"
path_hex=$(printf '%s' "$(field path)" | od -An -v -tx1 | tr -d ' \n')
path_len=$(printf '%04x' $(( ${#path_hex} / 2 )))
[ "$(echo "$entry" | cut -c39-42)$(echo "$entry" | cut -c43-$((42 + ${#path_hex})))" = "$path_len$path_hex" ] &&
  [ ${#entry} -eq $((42 + ${#path_hex} + 16 + 64 + 16 + 64)) ] ||
  fail "file entry: its path is not the bundle's"
entry_count=$(hexdec "$(echo "$entry" | cut -c$((${#entry} - 79))-$((${#entry} - 64)))")
[ "$entry_count" = "$count" ] || fail "record: record count differs from the file entry's"
leaf_hash=$(printf '00%s' "$leaf" | hex2bin | sha256hex)
record_root=$(root_from_path "$leaf_hash" "$index" "$count" "$record_path")
entry_root=${entry#"${entry%????????????????????????????????????????????????????????????????}"}
[ "$record_root" = "$entry_root" ] || fail "record leaf does not lead to the file entry's record root"
echo "record leaf $index of $count: included in the file's record root $record_root"

# --- 2. file entry -> block root ----------------------------------------------
entry_hash=$(printf '00%s' "$entry" | hex2bin | sha256hex)
block_root=$(root_from_path "$entry_hash" "$entry_index" "$tree_size" "$entry_path")
note=$(sed -n 's/^"block_note": "\(.*\)",$/\1/p' "$bundle")
printf '%b' "$note" > "$tmp/note"
sed -n '1,8p' "$tmp/note" > "$tmp/body"          # the signed text: the eight body lines
[ "$(sed -n '1p' "$tmp/body")" = "$(field origin)" ] || fail "block: its origin is not the bundle's"
[ "$(sed -n '4p' "$tmp/body")" = "crawlproof-block/v1" ] && [ "$(sed -n '9p' "$tmp/note")" = "" ] ||
  fail "block: not a crawlproof-block/v1 note"
[ "$(sed -n '5p' "$tmp/body")" = "height $height" ] || fail "block: height differs from the bundle's"
signed_root=$(sed -n '3p' "$tmp/body" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
[ "$block_root" = "$signed_root" ] || fail "file entry does not lead to the block's root"
[ "$(sed -n '2p' "$tmp/body")" = "$tree_size" ] || fail "tree size is not the block's size"
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
  [ "$(wc -c < "$bytes" | tr -d ' ')" = "$length" ] || fail "content: the bytes given are not the leaf's $length"
  committed=$(echo "$leaf" | cut -c69-132)   # after the 18-byte prefix and two u64
  [ "$(sha256hex < "$bytes")" = "$committed" ] || fail "the record's bytes do not hash to the committed SHA-256"
  echo "record bytes: SHA-256 matches the leaf"
fi
# --- 5. the document: its account names this very record ----------------------
# A bundle from `audit --store … --bundle` carries the document's account in
# "decisions" (one line); the proof above is worth nothing for that document
# unless the account names the proven record. JSON is not parsed here: every
# occurrence of each key below must hold the proven value (a duplicate or a
# nested copy cannot hide another), and a value with a JSON escape is beyond
# this script (use crawlproof audit verify).
[ "$(grep -c '^"decisions": ' "$bundle")" = 1 ] || fail "document: the bundle needs exactly one \"decisions\" line"
decisions=$(sed -n 's/^"decisions": \(.*\)$/\1/p' "$bundle")
if [ "$decisions" = "null" ]; then
  echo "document: none (the bundle proves a record, not a document)"
else
  # As `audit --bundle` writes them: the doc id, its status, then its account.
  printf '%s' "$decisions" | grep -Eq '^\{"doc_id":"[^"\\]*","status":"[^"\\]*","account":\{"doc_id":"' ||
    fail "document: the decisions do not open with the document's account (doc_id, status, account), as audit --bundle writes them"
  # The leaf's strings (u16 length, bytes) after its fixed 99 bytes, as hex.
  at=199; strings=""
  for _ in 1 2 3; do
    n=$(hexdec "$(echo "$leaf" | cut -c$at-$((at + 3)))")
    if [ "$n" -gt 0 ]; then strings="$strings $(echo "$leaf" | cut -c$((at + 4))-$((at + 3 + 2 * n)))"; else strings="$strings -"; fi
    at=$((at + 4 + 2 * n))
  done
  set -- $strings; id_hex=${1#-}; uri_hex=${2#-}; date_hex=${3#-}
  leaf_sha=$(echo "$leaf" | cut -c69-132); block_sha=$(echo "$leaf" | cut -c133-196)
  tohex() { od -An -v -tx1 | tr -d ' \n'; }
  # Every "KEY": value of the decisions (at least one) equals $2: with $3 = str
  # (default) $2 is the hex of the string's bytes, num a number, raw the string
  # itself, file a ledger path that the value is or ends with after "/".
  each() {
    key=$1; want=$2; kind=${3:-str}
    total=$(printf '%s' "$decisions" | grep -o "\"$key\":" | wc -l | tr -d ' ')
    [ "$total" -gt 0 ] || fail "document: the account has no \"$key\""
    if [ "$kind" = num ]; then
      vals=$(printf '%s' "$decisions" | grep -o "\"$key\":[0-9][0-9]*" | sed "s/^\"$key\"://")
    else
      vals=$(printf '%s' "$decisions" | grep -o "\"$key\":\"[^\"\\\\]*\"" | sed "s/^\"$key\":\"//; s/\"\$//")
    fi
    [ "$(printf '%s\n' "$vals" | grep -c .)" = "$total" ] ||
      fail "document: an \"$key\" of the account is not a plain value (JSON escapes are beyond this script)"
    printf '%s\n' "$vals" | while IFS= read -r v; do
      if [ "$kind" = str ]; then got=$(printf '%s' "$v" | tohex); else got=$v; fi
      if [ "$kind" = file ]; then
        case "$got" in "$want" | */"$want") ;; *) echo "$key $got";; esac
      elif [ "$got" != "$want" ]; then echo "$key $v"; fi
    done > "$tmp/differs"
    [ ! -s "$tmp/differs" ] || fail "document: the account names another record than the proof: $(head -1 "$tmp/differs")"
  }
  each record_id "$id_hex"; each url "$uri_hex"; each offset "$offset" num; each length "$length" num
  each ledger_leaf "$index" num; each file "$(field path)" file
  each record_sha256 "$leaf_sha" raw; each block_sha256 "$block_sha" raw
  if printf '%s' "$decisions" | grep -q '"date":'; then each date "$date_hex"; fi
  # The doc id derived from the record id (extract::DocumentId): a <urn:uuid:…>
  # id's UUID in lower case, any other "r" + 32 hex digits of its SHA-256.
  record_id=$(printf '%s' "$id_hex" | hex2bin)
  bare=${record_id#<}; bare=${bare%>}
  case "$bare" in
    [uU][rR][nN]:[uU][uU][iI][dD]:????????-????-????-????-????????????)
      doc=$(printf '%s' "${bare#?????????}" | tr 'A-Z' 'a-z') ;;
    "") fail "document: a record without WARC-Record-ID is beyond this script" ;;
    *) doc=r$(printf '%s' "$id_hex" | hex2bin | sha256hex | cut -c1-32) ;;
  esac
  each doc_id "$(printf '%s' "$doc" | tohex)"
  echo "document $doc: its account names this record"
fi
echo "audit-verify: OK"
