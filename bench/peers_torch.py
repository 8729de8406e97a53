"""PyTorch eager for `npm run bench:peers` (the counterpart of peers-worker.js), two engines:
`torch`, the module `tfmc compile --target pytorch` generated (no key/value cache: each new token
runs the whole sequence), and `torch-kv`, GPT-2 with a key/value cache (bench/peers_gpt2_kv.py),
both with the safetensors file's weights."""
import json
import os
import sys
import time

job = json.loads(sys.argv[1])
import torch  # noqa: E402

torch.set_num_threads(job["threads"])
sys.path.insert(0, job["dir"] + "/pytorch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def batch_ids(batch, seq, vocab):
    s, rows = 12345, []
    for _ in range(batch):
        row = []
        for _ in range(seq):
            s = (s * 48271) % 2147483647
            row.append(s % vocab)
        rows.append(row)
    return rows


if job["engine"] == "torch-kv":
    import peers_gpt2_kv as kv  # noqa: E402

    m = kv.load(job["dir"])

    def logits_of(ids):
        return m(torch.tensor(ids, dtype=torch.int64))[0]

    def generate(prompt, tokens):
        return kv.greedy(m, prompt, tokens)

else:
    import model as generated  # noqa: E402
    import tfmc_runtime as rt  # noqa: E402

    m = generated.build_model()
    rt.load_weights(m, job["dir"] + "/model.safetensors")
    m.eval()

    def logits_of(ids):
        return m(torch.tensor(ids, dtype=torch.int64))["logits"]

    def generate(prompt, tokens):
        seq, fresh = list(prompt), []
        for _ in range(tokens):
            tok = int(logits_of([seq])[0, -1].argmax())
            seq.append(tok)
            fresh.append(tok)
        return fresh


with torch.no_grad():
    int(logits_of([job["prompt"]])[0, -1].argmax())
    print("first-token", flush=True)
    ids = batch_ids(job["batch"], job["seq"], job["vocab"])
    logits_of(ids)
    times = []
    for _ in range(job["reps"]):
        t = time.perf_counter()
        logits = logits_of(ids)
        times.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    fresh = generate(job["prompt"], job["tokens"])
    gen_ms = (time.perf_counter() - t) * 1000
    sample = logits[:, -1, : job["sample"]].tolist()
print(json.dumps({"forwardMs": min(times), "generateMs": gen_ms, "tokens": fresh, "sample": sample, "cache": job["engine"] == "torch-kv"}), flush=True)
