"""Baseline for `uptake bench report-model`: the same report model (BERT + linear head, mention
probability = mean of its tokens' sigmoid) run by Hugging Face transformers on PyTorch (the CPU,
or the device named by $BENCH_TORCH_DEVICE, e.g. cuda), on the same mention file, same batching
(32 windows sorted by length, padded).

    python bench_torch.py MODEL_DIR MENTIONS.jsonl [REPEATS]

Needs torch, transformers, safetensors in a scratch venv (see docs/report-model.md).
"""
import json
import os
import sys
import time

import torch
from safetensors.torch import load_file
from transformers import BertModel, BertTokenizerFast


def main():
    model_dir, mentions, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_grad_enabled(False)
    device = torch.device(os.environ.get("BENCH_TORCH_DEVICE", "cpu"))
    bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval().to(device)
    weights = load_file(f"{model_dir}/model.safetensors")
    head = torch.nn.Linear(bert.config.hidden_size, 1)
    if "classifier.weight" in weights:
        head.weight.copy_(weights["classifier.weight"])
        head.bias.copy_(weights["classifier.bias"])
    head = head.to(device)
    tok = BertTokenizerFast.from_pretrained(model_dir)
    sentences = [json.loads(l) for l in open(mentions) if l.strip()]
    n_mentions = sum(len(s["mentions"]) for s in sentences)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        enc = [tok(s["text"], return_offsets_mapping=True, truncation=True, max_length=512) for s in sentences]
        order = sorted(range(len(enc)), key=lambda i: len(enc[i]["input_ids"]))
        probs = [None] * len(enc)
        for b in range(0, len(order), 32):
            idx = order[b : b + 32]
            batch = tok.pad([{"input_ids": enc[i]["input_ids"]} for i in idx], return_tensors="pt")
            ids, mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
            h = bert(input_ids=ids, attention_mask=mask).last_hidden_state
            p = torch.sigmoid(head(h)).squeeze(-1).cpu()
            for r, i in enumerate(idx):
                probs[i] = p[r]
        scores = []
        for s, e, p in zip(sentences, enc, probs):
            # Character offsets: the fast tokenizer's offsets are character offsets for str input.
            for m in s["mentions"]:
                toks = [t for t, (a, z) in enumerate(e["offset_mapping"]) if z > a and a < m["end"] and z > m["start"]]
                scores.append(float(p[toks].mean()) if toks else float("nan"))
        best = min(best, time.perf_counter() - t0)
    print(
        f"HF transformers {__import__('transformers').__version__} / torch {torch.__version__} "
        f"({device}, {torch.get_num_threads()} threads): {len(sentences)} sentences, {n_mentions} mentions in {best:.2f} s: "
        f"{len(sentences) / best:.1f} sentences/s, {n_mentions / best:.1f} mentions/s"
    )


if __name__ == "__main__":
    main()
