#!/usr/bin/env python3
"""Extraction benchmark: `crawlproof extract` against trafilatura (with
datatrove's FineWeb settings) and resiliparse on the same real pages, one core.

usage: extract_bench.py CRAWLPROOF WARC... [--trafilatura-pages N] [--runs R]

Pages: every `response` record with status 200 and an HTML Content-Type.
Peers get each page already decoded to str (their timed loop is HTML -> text
only); crawlproof's time is the whole command: read and inflate the WARCs,
parse HTTP, detect the charset, extract, identify the language with CLD2 and
write JSON — so the ratios understate our lead. trafilatura is slow, so it is
timed on N pages (default 500; every k-th, so all page types are in) and reported per document.

Agreement: bag-of-words F1 (lower-cased whitespace tokens, multiset overlap) of
our main text against each peer's, per page type (the first path component of
the URL: one site per documentation set in the make-corpus crawl).
"""
import argparse, collections, json, subprocess, sys, time, zlib

from fastwarc.warc import ArchiveIterator, WarcRecordType
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree
import trafilatura


def dechunk(b):
    out, pos = bytearray(), 0
    while pos < len(b):
        nl = b.find(b'\r\n', pos)
        if nl < 0:
            break
        size = int(b[pos:nl].split(b';')[0].strip() or b'0', 16)
        if size == 0:
            break
        out += b[nl + 2:nl + 2 + size]
        pos = nl + 2 + size + 2
    return bytes(out)


def decoded_body(rec):
    # wget stores bodies as served: remove chunking and gzip (the peers
    # expect the page, as datatrove hands it to them).
    body = rec.reader.read()
    if 'chunked' in (rec.http_headers.get('Transfer-Encoding') or '').lower():
        body = dechunk(body)
    if (rec.http_headers.get('Content-Encoding') or '').lower() in ('gzip', 'x-gzip', 'deflate'):
        body = zlib.decompress(body, 47)
    return body


def pages(paths):
    out = []
    for p in paths:
        with open(p, 'rb') as f:
            for rec in ArchiveIterator(f, record_types=WarcRecordType.response, parse_http=True):
                if rec.http_headers is None or rec.http_headers.status_code != 200:
                    continue
                ctype = (rec.http_headers.get('Content-Type') or '').lower()
                if 'html' not in ctype:
                    continue
                url = rec.headers.get('WARC-Target-URI').strip('<>')
                out.append((url, decoded_body(rec).decode('utf-8', errors='replace')))
    return out


def tokens(s):
    return collections.Counter((s or '').lower().split())


def f1(ours, theirs):
    a, b = tokens(ours), tokens(theirs)
    if not a and not b:
        return 1.0
    common = sum((a & b).values())
    if common == 0:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


def page_type(url):
    path = url.split('://', 1)[-1].split('/', 1)[-1]
    return path.split('/', 1)[0] or '(root)'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('crawlproof')
    ap.add_argument('warcs', nargs='+')
    ap.add_argument('--trafilatura-pages', type=int, default=500)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--dump', help='write url, F1s and the three texts of each compared page to this JSONL')
    a = ap.parse_args()

    docs = pages(a.warcs)
    n_traf = min(a.trafilatura_pages, len(docs))

    best = None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        res = subprocess.run([a.crawlproof, 'extract', '--progress', 'off', *a.warcs],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    ours = {}
    for line in res.stdout.splitlines():
        d = json.loads(line)
        ours[d['url']] = d['text']
    n_ours = len(ours)

    t0 = time.perf_counter()
    resi = [extract_plain_text(HTMLTree.parse(h), main_content=True) for _, h in docs]
    t_resi = time.perf_counter() - t0

    t0 = time.perf_counter()
    stride = max(1, len(docs) // n_traf)
    sample = list(range(0, len(docs), stride))[:n_traf]  # every k-th page: all page types
    traf = {i: trafilatura.extract(docs[i][1], favor_precision=True, include_comments=False, deduplicate=True)
            for i in sample}
    t_traf = time.perf_counter() - t0

    ours_rate = n_ours / best
    resi_rate = len(docs) / t_resi
    traf_rate = n_traf / t_traf
    print(f'pages: {len(docs)} HTML 200 responses in {len(a.warcs)} WARCs; crawlproof documents: {n_ours}')
    print(f'{"tool":44} {"docs":>6} {"seconds":>8} {"docs/s":>8} {"crawlproof is":>14}')
    print(f'{"crawlproof extract (whole command, best of %d)" % a.runs:44} {n_ours:6} {best:8.2f} {ours_rate:8.0f} {"":>14}')
    print(f'{"resiliparse 2 extract_plain_text(main_content)":44} {len(docs):6} {t_resi:8.2f} {resi_rate:8.0f} '
          f'{ours_rate / resi_rate:13.1f}x')
    print(f'{"trafilatura %s (datatrove FineWeb settings)" % trafilatura.__version__:44} {n_traf:6} {t_traf:8.2f} '
          f'{traf_rate:8.1f} {ours_rate / traf_rate:13.1f}x')

    by_type = collections.defaultdict(lambda: [[], []])
    for i, (url, _) in enumerate(docs):
        if url not in ours:
            continue
        by_type[page_type(url)][0].append(f1(ours[url], resi[i]))
        if i in traf:
            by_type[page_type(url)][1].append(f1(ours[url], traf[i]))
    if a.dump:
        with open(a.dump, 'w') as f:
            for i in sample:
                url = docs[i][0]
                f.write(json.dumps({'url': url, 'ours': ours.get(url), 'resiliparse': resi[i], 'trafilatura': traf[i],
                                    'f1_resiliparse': f1(ours.get(url), resi[i]),
                                    'f1_trafilatura': f1(ours.get(url), traf[i])}) + '\n')
    print(f'\nword-level F1 of our main text against each peer, mean per page type')
    print(f'{"page type":14} {"pages":>6} {"vs resiliparse":>15} {"pages":>6} {"vs trafilatura":>15}')
    for k in sorted(by_type):
        r, t = by_type[k]
        mean = lambda xs: sum(xs) / len(xs) if xs else float('nan')
        print(f'{k:14} {len(r):6} {mean(r):15.3f} {len(t):6} {mean(t):15.3f}')


if __name__ == '__main__':
    sys.exit(main())
