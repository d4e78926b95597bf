import sys

sys.exit("use: python -m crawlproof.scorers.hf --model DIR (docs/classify.md)")
