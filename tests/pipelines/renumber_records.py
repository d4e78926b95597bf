#!/usr/bin/env python3
"""Copies a per-record-gzip WARC giving every record a new WARC-Record-ID
(same length; the content is untouched): the same pages under other ids, as
a later crawl of the same URLs would have them.

usage: renumber_records.py IN.warc.gz OUT.warc.gz
"""
import gzip, re, sys, zlib


def members(data):
    while data:
        d = zlib.decompressobj(31)
        out = d.decompress(data)
        yield out
        data = d.unused_data


def main():
    data = open(sys.argv[1], 'rb').read()
    with open(sys.argv[2], 'wb') as f:
        for m in members(data):
            # urn:uuid:xxxxxxxx-... : the first hex digit changes, nothing else.
            m = re.sub(rb'(WARC-Record-ID: <urn:uuid:)([0-9a-f])',
                       lambda x: x.group(1) + (b'0' if x.group(2) != b'0' else b'1'), m)
            f.write(gzip.compress(m, mtime=0))


if __name__ == '__main__':
    main()
