#!/usr/bin/env python3
"""Decision agreement between `crawlproof filter` and datatrove's FineWeb filters.

usage: filter_agreement.py CRAWLPROOF DOCS.jsonl [--lang en] [--differences OUT.jsonl]
                           [--reference OUT.jsonl] [--limit N]

For each filter datatrove can run offline (Gopher repetition, Gopher quality,
C4 quality with FineWeb's settings, FineWeb quality, PII), runs it alone on
every document of DOCS whose `lang` is --lang, and `crawlproof filter` with
only the same step, then compares keep/drop per document (and for C4 and PII
the text they keep). datatrove splits words with its tokenizer for the
language (spaCy's rules for en, de, fr, ...). Prints agreement per filter;
--differences writes each disagreement with both decisions; --reference
writes datatrove's decisions (id, filter, keep, reason) for the C++ test.
datatrove's language filter needs a fastText model download and is left out.
"""
import argparse, collections, gzip, json, os, subprocess, sys, tempfile, time

from datatrove.data import Document
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                        GopherRepetitionFilter)
from datatrove.pipeline.formatters import PIIFormatter


def fineweb2_steps(lang):
    """datatrove's filters as FineWeb-2's pipeline sets them for one language."""
    import tomllib
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, '..', 'data', 'fineweb2', 'recipe.toml'), 'rb') as f:
        c = tomllib.load(f)[lang]
    return {
        'gopher_repetition': lambda: GopherRepetitionFilter(
            language=c['source'], dup_para_frac=0, dup_line_char_frac=0, dup_para_char_frac=0,
            dup_line_frac=c['dup_line_frac'], top_n_grams=c['top_n_grams'], dup_n_grams=c['dup_n_grams']),
        'fineweb': lambda: FineWebQualityFilter(
            language=c['source'], short_line_thr=999, char_duplicates_ratio=0.1, line_punct_thr=c['line_punct_thr'],
            new_line_ratio=c['new_line_ratio']),
        'gopher_quality': lambda: GopherQualityFilter(
            language=c['source'], max_avg_word_length=c['max_avg_word_length'],
            min_avg_word_length=c['min_avg_word_length'], stop_words=c['stopwords'],
            max_non_alpha_words_ratio=c['max_non_alpha_words_ratio'], min_stop_words=2),
    }


RECIPE = 'fineweb'


