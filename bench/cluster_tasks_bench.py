#!/usr/bin/env python3
"""One crawl on Slurm (scripts/local-slurm, SLURM_CONF set) with several
cluster_tasks: each run's wall time, its tasks' seconds and peak RSS per
stage (from the task logs), and a digest of its `store dump --family all`
(run records left out) and of its shards, which must be the same for every
task count and for the local executor (`local` in TASKS: the same pipeline
run by `crawlproof run` on this machine, 2 workers).

usage: cluster_tasks_bench.py CRAWL_DIR [TASKS...]   (default 4 2 1 local)
Outputs in /tmp/s<name>-<tasks>, work folders in /tmp/w<name>.
"""
import glob, hashlib, json, os, re, subprocess, sys, time
B = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'build', 'release', 'crawlproof')
res = {}
CRAWL = sys.argv[1]
TAG = os.path.basename(CRAWL.rstrip("/")).replace("crawl", "")
for T in sys.argv[2:] or ['4', '2', '1', 'local']:
    out = f'/tmp/s{TAG}-{T}'
    subprocess.run(['rm', '-rf', out])
    toml = f'/tmp/s{TAG}-{T}.toml'
    open(toml, 'w').write(f'''[run]
output = "{out}"
workers = 2
commit_every = 16
[source]
paths = ["{CRAWL}/*.warc.gz"]
[ledger]
on_missing = "allow"
[filter]
steps = ["gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"]
[dedup]
device = "cpu"
[slurm]
partition = "debug"
sources_per_task = 1
dedup_tasks = 2
tokenize_tasks = 2
cluster_tasks = {T if T != 'local' else 1}
workdir = "/tmp/w{TAG}"
time = "02:00:00"
mem = "2G"
''')
    t0 = time.time()
    subprocess.run(['rm', '-rf', f'/tmp/w{TAG}'])
    executor = [] if T == 'local' else ['--executor', 'slurm', '--wait']
    p = subprocess.run(['/usr/bin/time', '-v', B, 'run', toml, '--progress', 'off'] + executor,
                       capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode:
        print(p.stderr[-3000:]); sys.exit(1)
    stages = {}
    for log in glob.glob(f'/tmp/w{TAG}/plan-*/logs/*.log'):
        stage = os.path.basename(log).rsplit('-', 1)[0]
        txt = open(log).read()
        m = re.findall(r'done in ([0-9.]+) s, peak RSS ([0-9.]+) MB', txt)
        if m:
            end = os.path.getmtime(log)  # the task's last line: its end
            stages.setdefault(stage, []).append((float(m[-1][0]), float(m[-1][1]), end - float(m[-1][0]), end))
        for line in txt.splitlines():
            if 'linked candidates joined' in line:
                print('  ', line[-220:])
    dump = subprocess.run([B, 'store', 'dump', out + '/store', '--family', 'all'], capture_output=True, text=True).stdout
    dump = '\n'.join(l for l in dump.splitlines() if '"family":"runs","key":"run' not in l)
    h = hashlib.sha256()
    for f in sorted(glob.glob(out + '/shards/**/*', recursive=True)):
        if os.path.isfile(f):
            h.update(f[len(out):].encode()); h.update(open(f, 'rb').read())
    res[T] = (hashlib.sha256(dump.encode()).hexdigest()[:16], h.hexdigest()[:16])
    rss = re.search(r'Maximum resident set size \(kbytes\): (\d+)', p.stderr)
    print(f'cluster_tasks={T}: wall {wall:.1f} s; store dump {res[T][0]}, shards {res[T][1]}' +
          (f'; peak RSS {int(rss.group(1)) / 1024:.0f} MB' if T == 'local' and rss else ''))
    for s in ['process', 'dedup', 'components', 'cluster', 'assemble', 'tokenize', 'entries', 'commit']:
        v = stages.get(s, [])
        if v:
            secs = [x[0] for x in v]
            wall = max(x[3] for x in v) - min(x[2] for x in v)  # first task's work to the last one's end
            print(f'  {s:<10} tasks {len(v):4d}  sum {sum(secs):8.1f} s  max {max(secs):7.1f} s'
                  f'  stage wall {wall:7.1f} s  peak RSS max {max(x[1] for x in v):7.1f} MB')
    sys.stdout.flush()
same = len(set(res.values())) == 1
print('identical across task counts:', same, res)
sys.exit(0 if same else 1)
