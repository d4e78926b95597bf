"""python -m crawlproof.scorers.hf: a tiny randomly initialised BERT (built
here from a config, with a WordPiece vocabulary of the test pages' words)
served over the crawlproof-scorer/1 protocol, its scores against
transformers' own forward pass on each page alone; then as a classifier of
`crawlproof filter`.

Torch and transformers come from a Python that has them: CRAWLPROOF_HF_PYTHON,
else build/venv-hf (scripts/test makes it: Debian's python3-torch and
transformers from PyPI); the tests skip without one."""
import gzip
import json
import os
import subprocess

import pytest

from conftest import BIN, SRC

HF_PYTHON = os.environ.get("CRAWLPROOF_HF_PYTHON", os.path.join(SRC, "build", "venv-hf", "bin", "python"))
PAGES = os.path.join(SRC, "tests", "data", "multilingual-docs.jsonl.gz")


def have_hf():
    if not os.path.exists(HF_PYTHON):
        return False
    return subprocess.run([HF_PYTHON, "-c", "import torch, transformers"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not have_hf(), reason="no Python with torch and transformers (scripts/test makes build/venv-hf)")

BUILD = r'''
import collections, json, re, sys, torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast
out, num_labels, texts = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
words = collections.Counter(w for t in texts for w in re.findall(r"[a-z]+", t.lower()))
vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [w for w, _ in words.most_common(400)]
open(out + "/vocab.txt", "w").write("\n".join(vocab) + "\n")
BertTokenizerFast(out + "/vocab.txt").save_pretrained(out)
labels = {0: "low", 1: "mid", 2: "high"} if num_labels == 3 else {0: "score"}
config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=128, num_labels=num_labels, initializer_range=0.5,
                    id2label=labels, label2id={v: k for k, v in labels.items()})
torch.manual_seed(7)
BertForSequenceClassification(config).save_pretrained(out)
'''

# transformers' own forward pass, one page at a time (no padding).
REFERENCE = r'''
import json, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
model_dir, label, texts = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
out = []
for t in texts:
    with torch.no_grad():
        logits = model(**tok(t, truncation=True, max_length=128, return_tensors="pt")).logits[0]
    out.append(float(logits[0]) if label == "-" else float(torch.softmax(logits, -1)[model.config.label2id[label]]))
print(json.dumps(out))
'''


def pages(n):
    with gzip.open(PAGES, "rt") as f:
        return [json.loads(line) for _, line in zip(range(n), f)]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("hf")
    texts = [p["text"] for p in pages(40)]
    (d / "texts.json").write_text(json.dumps(texts))
    for name, n in (("classes", 3), ("regressor", 1)):
        (d / name).mkdir()
        subprocess.run([HF_PYTHON, "-c", BUILD, str(d / name), str(n), str(d / "texts.json")], check=True)
    return d


def reference(model_dir, label, texts_file):
    p = subprocess.run([HF_PYTHON, "-c", REFERENCE, str(model_dir), label, str(texts_file)], check=True,
                       capture_output=True, text=True)
    return json.loads(p.stdout)


@pytest.fixture(scope="module", autouse=True)
def package_path(tmp_path_factory):
    """The scorer's Python finds this crawlproof package (and only it) on its path."""
    import crawlproof

    d = tmp_path_factory.mktemp("pkg")
    os.symlink(os.path.dirname(crawlproof.__file__), d / "crawlproof")
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(d)
    yield
    if old is None:
        del os.environ["PYTHONPATH"]
    else:
        os.environ["PYTHONPATH"] = old


def serve(model_dir, args, batches):
    """Runs the scorer, sends `batches` (lists of (id, text)), returns (hello, answers)."""
    requests = "".join(json.dumps({"batch": i, "docs": [{"id": k, "text": t} for k, t in b]}) + "\n"
                       for i, b in enumerate(batches))
    p = subprocess.run([HF_PYTHON, "-m", "crawlproof.scorers.hf", "--model", str(model_dir), *args],
                       input=requests, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    return lines[0], lines[1:]


@pytest.mark.parametrize("name,label", [("classes", "high"), ("regressor", "-")])
def test_scores_equal_transformers_forward_pass(models, name, label):
    texts = json.loads((models / "texts.json").read_text())
    ids = ["doc-%d" % i for i in range(len(texts))]
    batches = [list(zip(ids[i:i + 16], texts[i:i + 16])) for i in range(0, len(texts), 16)]
    args = ["--batch-size", "5", "--max-length", "128"] + ([] if label == "-" else ["--label", label])
    hello, answers = serve(models / name, args, batches)
    assert hello["scorer"] == "crawlproof-scorer/1"
    assert hello["model"] == name
    assert len(hello["model_sha256"]) == 64
    got = {}
    for a in answers:
        for r in a["results"]:
            got[r["id"]] = r["score"]
    assert [a["batch"] for a in answers] == list(range(len(batches)))
    want = reference(models / name, label, models / "texts.json")
    assert len(got) == len(texts)
    for i, w in enumerate(want):
        assert abs(got[ids[i]] - w) < 1e-5, (i, got[ids[i]], w)
    # Not a constant: the pages get different scores.
    assert max(want) - min(want) > 1e-4


def test_label_must_be_named_for_several_classes(models):
    p = subprocess.run([HF_PYTHON, "-m", "crawlproof.scorers.hf", "--model", str(models / "classes")],
                       input="", capture_output=True, text=True)
    assert p.returncode != 0
    assert "name one with --label" in p.stderr


def test_as_a_classifier_of_crawlproof_filter(models, tmp_path):
    docs = pages(40)
    with open(tmp_path / "docs.jsonl", "w") as f:
        for d in docs:
            f.write(json.dumps({"id": d["id"], "url": d["url"], "text": d["text"]}) + "\n")
    # The step scores the page's joined text: the reference sees the same.
    joined = [" ".join(d["text"].strip().splitlines()) for d in docs]
    (tmp_path / "joined.json").write_text(json.dumps(joined))
    want = reference(models / "classes", "high", tmp_path / "joined.json")
    # Between two scores far enough apart that the batch's padding (1e-7)
    # cannot move a page across.
    s = sorted(want)
    k = max(range(len(s) // 3, 2 * len(s) // 3), key=lambda i: s[i + 1] - s[i])
    keep = (s[k] + s[k + 1]) / 2
    cmd = [HF_PYTHON, "-m", "crawlproof.scorers.hf", "--model", str(models / "classes"), "--label", "high",
           "--max-length", "128"]
    (tmp_path / "f.toml").write_text(
        "[filter]\nsteps = []\n[filter.classifier.edu]\ncommand = %s\nkeep = %r\nbatch_size = 8\n" %
        (json.dumps(cmd), keep))
    p = subprocess.run([BIN, "filter", "--input", str(tmp_path / "docs.jsonl"), "--config", str(tmp_path / "f.toml"),
                        "--output", str(tmp_path / "kept.jsonl"), "--dropped", str(tmp_path / "dropped.jsonl")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    kept = [json.loads(line) for line in open(tmp_path / "kept.jsonl")]
    dropped = [json.loads(line) for line in open(tmp_path / "dropped.jsonl")]
    assert len(kept) + len(dropped) == len(docs)
    by_id = {d["id"]: w for d, w in zip(docs, want)}
    for d in kept + dropped:
        c = d["classifiers"]["edu"]
        assert abs(c["score"] - by_id[d["id"]]) < 1e-5
        assert len(c["model_sha256"]) == 64
        assert c["keep"] == keep
    assert all(d["classifiers"]["edu"]["score"] >= keep for d in kept)
    assert all(d["reason"] == "classifier:edu" for d in dropped)
    assert kept and dropped
    # In input order.
    assert [d["id"] for d in kept] == [d["id"] for d in docs if by_id[d["id"]] >= keep]
