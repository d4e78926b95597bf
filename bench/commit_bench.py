#!/usr/bin/env python3
"""The commit of a run, side by side with another crawlproof build (e.g. one
from before the entries stage): what the single store writer costs, and
what writing the store costs in all.

usage: commit_bench.py OURS_BUILD THEIRS_BUILD WARC... [--commit-every 1] [--runs 3] [--work DIR]

Each side plans the same pipeline (`run --executor slurm --dry-run`) and runs
its stages up to tokenize once (`crawlproof stage ... --threads 1`), and the
prepared output folder is kept. Then, alternately, on one pinned core, best
of --runs: the output folder restored, then the stages that write the store
— `entries` (when the side has it) and `commit` — timed. Printed per side:
the commit task's seconds (the serial part), entries + commit (all the
store's writing), and what they produced: a digest of `crawlproof store
dump` and of the shards, which must be the same on both sides.
"""
import argparse, glob, hashlib, json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import alternate, pin_one_core  # noqa: E402
from scaling_bench import pipeline, shard_digest, run as scaling_run  # noqa: E402


def stage_names(binary):
    help_text = subprocess.run([binary, 'stage', '--help'], capture_output=True, text=True).stdout
    return ['entries'] if 'entries' in help_text else []


def run(argv):
    """scaling_bench's run(): stdout, or the bench exits on a failure."""
    return scaling_run(argv)[1]


def prepare(binary, work, name, inputs, a):
    toml, out = pipeline(work, name, inputs, a)
    run([binary, 'run', toml, '--executor', 'slurm', '--dry-run'])
    plan_path = glob.glob(os.path.join(out, 'work', 'plan-*', 'plan.json'))[0]
    plan = json.load(open(plan_path))
    tasks = {'process': len(plan['process_tasks']), 'dedup': plan['dedup_partitions'], 'components': 1,
             'cluster': plan.get('cluster_tasks', 1), 'assemble': len(plan.get('assemble_tasks', [])),
             'tokenize': len(plan['tokenize_tasks']), 'entries': len(plan['tokenize_tasks'])}
    for stage in ['process', 'dedup', 'components', 'cluster', 'assemble', 'tokenize']:
        for t in range(tasks[stage]):
            run([binary, 'stage', stage, '--plan', plan_path, '--task', str(t), '--threads', '1'])
    shutil.copytree(out, out + '.prepared', symlinks=True)
    return out, plan_path, tasks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ours')
    ap.add_argument('theirs')
    ap.add_argument('warcs', nargs='+')
    ap.add_argument('--commit-every', type=int, default=1)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--work', default=None)
    a = ap.parse_args()
    a.dedup_tasks, a.tokenize_tasks = 4, 2
    work = a.work or tempfile.mkdtemp(prefix='commit-bench-')
    os.makedirs(work, exist_ok=True)
    inputs = [os.path.abspath(w) for w in a.warcs]
    core = pin_one_core()
    sides = {}
    for name, build in (('ours', a.ours), ('theirs', a.theirs)):
        binary = os.path.abspath(os.path.join(build, 'crawlproof'))
        out, plan_path, tasks = prepare(binary, work, name, inputs, a)
        sides[name] = (binary, out, plan_path, tasks, stage_names(binary))

    best_commit = {'ours': 1e30, 'theirs': 1e30}

    def side(name):
        binary, out, plan_path, tasks, extra = sides[name]
        shutil.rmtree(out)
        shutil.copytree(out + '.prepared', out, symlinks=True)
        t0 = time.perf_counter()
        for stage in extra:
            for t in range(tasks[stage]):
                run([binary, 'stage', stage, '--plan', plan_path, '--task', str(t), '--threads', '1'])
        t1 = time.perf_counter()
        run([binary, 'stage', 'commit', '--plan', plan_path, '--task', '0', '--threads', '1'])
        t2 = time.perf_counter()
        best_commit[name] = min(best_commit[name], t2 - t1)
        dump = hashlib.sha256(run([binary, 'store', 'dump', os.path.join(out, 'store')]).encode()).hexdigest()[:16]
        return ('timed', t2 - t0, {'store_dump': dump, 'shards': shard_digest(out)})

    best_ours, ours, best_theirs, theirs = alternate(a.runs, lambda: side('ours'), lambda: side('theirs'))
    print(f'core {core}; best of {a.runs}, alternating')
    for name, best, r in (('ours', best_ours, ours), ('theirs', best_theirs, theirs)):
        print(f'{name:<7} commit {best_commit[name]:7.2f} s   store writing {best:7.2f} s   '
              f'store dump {r["store_dump"]}   shards {r["shards"]}')
    if ours['store_dump'] != theirs['store_dump'] or ours['shards'] != theirs['shards']:
        sys.exit('the two sides wrote different stores or shards')
    print(f'commit, the serial part: theirs / ours = {best_commit["theirs"] / best_commit["ours"]:.1f}; '
          f'the store\'s writing in all: theirs / ours = {best_theirs / best_ours:.2f}')


if __name__ == '__main__':
    main()
