#!/usr/bin/env python3
"""One crawl on Slurm (scripts/local-slurm, SLURM_CONF set) with several
cluster_tasks: each run's wall time, its tasks' seconds per stage (from the
task logs), and a digest of its `store dump --family all` (run records left
out) and of its shards, which must be the same for every task count.

usage: cluster_tasks_bench.py CRAWL_DIR [TASKS...]   (default 4 2 1)
Outputs in /tmp/s<name>-<tasks>, work folders in /tmp/w<name>.
"""
import glob, hashlib, json, os, re, subprocess, sys, time
B = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'build', 'release', 'crawlproof')
res = {}
CRAWL = sys.argv[1]
TAG = os.path.basename(CRAWL.rstrip("/")).replace("crawl", "")
for T in [int(x) for x in sys.argv[2:]] or [4, 2, 1]:
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
cluster_tasks = {T}
workdir = "/tmp/w{TAG}"
time = "02:00:00"
mem = "2G"
''')
    t0 = time.time()
    p = subprocess.run([B, 'run', toml, '--executor', 'slurm', '--wait'], capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode:
        print(p.stderr[-3000:]); sys.exit(1)
    stages = {}
    for log in glob.glob(f'/tmp/w{TAG}/plan-*/logs/*.log'):
        stage = os.path.basename(log).rsplit('-', 1)[0]
        txt = open(log).read()
        m = re.findall(r'done in ([0-9.]+) s', txt)
        if m:
            stages.setdefault(stage, []).append(float(m[-1]))
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
    print(f'cluster_tasks={T}: wall {wall:.1f} s; store dump {res[T][0]}, shards {res[T][1]}')
    for s in ['process', 'dedup', 'cluster', 'assemble', 'tokenize', 'entries', 'commit']:
        v = stages.get(s, [])
        if v:
            print(f'  {s:<9} tasks {len(v):4d}  sum {sum(v):8.1f} s  max {max(v):7.1f} s')
    sys.stdout.flush()
same = len(set(res.values())) == 1
print('identical across task counts:', same, res)
sys.exit(0 if same else 1)
