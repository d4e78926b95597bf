#!/usr/bin/env python3
"""What each stage of `crawlproof run` costs per GB of WARC, what the Slurm
executor adds, and what one Common Crawl crawl would take.

usage: scaling_bench.py BUILD_DIR WARC... [--work DIR] [--dedup-tasks 4] [--tokenize-tasks 2] [--cluster-tasks 2]
                        [--slurm-partition debug] [--nodes 100] [--cores 64]
                        [--crawl-files 90000] [--crawl-tb 100] [--crawl-docs 2.5e9]

1. Stage by stage, one core: the run is planned (`run --executor slurm
   --dry-run`: the plan and job scripts, nothing submitted), then every task of
   every stage runs as the Slurm jobs would run it (`crawlproof stage NAME
   --plan P --task N`), one after another on CPU 0. Per stage: seconds, peak
   memory of its largest task, bytes written into the work folder (what a
   shared filesystem carries between stages), all also per GB of WARC.
2. The same pipeline with the local executor (in-process threads, `workers`
   = the cores this machine has), and — when SLURM_CONF is set — with the
   Slurm executor (`--executor slurm --wait`) on that cluster: the Slurm run's
   overhead is its wall time less the local run's on the same machine.
3. The extrapolation to a crawl of --crawl-files files, --crawl-tb TB and
   --crawl-docs HTML pages on --nodes nodes of --cores cores: `process`
   scales with WARC bytes, the later stages with documents (commit, which
   reads no document, with commit groups of --crawl-commit-every files; a documentation
   crawl has fewer, longer pages per GB than Common Crawl), each stage spread
   over as many tasks as it has (process: files; dedup: 256 partitions;
   components: one task; cluster, assemble, tokenize and entries: 1,024
   tasks; commit: one task).

Every crawlproof command must exit 0 and the three runs must give the same
shards, or the bench fails.
"""
import argparse, glob, hashlib, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER = os.path.join(HERE, '..', 'data', 'tokenizers', 'deepseek-v3', 'tokenizer.json')
STAGES = ['process', 'dedup', 'components', 'cluster', 'assemble', 'tokenize', 'entries', 'commit']


def du(path, skip=()):
    total = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d not in skip]
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


def pipeline(work, name, inputs, a, partition=None):
    out = os.path.join(work, name)
    shutil.rmtree(out, ignore_errors=True)
    toml = os.path.join(work, name + '.toml')
    with open(toml, 'w') as f:
        f.write(f'[run]\noutput = "{out}"\nworkers = {os.cpu_count()}\ncommit_every = {a.commit_every}\n'
                f'[source]\npaths = [{", ".join(json.dumps(i) for i in inputs)}]\n'
                '[ledger]\non_missing = "allow"\n'
                '[filter]\nsteps = ["gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"]\n'
                f'[dedup]\ndevice = "cpu"\n[tokenize]\ntokenizer = "{TOKENIZER}"\n'
                f'[slurm]\npartition = "{partition or "debug"}"\nsources_per_task = 1\n'
                f'dedup_tasks = {a.dedup_tasks}\ntokenize_tasks = {a.tokenize_tasks}\n'
                f'cluster_tasks = {a.cluster_tasks}\nmax_array_size = 1001\n'
                'time = "01:00:00"\nmem = "2G"\n')
    return toml, out


def run(argv, cpu0=False):
    """Runs argv; (seconds, stdout, stderr). Exits on a non-zero status."""
    if cpu0:
        argv = ['taskset', '-c', '0'] + argv
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    seconds = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f'{" ".join(argv)} exited {p.returncode}:\n{err[-3000:]}')
    return seconds, out, err


def run_rss(argv):
    """Runs argv on CPU 0; (seconds, peak RSS MB). Exits on a non-zero status."""
    argv = ['taskset', '-c', '0'] + argv
    with tempfile.TemporaryFile() as log:
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            log.seek(0)
            sys.exit(f'{" ".join(argv)} exited {p.returncode}:\n{log.read().decode(errors="replace")[-3000:]}')
    return seconds, usage.ru_maxrss / 1024


