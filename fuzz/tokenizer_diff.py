#!/usr/bin/env python3
"""Differential fuzzing of the tokenizer: crawlproof's token ids against
Hugging Face `tokenizers` (the DeepSeek-V3 tokenizer.json) and `tiktoken`
(cl100k_base and o200k_base rank files) on generated Unicode text.

usage: tokenizer_diff.py CRAWLPROOF FIXTURES_TOKENIZERS [--cases N] [--seed S] [--out DIR]

Texts mix scripts (Latin with diacritics, Cyrillic, Greek, Arabic, Hebrew,
Devanagari, Thai, CJK, Hangul), digits in runs, every kind of Unicode
whitespace, punctuation, emoji with ZWJ sequences and skin tones, combining
marks, contractions ('s 'll), special-token look-alikes and lone surrogate-free
noise code points from every plane. Each text is encoded by all three pairs; the
first disagreement of each pair is written to DIR (default build/fuzz/diff) as
a JSON case with both id lists, and the exit status is 1 when any disagree.
Special tokens in the text are encoded as text on both sides.

Known difference, reported apart and not a failure: crawlproof's character
classes come from Python's Unicode database (scripts/gen-unicode-tables; 14.0
with Python 3.11, as the Python reference filters see text), while `tokenizers`
matches with the Rust regex crate's newer Unicode; a text holding a code point
unassigned in crawlproof's Unicode version (a letter added in Unicode 15 or 16)
may split differently (docs/security.md).
"""
import argparse, json, os, random, subprocess, sys, tempfile, unicodedata

PIECES = [
    "the", " quick", " brown", "fox", "I'm", "you'll", "we've", "it's", "DON'T", "naïve", "café", "Straße",
    "Ελληνικά", "русский", "العربية", "עברית", "हिन्दी", "ไทย", "中文字符", "日本語の", "한국어",
    "12345678", "3.14159", "1,000,000", "0x1F", "٣٤٥", "१२३",
    " ", "  ", "\t", "\n", "\r\n", "\n\n\n", "\u00a0", "\u2003", "\u3000", "\u200b", "\u2028", "\x0b", "\x0c",
    ".", ",", "!?", "...", "—", "–", "«»", "“”", "''", "```", "{}", "()", "<>", "#", "@", "$", "%", "&&", "||",
    "😀", "👩‍💻", "👍🏽", "🇩🇪", "❤️", "e\u0301", "a\u0308\u0323", "\u0301", "ﬁ", "Ⅻ", "½", "²",
    "<|endoftext|>", "<｜begin▁of▁sentence｜>", "<|fim_prefix|>", "<s>", "</s>",
]


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 24)):
        r = rng.random()
        if r < 0.7:
            parts.append(rng.choice(PIECES))
        elif r < 0.85:  # any scalar value from the BMP (surrogates excluded)
            c = rng.randint(0x20, 0xFFFD)
            parts.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "x")
        elif r < 0.95:  # the other planes
            parts.append(chr(rng.randint(0x10000, 0x10FFFF)))
        else:  # ASCII control characters
            parts.append(chr(rng.randint(0, 0x1F)))
    return "".join(parts)


def crawlproof_ids(binary, tokenizer, texts, tmp):
    docs = os.path.join(tmp, "docs.jsonl")
    with open(docs, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
    out = subprocess.run([binary, "tokenize", "--tokenizer", tokenizer, "--input", docs],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line)["ids"] for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("crawlproof")
    ap.add_argument("tokenizers")
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="build/fuzz/diff")
    a = ap.parse_args()
    from tokenizers import Tokenizer
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    rng = random.Random(a.seed)
    texts = [random_text(rng) for _ in range(a.cases)]
    refs = {}
    hf_path = os.path.join(a.tokenizers, "deepseek-v3", "tokenizer.json")
    hf = Tokenizer.from_file(hf_path)
    hf.encode_special_tokens = True
    refs["deepseek-v3 vs tokenizers"] = (hf_path, [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)])
    for name in ["cl100k_base", "o200k_base"]:
        path = os.path.join(a.tokenizers, "tiktoken", name + ".tiktoken")
        with open(path[:-len(".tiktoken")] + ".json") as f:
            meta = json.load(f)
        enc = tiktoken.Encoding(name, pat_str=meta["pat_str"], mergeable_ranks=load_tiktoken_bpe(path),
                                special_tokens=meta["special_tokens"])
        refs[name + " vs tiktoken"] = (path, enc.encode_ordinary_batch(texts))
    os.makedirs(a.out, exist_ok=True)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for pair, (path, want) in refs.items():
            got = crawlproof_ids(a.crawlproof, path, texts, tmp)
            differ = [i for i in range(len(texts)) if got[i] != want[i]]
            newer = [i for i in differ if any(unicodedata.category(c) == "Cn" for c in texts[i])]
            bad = [i for i in differ if i not in newer]
            chars = sum(len(t) for t in texts)
            print(f"{pair}: {len(texts)} texts, {chars} code points, {len(bad)} disagree"
                  f" (+{len(newer)} with code points unassigned in Unicode {unicodedata.unidata_version}: known)")
            if bad:
                failed = True
                case = {"pair": pair, "text": texts[bad[0]], "crawlproof": got[bad[0]], "reference": want[bad[0]]}
                name = os.path.join(a.out, pair.split()[0] + ".json")
                with open(name, "w", encoding="utf-8") as f:
                    json.dump(case, f, ensure_ascii=False)
                print(f"  first: {name}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
