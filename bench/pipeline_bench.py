#!/usr/bin/env python3
"""End to end: `crawlproof run` against datatrove running the equivalent
stages, one core each, on the same real WARC files, at 1x, 2x and 4x input.

usage: pipeline_bench.py BUILD_DIR WARC.gz [--scales 1,2,4] [--work DIR]

Scale 1 is the WARC (per-record gzip, e.g. a make-corpus file); scale s adds
s - 1 copies of it whose records get new WARC-Record-IDs (the first hex digit
of each UUID shifted by the copy's number; content untouched) — the same pages
crawled again, which both tools must read, extract, filter and then remove as
duplicates.

Stages on both sides: WARC reading, HTML main-text extraction (crawlproof's
extractor / Trafilatura, as FineWeb runs it), the Gopher repetition and
quality, C4 and FineWeb quality filters, PII replacement, MinHash dedup (5-word
shingles, 14 bands x 8 rows), tokenization with DeepSeek-V3's tokenizer.json
into shards. Left out of both: language identification (datatrove's needs a
fastText model download) and the URL filter (its lists need a download).
crawlproof runs without a ledger (on_missing = "allow"), so that it does no
work datatrove does not do; it still hashes every shard (file SHA-256 and the
record root) and writes its provenance store, which datatrove has no
equivalent of.

Prints wall seconds, documents (HTML responses turned into documents) per
second per core, and the ratio, for every scale.
"""
import argparse, gzip, json, os, re, shutil, subprocess, sys, tempfile, time, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER = os.path.join(HERE, '..', 'data', 'tokenizers', 'deepseek-v3', 'tokenizer.json')


def members(data):
    while data:
        d = zlib.decompressobj(31)
        out = d.decompress(data)
        yield out
        data = d.unused_data


def copies(warc, n, out_dir):
    paths = [warc]
    data = open(warc, 'rb').read()
    for k in range(1, n):
        path = os.path.join(out_dir, 'copy-%d.warc.gz' % k)
        with open(path, 'wb') as f:
            for m in members(data):
                m = re.sub(rb'(WARC-Record-ID: <urn:uuid:)([0-9a-f])',
                           lambda x: x.group(1) + b'%x' % ((int(x.group(2), 16) + k) % 16), m)
                f.write(gzip.compress(m, mtime=0))
        paths.append(path)
    return paths


def run_ours(crawlproof, inputs, work):
    out = os.path.join(work, 'ours')
    shutil.rmtree(out, ignore_errors=True)
    toml = os.path.join(work, 'ours.toml')
    with open(toml, 'w') as f:
        f.write('[run]\noutput = "%s"\nworkers = 1\n[source]\npaths = [%s]\n[ledger]\non_missing = "allow"\n'
                '[filter]\nsteps = ["gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"]\n'
                '[dedup]\ndevice = "cpu"\n[tokenize]\ntokenizer = "%s"\n'
                % (out, ', '.join('"%s"' % i for i in inputs), TOKENIZER))
    t = time.perf_counter()
    r = subprocess.run(['taskset', '-c', '0', crawlproof, 'run', toml, '--progress', 'off'], capture_output=True,
                       text=True)
    seconds = time.perf_counter() - t
    if r.returncode not in (0, 1):
        sys.exit('crawlproof run failed: ' + r.stderr)
    stats = json.loads(r.stdout)
    docs = sum(stats['documents'].values())
    return seconds, docs, stats


def run_datatrove(inputs, work):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.tokens import DocumentTokenizer
    from datatrove.pipeline.writers import JsonlWriter
    base = os.path.join(work, 'datatrove')
    shutil.rmtree(base, ignore_errors=True)
    src = os.path.join(base, 'input')
    os.makedirs(src)
    for i in inputs:
        os.symlink(i, os.path.join(src, os.path.basename(i)))
    cfg = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8)
    counter = {}

    class Count:
        pass

    stages = [
        [WarcReader(src, glob_pattern='*.warc.gz'), Trafilatura(favour_precision=True), GopherRepetitionFilter(),
         GopherQualityFilter(), C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(),
         PIIFormatter(), JsonlWriter(os.path.join(base, 'docs'))],
        [JsonlReader(os.path.join(base, 'docs')), MinhashDedupSignature(os.path.join(base, 'sigs'), config=cfg)],
        [MinhashDedupBuckets(os.path.join(base, 'sigs'), os.path.join(base, 'buckets'), config=cfg)],
        [MinhashDedupCluster(os.path.join(base, 'buckets'), os.path.join(base, 'remove'), config=cfg)],
        [JsonlReader(os.path.join(base, 'docs')), MinhashDedupFilter(os.path.join(base, 'remove')),
         DocumentTokenizer(os.path.join(base, 'tokens'), tokenizer_name_or_path=TOKENIZER,
                           eos_token='<｜end▁of▁sentence｜>', shuffle_documents=False)],
    ]
    t = time.perf_counter()
    logs = os.path.join(base, 'logs')
    for k, pipeline in enumerate(stages):
        LocalPipelineExecutor(pipeline=pipeline, tasks=cfg.num_buckets if k == 2 else 1, workers=1,
                              logging_dir=os.path.join(logs, str(k))).run()
    seconds = time.perf_counter() - t
    stats = json.load(open(os.path.join(logs, '0', 'stats.json')))
    extracted = 0
    for s in stats:
        if 'Trafilatura' in s.get('name', ''):
            extracted = s['stats'].get('forwarded', 0) + s['stats'].get('dropped', 0)
    return seconds, extracted


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('warc')
    ap.add_argument('--scales', default='1,2,4')
    ap.add_argument('--work', default=None)
    a = ap.parse_args()
    crawlproof = os.path.join(a.build, 'crawlproof')
    work = a.work or tempfile.mkdtemp(prefix='pipeline-bench-')
    os.makedirs(work, exist_ok=True)
    scales = [int(x) for x in a.scales.split(',')]
    parts = copies(a.warc, max(scales), work)
    print(f'{a.warc}: {os.path.getsize(a.warc) / 1e6:.1f} MB per copy; one core each (taskset / affinity 0)')
    print(f'{"scale":>5} {"MB":>7} {"documents":>9} {"crawlproof s":>13} {"docs/s":>8} {"datatrove s":>12} {"docs/s":>8}'
          f' {"ratio":>7}')
    os.sched_setaffinity(0, {0})
    for s in scales:
        inputs = parts[:s]
        mb = sum(os.path.getsize(i) for i in inputs) / 1e6
        t_ours, docs_ours, stats = run_ours(crawlproof, inputs, work)
        t_dt, docs_dt = run_datatrove(inputs, work)
        # Rates over the same count (the documents crawlproof extracted), so
        # the ratio is the ratio of the two wall times on identical input.
        print(f'{s:>4}x {mb:7.1f} {docs_ours:9} {t_ours:13.2f} {docs_ours / t_ours:8.0f} {t_dt:12.2f}'
              f' {docs_ours / t_dt:8.1f} {t_dt / t_ours:6.1f}x   (crawlproof kept {stats["kept"]}, {stats["tokens"]}'
              f' tokens; datatrove extracted {docs_dt})', flush=True)


if __name__ == '__main__':
    main()