def shard_digest(out):
    h = hashlib.sha256()
    for f in sorted(glob.glob(os.path.join(out, 'shards', '**', '*'), recursive=True)):
        if os.path.isfile(f):
            h.update(os.path.relpath(f, out).encode() + b'\0' + open(f, 'rb').read())
    return h.hexdigest()[:16]


def fmt_bytes(n):
    for unit in ['B', 'KB', 'MB', 'GB', 'TB', 'PB']:
        if abs(n) < 1000:
            return f'{n:.1f} {unit}'
        n /= 1000
    return f'{n:.1f} EB'


def fmt_hours(s):
    return f'{s / 3600:,.0f} h' if s >= 36000 else f'{s / 3600:.1f} h'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('warcs', nargs='+')
    ap.add_argument('--work', default=None)
    ap.add_argument('--dedup-tasks', type=int, default=4)
    ap.add_argument('--tokenize-tasks', type=int, default=2)
    ap.add_argument('--cluster-tasks', type=int, default=2)
    ap.add_argument('--commit-every', type=int, default=1000)
    ap.add_argument('--slurm-partition', default='debug')
    ap.add_argument('--nodes', type=int, default=100)
    ap.add_argument('--cores', type=int, default=64)
    ap.add_argument('--crawl-files', type=int, default=90000)
    ap.add_argument('--crawl-tb', type=float, default=100)
    ap.add_argument('--crawl-docs', type=float, default=2.5e9)
    ap.add_argument('--crawl-commit-every', type=int, default=16)
    a = ap.parse_args()
    crawlproof = os.path.abspath(os.path.join(a.build, 'crawlproof'))
    work = a.work or tempfile.mkdtemp(prefix='scaling-bench-')
    os.makedirs(work, exist_ok=True)
    inputs = [os.path.abspath(w) for w in a.warcs]
    warc_bytes = sum(os.path.getsize(i) for i in inputs)
    gb = warc_bytes / 1e9
    print(f'{len(inputs)} WARC files, {fmt_bytes(warc_bytes)}; {os.cpu_count()} cores here')

    # 1. Stage by stage on one core.
    toml, out = pipeline(work, 'staged', inputs, a)
    run([crawlproof, 'run', toml, '--executor', 'slurm', '--dry-run'])
    plan_dir = glob.glob(os.path.join(out, 'work', 'plan-*'))[0]
    plan = json.load(open(os.path.join(plan_dir, 'plan.json')))
    tasks = {'process': len(plan['process_tasks']), 'dedup': plan['dedup_partitions'], 'components': 1,
             'cluster': plan['cluster_tasks'], 'assemble': len(plan['assemble_tasks']),
             'tokenize': len(plan['tokenize_tasks']), 'entries': len(plan['tokenize_tasks']), 'commit': 1}
    skip = ('jobs', 'logs', 'done')
    rows, fixed_of = [], {}
    before = du(os.path.join(out, 'work'), skip)
    for stage in STAGES:
        if stage == 'commit':
            before_out = du(out, ('work',))
        secs, peak = 0.0, 0.0
        for t in range(tasks[stage]):
            s, rss = run_rss([crawlproof, '--log-format', 'text', 'stage', stage, '--plan',
                              os.path.join(plan_dir, 'plan.json'), '--task', str(t), '--threads', '1'])
            secs += s
            peak = max(peak, rss)
        # A task's fixed cost (start, plan, options, store): task 0 again, now
        # done, returns right after them. commit is never a no-op: cluster's.
        fixed = fixed_of.get('cluster', 0.0)
        if stage != 'commit':
            fixed, _ = run_rss([crawlproof, '--log-format', 'text', 'stage', stage, '--plan',
                                os.path.join(plan_dir, 'plan.json'), '--task', '0', '--threads', '1'])
        if stage == 'commit':
            written = du(out, ('work',)) - before_out  # store, shards, documents, reports
        else:
            after = du(os.path.join(out, 'work'), skip)
            written, before = after - before, after
        fixed_of[stage] = fixed
        rows.append((stage, tasks[stage], secs, peak, written, fixed))
    staged_digest = shard_digest(out)
    store_bytes = du(os.path.join(out, 'store'))
    shard_bytes = du(os.path.join(out, 'shards'))
    stats = json.load(open(os.path.join(out, 'stats.json')))
    docs = sum(stats['documents'].values())

    print(f'\nstage by stage, one core ({docs} documents, {stats["kept"]} kept, {stats["tokens"]} tokens)')
    print(f'{"stage":<9} {"tasks":>5} {"seconds":>8} {"s/GB":>8} {"fixed s":>8} {"peak MB":>8} {"written":>10}'
          f' {"written/GB":>11}')
    total = 0.0
    for stage, n, secs, peak, written, fixed in rows:
        total += secs
        print(f'{stage:<9} {n:>5} {secs:8.2f} {secs / gb:8.1f} {fixed:8.3f} {peak:8.0f} {fmt_bytes(written):>10}'
              f' {fmt_bytes(written / gb):>11}')
    print('(fixed s: one task\'s cost before any work — start, plan, options, store; counted once per task below)')
    print(f'{"all":<9} {"":>5} {total:8.2f} {total / gb:8.1f}   store {fmt_bytes(store_bytes)}'
          f' ({fmt_bytes(store_bytes / gb)}/GB), shards {fmt_bytes(shard_bytes)}')

    # 2. Local executor and Slurm executor on this machine.
    toml, out = pipeline(work, 'local', inputs, a)
    local_s, _, _ = run([crawlproof, 'run', toml, '--progress', 'off'])
    if shard_digest(out) != staged_digest:
        sys.exit('the local run and the stage-by-stage run gave different shards')
    print(f'\nlocal executor ({os.cpu_count()} workers): {local_s:.2f} s')
    slurm_s = None
    if os.environ.get('SLURM_CONF'):
        toml, out = pipeline(work, 'slurm', inputs, a, a.slurm_partition)
        slurm_s, _, _ = run([crawlproof, 'run', toml, '--executor', 'slurm', '--wait'])
        if shard_digest(out) != staged_digest:
            sys.exit('the Slurm run and the local run gave different shards')
        print(f'slurm executor (--wait, same machine): {slurm_s:.2f} s; overhead {slurm_s - local_s:+.2f} s'
              f' ({sum(tasks.values())} tasks in {len(STAGES)} stages)')
    else:
        print('slurm executor: skipped (SLURM_CONF unset)')

    # 3. One crawl.
    crawl_gb = a.crawl_tb * 1000
    cores = a.nodes * a.cores
    scale = {stage: (crawl_gb / gb if stage == 'process' else a.crawl_docs / docs) for stage in STAGES}
    # The commit reads no document: it scales with the groups it ingests.
    crawl_groups = -(-a.crawl_files // a.crawl_commit_every)
    scale['commit'] = crawl_groups / len(plan['groups'])
    print(f'\none crawl: {a.crawl_files:,} files, {a.crawl_tb:g} TB of WARC, {a.crawl_docs:.3g} documents, on'
          f' {a.nodes} nodes x {a.cores} cores (process x{scale["process"]:,.0f} by bytes, later stages'
          f' x{scale["dedup"]:,.0f} by documents)')
    print(f'{"stage":<9} {"CPU-hours":>10} {"tasks":>7} {"wall":>9} {"written":>10}')
    wall = 0.0
    widths = {'process': a.crawl_files, 'dedup': 256, 'components': 1, 'cluster': 1024, 'assemble': 1024, 'tokenize': 1024,
              'entries': 1024, 'commit': 1}
    cpu_total = 0.0
    for stage, n, secs, peak, written, fixed in rows:
        variable = max(0.0, secs - n * fixed)
        cpu = variable * scale[stage] + widths[stage] * fixed
        cpu_total += cpu
        w = cpu / min(cores, widths[stage])
        wall += w
        # What commit writes (the store, the shards) grows with the documents.
        by = a.crawl_docs / docs if stage == 'commit' else scale[stage]
        print(f'{stage:<9} {cpu / 3600:10,.0f} {widths[stage]:>7,} {fmt_hours(w):>9}'
              f' {fmt_bytes(written * by):>10}')
    print(f'{"all":<9} {cpu_total / 3600:10,.0f} {"":>7}'
          f' {fmt_hours(wall):>9}   store {fmt_bytes(store_bytes * a.crawl_docs / docs)}')

if __name__ == '__main__':
    main()
