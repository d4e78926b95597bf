"""Scorer processes for crawlproof's out-of-process classifiers.

A ``[filter.classifier.<name>]`` section with ``command = [...]`` starts one
scorer per task and speaks the "crawlproof-scorer/1" protocol with it over its
standard input and output (docs/classify.md): JSON lines, a hello, then
batches of documents answered with one score (or error) per document.

``crawlproof.scorers.protocol.serve`` runs that loop around any scoring
function; ``python -m crawlproof.scorers.hf`` serves a Hugging Face
sequence-classification model.
"""
