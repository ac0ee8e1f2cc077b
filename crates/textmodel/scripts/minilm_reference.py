"""Reference hidden states of all-MiniLM-L6-v2 for one fixed sentence, computed with an
independent numpy implementation of BERT (HF BertModel semantics: post-LN layers, erf GELU).

Run once (needs numpy, safetensors, tokenizers in a scratch venv); writes the small JSON fixture
that crates/textmodel/tests/minilm_reference.rs compares against:

    python minilm_reference.py $UPTAKE_CACHE/models/all-MiniLM-L6-v2 ../tests/fixtures/minilm_reference.json
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

SENTENCE = "Intense FDG uptake in a left supraclavicular lymph node (SUVmax 8.2), consistent with metastasis."
POSITIONS = [0, 1, 5, 9, -1]  # token positions kept in the fixture (all 384 values each)


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def bert(w, cfg, ids, type_ids, mask):
    eps = cfg["layer_norm_eps"]
    h_dim = cfg["hidden_size"]
    n_heads = cfg["num_attention_heads"]
    d = h_dim // n_heads
    p = lambda n: w[n].astype(np.float64)
    seq = len(ids)
    x = p("embeddings.word_embeddings.weight")[ids]
    x = x + p("embeddings.position_embeddings.weight")[np.arange(seq)]
    x = x + p("embeddings.token_type_embeddings.weight")[type_ids]
    x = layer_norm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), eps)
    bias = (1.0 - np.asarray(mask, dtype=np.float64)) * -1e9
    for i in range(cfg["num_hidden_layers"]):
        pre = f"encoder.layer.{i}."
        lin = lambda v, n: v @ p(pre + n + ".weight").T + p(pre + n + ".bias")
        q = lin(x, "attention.self.query").reshape(seq, n_heads, d).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(seq, n_heads, d).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(seq, n_heads, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias[None, None, :]
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(seq, h_dim)
        a = lin(ctx, "attention.output.dense")
        x = layer_norm(a + x, p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"), eps)
        f = gelu(lin(x, "intermediate.dense"))
        o = lin(f, "output.dense")
        x = layer_norm(o + x, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"), eps)
    return x


def main():
    model_dir, out = sys.argv[1], sys.argv[2]
    cfg = json.load(open(f"{model_dir}/config.json"))
    w = load_file(f"{model_dir}/model.safetensors")
    w = {k[5:] if k.startswith("bert.") else k: v for k, v in w.items()}
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.no_padding()  # the shipped tokenizer.json pads to 128; we want the bare sentence
    tok.no_truncation()
    enc = tok.encode(SENTENCE)
    ids = enc.ids
    hidden = bert(w, cfg, ids, [0] * len(ids), [1] * len(ids))
    # Sanity check against what the model is for (sentence similarity): mean-pooled,
    # normalised embeddings of a paraphrase must be far closer than an unrelated sentence.
    def embed(text):
        e = tok.encode(text)
        h = bert(w, cfg, e.ids, [0] * len(e.ids), [1] * len(e.ids)).mean(0)
        return h / np.linalg.norm(h)
    a = embed("The liver shows intense FDG uptake.")
    b = embed("There is strong FDG avidity in the liver.")
    c = embed("The weather was sunny and warm yesterday.")
    print("cos(paraphrase) =", float(a @ b), " cos(unrelated) =", float(a @ c), file=sys.stderr)
    positions = [p % len(ids) for p in POSITIONS]
    fixture = {
        "sentence": SENTENCE,
        "input_ids": ids,
        "positions": positions,
        "hidden": [[round(float(v), 7) for v in hidden[p]] for p in positions],
        "paraphrase_cosine": float(a @ b),
        "unrelated_cosine": float(a @ c),
    }
    with open(out, "w") as f:
        json.dump(fixture, f)
        f.write("\n")


if __name__ == "__main__":
    main()
