#!/usr/bin/env python3
"""Loads a prompts file of a run with the trainers' own code and checks the
rows come through with their ground truth:

  verl   RLHFDataset (its default parquet loader: chat template applied with
         the tokenizer, overlong prompts filtered), then verl's built-in
         reward (default_compute_score, chosen by data_source) scores a
         response with the right \\boxed{} answer 1 and a wrong one 0;
  TRL    the parquet file through datasets, TRL's is_conversational and
         maybe_apply_chat_template, then GRPOTrainer itself (a tiny random
         model on the CPU, one step): the reward function receives every
         row's ground truth from the reward_model column.

    trainer_loaders.py PROMPTS.parquet TOKENIZER_DIR

Exit 0 when every check holds; prints what it checked. Needs torch,
transformers, datasets, trl and verl (tests/prompts: run where they
install; build/venv-trainers here).
"""
import json
import os
import sys
import tempfile


def check_verl(parquet, tok_dir):
    from omegaconf import OmegaConf
    from transformers import AutoTokenizer
    from verl.utils.dataset.rl_dataset import RLHFDataset
    from verl.utils.reward_score import default_compute_score

    tok = AutoTokenizer.from_pretrained(tok_dir)
    config = OmegaConf.create({"prompt_key": "prompt", "max_prompt_length": 1024, "filter_overlong_prompts": True,
                               "truncation": "error", "return_raw_chat": True, "filter_overlong_prompts_workers": 1})
    ds = RLHFDataset(data_files=[parquet], tokenizer=tok, config=config)
    n = len(ds)
    assert n > 0, "verl: no rows"
    right = wrong = 0
    for i in range(n):
        row = ds[i]
        truth = row["reward_model"]["ground_truth"]
        assert truth, f"verl row {i}: no ground truth"
        assert row["extra_info"]["prompt_id"].startswith("p"), row["extra_info"]
        source = row["data_source"]
        right += default_compute_score(source, f"So the answer is $\\boxed{{{truth}}}$.", truth) == 1.0
        wrong += default_compute_score(source, "So the answer is $\\boxed{-987654}$.", truth) == 0.0
    print(f"verl {__import__('verl').__version__}: RLHFDataset read {n} rows; default_compute_score gave 1 to "
          f"{right} right and 0 to {wrong} wrong answers")
    assert right == n and wrong == n, (right, wrong, n)
    return n


def check_trl(parquet, tok_dir):
    import torch
    from datasets import load_dataset
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from trl import GRPOConfig, GRPOTrainer
    from trl.data_utils import is_conversational, maybe_apply_chat_template

    tok = AutoTokenizer.from_pretrained(tok_dir)
    ds = load_dataset("parquet", data_files=parquet)["train"]
    assert all(is_conversational(ex) for ex in ds), "TRL: rows not conversational"
    text = maybe_apply_chat_template(ds[0], tok)["prompt"]
    assert ds[0]["prompt"][-1]["content"][:40] in text
    truths = {ex["extra_info"]["prompt_id"]: ex["reward_model"]["ground_truth"] for ex in ds}
    seen = {}

    def reward(prompts, completions, reward_model, extra_info, **kwargs):
        for rm, info in zip(reward_model, extra_info):
            seen[info["prompt_id"]] = rm["ground_truth"]
        return [0.0 for _ in prompts]

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32,
                                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                                         max_position_embeddings=2048))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    small = ds.select(range(min(4, len(ds))))
    with tempfile.TemporaryDirectory() as out:
        args = GRPOConfig(output_dir=out, per_device_train_batch_size=2, num_generations=2, max_completion_length=4,
                          max_steps=1, logging_steps=1, report_to=[], use_cpu=True, save_strategy="no",
                          generation_batch_size=4)
        trainer = GRPOTrainer(model=model, reward_funcs=reward, args=args, train_dataset=small,
                              processing_class=tok)
        trainer.train()
    assert seen, "TRL: the reward function was never called"
    for pid, truth in seen.items():
        assert truths[pid] == truth, (pid, truth, truths[pid])
    print(f"trl {__import__('trl').__version__}: {len(ds)} rows conversational; GRPOTrainer ran a step, the "
          f"reward function got the ground truth of {len(seen)} prompts")


def main():
    parquet, tok_dir = sys.argv[1], sys.argv[2]
    check_verl(parquet, tok_dir)
    check_trl(parquet, tok_dir)
    print("ok")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
