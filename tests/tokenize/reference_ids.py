#!/usr/bin/env python3
"""Token ids from the reference implementations, for tokenizer_test.

usage: reference_ids.py hf|tiktoken TOKENIZER DOCS.jsonl[.gz] OUT.jsonl

hf: Hugging Face `tokenizers` (Rust) loads a tokenizer.json; special tokens in
the text are encoded as text (encode_special_tokens) and none are added.
tiktoken: a .tiktoken rank file with <stem>.json beside it ({"pat_str",
"special_tokens"}), encode_ordinary. Writes one JSON list of ids per document
(the "text" of each input line), in order.
"""
import gzip, json, sys


def main():
    kind, path, docs, out = sys.argv[1:5]
    opener = gzip.open if docs.endswith('.gz') else open
    with opener(docs, 'rt', encoding='utf-8') as f:
        texts = [json.loads(line)['text'] for line in f if line.strip()]
    if kind == 'hf':
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(path)
        tok.encode_special_tokens = True
        ids = [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
    else:
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe
        with open(path[:-len('.tiktoken')] + '.json') as f:
            meta = json.load(f)
        enc = tiktoken.Encoding(meta.get('name', 'x'), pat_str=meta['pat_str'],
                                mergeable_ranks=load_tiktoken_bpe(path), special_tokens=meta['special_tokens'])
        ids = enc.encode_ordinary_batch(texts)
    with open(out, 'w') as f:
        for i in ids:
            f.write(json.dumps(i) + '\n')


if __name__ == '__main__':
    main()
