"""A scorer for Hugging Face sequence-classification models (crawlproof-scorer/1).

    python -m crawlproof.scorers.hf --model DIR [--label NAME] [--batch-size 32]
        [--max-length 512] [--device auto|cpu|cuda] [--dtype auto|float32|float16|bfloat16]

DIR is a local directory (``save_pretrained``: config, weights, tokenizer);
nothing is downloaded. The score of a document is, for a model with one
output (a regressor such as FineWeb-Edu's classifier), that output; for a
model with several labels, the softmax probability of ``--label`` (a name of
the config's id2label, or an index). Texts are truncated to ``--max-length``
tokens. On a GPU the model runs in bfloat16 where the GPU has it, else
float16; on the CPU in float32 (``--dtype`` overrides). Texts are scored in
batches of ``--batch-size``, sorted by length inside each of crawlproof's
batches so that little padding is computed; the answers keep crawlproof's
order. The model's digest (hello's model_sha256) is the SHA-256 of DIR's
files.
"""

import argparse
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load(model_dir, device="auto", dtype="auto"):
    """(tokenizer, model, torch device) for a local model directory."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if dtype == "auto":
        if device.startswith("cuda"):
            dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        else:
            dtype = "float32"
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir, local_files_only=True, torch_dtype=getattr(torch, dtype))
    model.to(device).eval()
    return tokenizer, model, device


def label_index(model, label):
    """The output index whose probability is the score (None: one output, its value)."""
    n = model.config.num_labels
    if n == 1:
        return None
    if label is None:
        raise SystemExit("crawlproof.scorers.hf: the model has %d labels (%s); name one with --label" %
                         (n, ", ".join(str(v) for v in model.config.id2label.values())))
    for i, name in model.config.id2label.items():
        if str(name) == label:
            return int(i)
    if label.isdigit() and int(label) < n:
        return int(label)
    raise SystemExit("crawlproof.scorers.hf: no label %r; the model's labels are %s" %
                     (label, ", ".join(str(v) for v in model.config.id2label.values())))


def scorer(tokenizer, model, device, index, batch_size=32, max_length=512):
    """score(texts) -> list of floats, as crawlproof.scorers.protocol.serve wants it."""
    import torch

    def score(texts):
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = [0.0] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            enc = tokenizer([texts[i] for i in chunk], truncation=True, max_length=max_length, padding=True,
                            return_tensors="pt").to(device)
            with torch.inference_mode():
                logits = model(**enc).logits.float()
            values = logits[:, 0] if index is None else torch.softmax(logits, dim=-1)[:, index]
            for i, v in zip(chunk, values.tolist()):
                out[i] = v
        return out

    return score


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m crawlproof.scorers.hf", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a local model directory (save_pretrained)")
    p.add_argument("--label", help="the label whose probability is the score (models with several labels)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", default="auto", choices=["auto", "float32", "float16", "bfloat16"])
    a = p.parse_args(argv)
    if not os.path.isdir(a.model):
        raise SystemExit("crawlproof.scorers.hf: %s is not a model directory" % a.model)
    from crawlproof.scorers.protocol import files_sha256, serve

    tokenizer, model, device = load(a.model, a.device, a.dtype)
    index = label_index(model, a.label)
    files = [os.path.join(a.model, f) for f in os.listdir(a.model) if os.path.isfile(os.path.join(a.model, f))]
    print("crawlproof.scorers.hf: %s on %s (%s), score = %s" %
          (a.model, device, next(model.parameters()).dtype,
           "output 0" if index is None else "P(%s)" % model.config.id2label[index]), file=sys.stderr)
    serve(scorer(tokenizer, model, device, index, a.batch_size, a.max_length), os.path.basename(os.path.normpath(a.model)),
          files_sha256(files))


if __name__ == "__main__":
    main()
