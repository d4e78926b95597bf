#!/usr/bin/env python3
"""End to end: `crawlproof run` against datatrove running the equivalent
stages, one core each, on the same real WARC files, at 1x, 2x and 4x input.

usage: pipeline_bench.py BUILD_DIR WARC.gz [--scales 1,2,4] [--work DIR] [--slurm PARTITION]

With --slurm, both run as Slurm jobs on the cluster SLURM_CONF names: `crawlproof
run --executor slurm --wait` (one process task per file) against datatrove's
SlurmPipelineExecutor (the same stages, one task per file, chained with its
own dependencies), wall time from submission to the last output.

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

Equal work: datatrove's own WarcReader decides "is this HTML?" with libmagic
(which calls most XHTML documentation pages text/xml) and ignores the HTTP
status, so on a wget crawl it extracts a different set of pages. Here its
reader is replaced by one that selects exactly as crawlproof does — response
records with HTTP status 200 and an HTML Content-Type (text/html,
application/xhtml+xml; a generic or missing type falls back to
WARC-Identified-Payload-Type, then to sniffing the body's first tag), bodies
with their Content-Encoding removed — and decodes them as datatrove does. The
bench fails unless both sides handed the same number of pages to their
extractors, and fails on any non-zero exit of either side.

Prints, per scale: wall seconds, pages extracted, documents per second per
core and the ratio; then each side's time per stage.
"""
import argparse, glob, gzip, json, os, re, shutil, subprocess, sys, tempfile, time, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
# Slurm jobs (sbatch exports the environment) import the selection from here too.
sys.path.insert(0, HERE)
os.environ['PYTHONPATH'] = HERE + os.pathsep + os.environ.get('PYTHONPATH', '')
from warc_selection import selected_html  # noqa: E402
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


def run_ours(crawlproof, inputs, work, partition=None):
    """crawlproof run on one core, or with partition on that Slurm partition (--wait)."""
    out = os.path.join(work, 'ours')
    shutil.rmtree(out, ignore_errors=True)
    toml = os.path.join(work, 'ours.toml')
    with open(toml, 'w') as f:
        f.write('[run]\noutput = "%s"\nworkers = 1\n[source]\npaths = [%s]\n[ledger]\non_missing = "allow"\n'
                '[filter]\nsteps = ["gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"]\n'
                '[dedup]\ndevice = "cpu"\n[tokenize]\ntokenizer = "%s"\n'
                '[slurm]\npartition = "%s"\nsources_per_task = 1\ndedup_tasks = 2\ntokenize_tasks = 1\nmem = "2G"\n'
                % (out, ', '.join('"%s"' % i for i in inputs), TOKENIZER, partition or 'debug'))
    argv = [crawlproof, 'run', toml, '--progress', 'off']
    if partition:
        argv += ['--executor', 'slurm', '--wait']
    else:
        argv = ['taskset', '-c', '0'] + argv
    t = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit('crawlproof run exited %d: %s' % (r.returncode, r.stderr[-2000:]))
    stats = json.loads(r.stdout)
    docs = sum(stats['documents'].values())
    # Pages handed to the extractor: documents, and those whose text came out empty.
    pages = docs + stats.get('skipped_records', {}).get('empty', 0)
    return seconds, docs, pages, stats


