"""A PyTorch IterableDataset over crawlproof shards (torch is not a
dependency of crawlproof; this module needs it)."""
from __future__ import annotations

import torch
from torch.utils.data import IterableDataset, get_worker_info


class ShardsDataset(IterableDataset):
    """Yields {"input_ids": LongTensor, "doc_id": str} per document; with
    several DataLoader workers each takes every k-th document."""

    def __init__(self, shards):
        self.shards = shards

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        for i in range(start, len(self.shards), step):
            d = self.shards[i]
            yield {"input_ids": torch.from_numpy(d.ids.astype("int64")), "doc_id": d.doc_id}