def run_ours(binary, docs, step, tmp):
    inp = os.path.join(tmp, 'in.jsonl')
    with open(inp, 'w') as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + '\n')
    cfg = os.path.join(tmp, 'cfg.toml')
    with open(cfg, 'w') as f:
        f.write('[filter]\nsteps = ["%s"]\nrecipe = "%s"\n' % (step, RECIPE))
    out, drop = os.path.join(tmp, 'kept.jsonl'), os.path.join(tmp, 'dropped.jsonl')
    t0 = time.perf_counter()
    subprocess.run([binary, 'filter', '--input', inp, '--config', cfg, '--output', out, '--dropped', drop],
                   check=True, stderr=subprocess.DEVNULL)
    t = time.perf_counter() - t0
    res = {}
    for line in open(out):
        d = json.loads(line)
        res[d['id']] = (True, '', d['text'])
    for line in open(drop):
        d = json.loads(line)
        res[d['id']] = (False, d['reason'], None)
    return res, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('crawlproof')
    ap.add_argument('docs')
    ap.add_argument('--lang', default='en')
    ap.add_argument('--differences')
    ap.add_argument('--reference')
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--url-contains', action='append', default=[],
                    help='keep only documents whose URL contains one of these (repeatable)')
    ap.add_argument('--stride', type=int, default=1, help='take every k-th document')
    ap.add_argument('--recipe', default='fineweb', choices=['fineweb', 'fineweb-2'],
                    help="fineweb-2: the three steps with FineWeb-2's settings for --lang "
                         "(data/fineweb2/recipe.toml) on both sides")
    a = ap.parse_args()
    docs = [json.loads(l) for l in open(a.docs)]
    docs = [d for d in docs if d.get('lang') == a.lang]
    if a.url_contains:
        docs = [d for d in docs if any(u in d.get('url', '') for u in a.url_contains)]
    docs = docs[::a.stride]
    if a.limit:
        docs = docs[:a.limit]
    steps = {
        'gopher_repetition': lambda: GopherRepetitionFilter(language=a.lang),
        'gopher_quality': lambda: GopherQualityFilter(language=a.lang),
        'c4': lambda: C4QualityFilter(filter_no_terminal_punct=False, language=a.lang),
        'fineweb': lambda: FineWebQualityFilter(language=a.lang),
        'pii': lambda: PIIFormatter(),
    }
    global RECIPE
    RECIPE = a.recipe
    if a.recipe == 'fineweb-2':
        steps = fineweb2_steps(a.lang)
    diffs, reference = [], []
    print(f'{len(docs)} documents with lang={a.lang}')
    print(f'{"filter":18} {"agree":>7} {"of":>6} {"rate":>8} {"text equal":>11} {"datatrove s":>12} {"crawlproof s":>13} {"speed-up":>9}')
    total_ref = total_ours = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for step, make in steps.items():
            f = make()
            ref = {}
            t0 = time.perf_counter()
            for d in docs:
                doc = Document(text=d['text'], id=d['id'], metadata={'url': d.get('url', '')})
                if step == 'pii':
                    ref[d['id']] = (True, '', f.format(doc.text))
                    continue
                r = f.filter(doc)
                keep, reason = (r, '') if isinstance(r, bool) else (r[0], r[1])
                ref[d['id']] = (keep, reason, doc.text if keep else None)
            t_ref = time.perf_counter() - t0
            ours, t_ours = run_ours(a.crawlproof, docs, step, tmp)
            total_ref += t_ref
            total_ours += t_ours
            agree = text_equal = kept_both = 0
            for d in docs:
                r, o = ref[d['id']], ours.get(d['id'], (None, 'missing', None))
                reference.append({'id': d['id'], 'filter': step, 'keep': r[0], 'reason': r[1],
                                  'text_after': r[2] if step in ('c4', 'pii') and r[0] else None})
                if r[0] == o[0]:
                    agree += 1
                    if r[0]:
                        kept_both += 1
                        text_equal += r[2] == o[2]
                if r[0] != o[0] or (r[0] and r[2] != o[2] and step in ('c4', 'pii')):
                    diffs.append({'id': d['id'], 'url': d.get('url'), 'filter': step,
                                  'datatrove': {'keep': r[0], 'reason': r[1]},
                                  'crawlproof': {'keep': o[0], 'reason': o[1]},
                                  'text_differs': bool(r[0] and o[0] and r[2] != o[2])})
            rate = agree / len(docs) if docs else float('nan')
            teq = f'{text_equal}/{kept_both}' if step in ('c4', 'pii') else ''
            print(f'{step:18} {agree:7} {len(docs):6} {rate:8.4f} {teq:>11} {t_ref:12.2f} {t_ours:13.2f} '
                  f'{t_ref / t_ours:8.1f}x')
    print(f'{"sum of the five":18} {"":7} {"":6} {"":8} {"":>11} {total_ref:12.2f} {total_ours:13.2f} {total_ref / total_ours:8.1f}x')
    # The chain as a pipeline runs it: one pass, a document leaves at its first drop.
    chain = [make() for make in steps.values()]
    t0 = time.perf_counter()
    for d in docs:
        doc = Document(text=d['text'], id=d['id'], metadata={'url': d.get('url', '')})
        for f in chain:
            if isinstance(f, PIIFormatter):
                doc.text = f.format(doc.text)
                continue
            r = f.filter(doc)
            if not (r if isinstance(r, bool) else r[0]):
                break
    t_ref = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, 'in.jsonl')
        with open(inp, 'w') as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + '\n')
        cfg = os.path.join(tmp, 'cfg.toml')
        with open(cfg, 'w') as f:
            f.write('[filter]\nsteps = [%s]\nrecipe = "%s"\n' % (', '.join('"%s"' % k for k in steps), RECIPE))
        t0 = time.perf_counter()
        subprocess.run([a.crawlproof, 'filter', '--input', inp, '--config', cfg, '--output', os.path.join(tmp, 'k'),
                        '--dropped', os.path.join(tmp, 'd')], check=True, stderr=subprocess.DEVNULL)
        t_ours = time.perf_counter() - t0
    print(f'{"chain, one pass":18} {"":7} {"":6} {"":8} {"":>11} {t_ref:12.2f} {t_ours:13.2f} {t_ref / t_ours:8.1f}x')
    if a.differences:
        with open(a.differences, 'w') as f:
            for x in diffs:
                f.write(json.dumps(x, ensure_ascii=False) + '\n')
    if a.reference:
        # One line per document: its fields and datatrove's decision per filter.
        by_id = collections.defaultdict(dict)
        for x in reference:
            by_id[x['id']][x['filter']] = {'keep': x['keep'], 'reason': x['reason']}
        texts = {d['id']: d['text'] for d in docs}
        for x in reference:  # the text a filter kept, when it changed it
            if x['text_after'] is not None and x['text_after'] != texts[x['id']]:
                by_id[x['id']][x['filter']]['text_after'] = x['text_after']
        opener = gzip.open if a.reference.endswith('.gz') else open
        with opener(a.reference, 'wt', encoding='utf-8') as f:
            for d in docs:
                f.write(json.dumps({'id': d['id'], 'url': d.get('url', ''), 'lang': d.get('lang', ''),
                                    'lang_score': d.get('lang_score', 0), 'text': d['text'],
                                    'datatrove': by_id[d['id']]}, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    sys.exit(main())