def run_datatrove(inputs, work, partition=None):
    """datatrove's equivalent stages: LocalPipelineExecutor on one core, or with
    partition SlurmPipelineExecutor jobs chained on that partition."""
    from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
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

    class SameSelectionWarcReader(WarcReader):
        """datatrove's WarcReader with crawlproof's record selection."""
        name = 'Warc (crawlproof selection)'

        def read_file(self, filepath):
            import cchardet
            from warc_selection import selected_html
            from warcio.archiveiterator import ArchiveIterator
            with self.data_folder.open(filepath, 'rb', compression=self.compression) as f:
                for ri, record in enumerate(ArchiveIterator(f)):
                    with self.track_time():
                        body = selected_html(record)
                        if body is None:
                            continue
                        try:
                            html = body.decode('utf-8')
                        except UnicodeDecodeError:  # as datatrove's reader decodes
                            enc = cchardet.detect(body)['encoding'] or 'latin-1'
                            html = body.decode(enc, errors='replace')
                        h = record.rec_headers
                        document = self.get_document_from_dict(
                            {'text': html, 'id': h.get_header('WARC-Record-ID'), 'url': h.get_header('WARC-Target-URI'),
                             'date': h.get_header('WARC-Date')}, filepath, ri)
                    if document:
                        yield document

    stages = [
        [SameSelectionWarcReader(src, glob_pattern='*.warc.gz'), Trafilatura(favour_precision=True), GopherRepetitionFilter(),
         GopherQualityFilter(), C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(),
         PIIFormatter(), JsonlWriter(os.path.join(base, 'docs'))],
        [JsonlReader(os.path.join(base, 'docs')), MinhashDedupSignature(os.path.join(base, 'sigs'), config=cfg)],
        [MinhashDedupBuckets(os.path.join(base, 'sigs'), os.path.join(base, 'buckets'), config=cfg)],
        [MinhashDedupCluster(os.path.join(base, 'buckets'), os.path.join(base, 'remove'), config=cfg)],
        [JsonlReader(os.path.join(base, 'docs')), MinhashDedupFilter(os.path.join(base, 'remove')),
         DocumentTokenizer(os.path.join(base, 'tokens'), tokenizer_name_or_path=TOKENIZER,
                           eos_token='<｜end▁of▁sentence｜>', shuffle_documents=False)],
    ]
    names = ['read+extract+filter', 'minhash signatures', 'minhash buckets', 'minhash cluster', 'dedup filter+tokenize']
    logs = os.path.join(base, 'logs')
    per_stage = {}
    # On Slurm one task per input file where a stage reads per file (the
    # signature and filter stages must have as many tasks as each other).
    n = len(inputs) if partition else 1
    tasks = [n, n, cfg.num_buckets, 1, n]

    def completed(k):
        d = os.path.join(logs, str(k), 'completions')
        return len(os.listdir(d)) if os.path.isdir(d) else 0

    t = time.perf_counter()
    if partition:
        previous = None
        for k, pipeline in enumerate(stages):
            previous = SlurmPipelineExecutor(
                pipeline=pipeline, tasks=tasks[k], time='01:00:00', partition=partition, qos='', mem_per_cpu_gb=2,
                job_name='datatrove-%d' % k, logging_dir=os.path.join(logs, str(k)), depends=previous,
                venv_path=os.path.join(sys.prefix, 'bin', 'activate'), mail_type='NONE')
        previous.run()  # submits every stage, each after the one it depends on
        while completed(len(stages) - 1) < tasks[-1]:
            time.sleep(1)
            q = subprocess.run(['squeue', '-h', '-n', ','.join('datatrove-%d' % k for k in range(len(stages))), '-o',
                                '%i'], capture_output=True, text=True)
            stranded = subprocess.run(['squeue', '-h', '-n', ','.join('datatrove-%d' % k for k in range(len(stages))),
                                       '-o', '%i %r'], capture_output=True, text=True).stdout
            if 'DependencyNeverSatisfied' in stranded:
                subprocess.run(['scancel', '-n', ','.join('datatrove-%d' % k for k in range(len(stages)))])
                sys.exit('datatrove on Slurm: a stage failed; logs in %s' % logs)
            if q.returncode == 0 and not q.stdout.strip() and completed(len(stages) - 1) < tasks[-1]:
                time.sleep(2)
                if completed(len(stages) - 1) < tasks[-1]:
                    sys.exit('datatrove on Slurm: jobs left the queue unfinished; logs in %s' % logs)
        per_stage = {}
    else:
        for k, pipeline in enumerate(stages):
            t0 = time.perf_counter()
            LocalPipelineExecutor(pipeline=pipeline, tasks=tasks[k], workers=1,
                                  logging_dir=os.path.join(logs, str(k))).run()
            per_stage[names[k]] = time.perf_counter() - t0
    seconds = time.perf_counter() - t
    for k in range(len(stages)):
        if completed(k) < tasks[k]:
            sys.exit('datatrove stage %d (%s) did not complete; logs in %s' % (k, names[k], logs))
    extracted = timeouts = 0
    for f in glob.glob(os.path.join(logs, '0', 'stats', '*.json')):  # per task
        for s in json.load(open(f)):
            if 'Trafilatura' in s.get('name', ''):  # pages handed to it, whatever came out
                extracted += s['stats'].get('total', 0)
                timeouts += s['stats'].get('timeout', 0)
    return seconds, extracted, timeouts, per_stage


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('warc')
    ap.add_argument('--scales', default='1,2,4')
    ap.add_argument('--work', default=None)
    ap.add_argument('--slurm', metavar='PARTITION', default=None,
                    help='run both on this Slurm partition (SLURM_CONF of the cluster in the environment): crawlproof '
                         'run --executor slurm --wait against datatrove\'s SlurmPipelineExecutor')
    a = ap.parse_args()
    crawlproof = os.path.abspath(os.path.join(a.build, 'crawlproof'))
    work = a.work or tempfile.mkdtemp(prefix='pipeline-bench-')
    os.makedirs(work, exist_ok=True)
    scales = [int(x) for x in a.scales.split(',')]
    parts = copies(a.warc, max(scales), work)
    where = (f'on Slurm partition {a.slurm}, one task per file, one CPU per task' if a.slurm else
             'one core each (taskset / affinity 0)')
    print(f'{a.warc}: {os.path.getsize(a.warc) / 1e6:.1f} MB per copy; {where}')
    print(f'{"scale":>5} {"MB":>7} {"documents":>9} {"crawlproof s":>13} {"docs/s":>8} {"datatrove s":>12} {"docs/s":>8}'
          f' {"ratio":>7}')
    if not a.slurm:
        os.sched_setaffinity(0, {0})
    stage_rows = []
    for s in scales:
        inputs = parts[:s]
        mb = sum(os.path.getsize(i) for i in inputs) / 1e6
        t_ours, docs_ours, pages_ours, stats = run_ours(crawlproof, inputs, work, a.slurm)
        t_dt, pages_dt, timeouts, dt_stages = run_datatrove(inputs, work, a.slurm)
        if pages_dt != pages_ours:
            sys.exit(f'unequal work at {s}x: crawlproof extracted {pages_ours} pages, datatrove {pages_dt}')
        # Rates over the same count (the documents crawlproof extracted), so
        # the ratio is the ratio of the two wall times on identical input.
        print(f'{s:>4}x {mb:7.1f} {docs_ours:9} {t_ours:13.2f} {docs_ours / t_ours:8.0f} {t_dt:12.2f}'
              f' {docs_ours / t_dt:8.1f} {t_dt / t_ours:6.1f}x   (both extracted {pages_ours} pages; crawlproof kept'
              f' {stats["kept"]}, {stats["tokens"]} tokens; Trafilatura timed out on {timeouts})', flush=True)
        stage_rows.append((s, stats['seconds'], dt_stages))
    print('\nper stage, seconds')
    for s, ours, theirs in stage_rows:
        print(f'{s}x crawlproof: ' + ', '.join(f'{k} {v:.2f}' for k, v in ours.items()))
        if theirs:  # on Slurm the stages overlap with queueing: only the total
            print(f'{s}x datatrove:  ' + ', '.join(f'{k} {v:.2f}' for k, v in theirs.items()), flush=True)


if __name__ == '__main__':
    main()
