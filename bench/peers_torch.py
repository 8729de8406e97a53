"""PyTorch eager for `npm run bench:peers` (the counterpart of peers-worker.js):
the module `tfmc compile --target pytorch` generated, with the safetensors file's weights."""
import json
import sys
import time

job = json.loads(sys.argv[1])
import torch  # noqa: E402

torch.set_num_threads(job["threads"])
sys.path.insert(0, job["dir"] + "/pytorch")
import model as generated  # noqa: E402
import tfmc_runtime as rt  # noqa: E402

m = generated.build_model()
rt.load_weights(m, job["dir"] + "/model.safetensors")
m.eval()


def batch_ids(batch, seq, vocab):
    s, rows = 12345, []
    for _ in range(batch):
        row = []
        for _ in range(seq):
            s = (s * 48271) % 2147483647
            row.append(s % vocab)
        rows.append(row)
    return rows


def logits_of(ids):
    return m(torch.tensor(ids, dtype=torch.int64))["logits"]


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
    # The generated module has no key/value cache: each new token runs the whole sequence.
    t = time.perf_counter()
    seq, fresh = list(job["prompt"]), []
    for _ in range(job["tokens"]):
        tok = int(logits_of([seq])[0, -1].argmax())
        seq.append(tok)
        fresh.append(tok)
    gen_ms = (time.perf_counter() - t) * 1000
    sample = logits[:, -1, : job["sample"]].tolist()
print(json.dumps({"forwardMs": min(times), "generateMs": gen_ms, "tokens": fresh, "sample": sample, "cache": False}), flush=True)
