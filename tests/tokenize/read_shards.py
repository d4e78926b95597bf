#!/usr/bin/env python3
"""An independent reader of crawlproof's training shards, written from the
format description alone (docs/tokenize.md), with numpy.

usage: read_shards.py OUTPUT_DIR

Prints one JSON line per document, in shard order: {"doc_id", "ids"}.
Checks on the way (exit 1 with a message when one fails): the Megatron
header, the document index 0..N, sequences packed back to back, the sidecar's
offsets and lengths, every sequence starting with BOS and ending with EOS
when the manifest names them.
"""
import json, os, struct, sys

import numpy as np


def fail(msg):
    print('read_shards.py: ' + msg, file=sys.stderr)
    sys.exit(1)


def megatron(stem):
    with open(stem + '.idx', 'rb') as f:
        idx = f.read()
    if idx[:9] != b'MMIDIDX\x00\x00':
        fail(stem + '.idx: bad magic')
    version, = struct.unpack_from('<Q', idx, 9)
    code = idx[17]
    n, d = struct.unpack_from('<QQ', idx, 18)
    if version != 1:
        fail('version %d' % version)
    dtype = {8: np.uint16, 4: np.int32}.get(code)
    if dtype is None:
        fail('dtype code %d' % code)
    off = 34
    lengths = np.frombuffer(idx, dtype='<i4', count=n, offset=off)
    pointers = np.frombuffer(idx, dtype='<i8', count=n, offset=off + 4 * n)
    docs = np.frombuffer(idx, dtype='<i8', count=d, offset=off + 12 * n)
    if off + 12 * n + 8 * d != len(idx):
        fail(stem + '.idx: size does not match the counts')
    if d != n + 1 or not np.array_equal(docs, np.arange(n + 1)):
        fail(stem + '.idx: document index is not 0..N')
    tokens = np.memmap(stem + '.bin', dtype=np.dtype(dtype).newbyteorder('<'), mode='r')
    width = np.dtype(dtype).itemsize
    expect = np.concatenate([[0], np.cumsum(lengths.astype(np.int64))[:-1]]) * width if n else np.zeros(0)
    if not np.array_equal(pointers, expect):
        fail(stem + '.idx: sequences are not back to back')
    if int(lengths.sum()) != len(tokens):
        fail(stem + '.bin: %d tokens, the index says %d' % (len(tokens), int(lengths.sum())))
    return [(int(p) // width, int(l)) for p, l in zip(pointers, lengths)], tokens


def datatrove(stem, dtype):
    ends = np.fromfile(stem + '.ds.index', dtype='<u8')
    tokens = np.memmap(stem + '.ds', dtype=np.dtype(dtype).newbyteorder('<'), mode='r')
    if len(ends) and int(ends[-1]) != len(tokens):
        fail(stem + '.ds: %d tokens, the index ends at %d' % (len(tokens), int(ends[-1])))
    starts = np.concatenate([[0], ends[:-1]]) if len(ends) else np.zeros(0)
    return [(int(s), int(e - s)) for s, e in zip(starts, ends)], tokens


def main():
    out = sys.argv[1]
    manifest = json.load(open(os.path.join(out, 'manifest.json')))
    opt = manifest['options']
    bos, eos = opt['bos'], opt['eos']
    for shard in manifest['shards']:
        prefix = 'valid' if shard.get('split') == 'validation' else 'shard'
        stem = os.path.join(out, '%s-%05d' % (prefix, shard['index']))
        if opt['format'] == 'megatron':
            seqs, tokens = megatron(stem)
        else:
            seqs, tokens = datatrove(stem, {'uint16': np.uint16, 'uint32': np.uint32}[opt['dtype']])
        side = [json.loads(l) for l in open(stem + '.docs.jsonl')]
        if len(side) != len(seqs) or len(seqs) != shard['documents']:
            fail(stem + ': %d sidecar lines, %d sequences' % (len(side), len(seqs)))
        for (start, length), s in zip(seqs, side):
            if s['offset'] != start or s['length'] != length:
                fail(stem + ': sidecar disagrees for ' + s['doc_id'])
            ids = [int(x) for x in tokens[start:start + length]]
            if bos is not None and (not ids or ids[0] != bos):
                fail(stem + ': ' + s['doc_id'] + ' does not start with BOS')
            if eos is not None and (not ids or ids[-1] != eos):
                fail(stem + ': ' + s['doc_id'] + ' does not end with EOS')
            print(json.dumps({'doc_id': s['doc_id'], 'ids': ids, 'split': shard.get('split', 'train')}))


if __name__ == '__main__':
    main()
