"""Test driver: runs generated PyTorch models in one Python process (torch imports once).

Reads a JSON list of jobs from argv[1]; for each job {dir, weights?, inputs, outputs, seed?,
seeded_weights?, seeded_outputs?, generate?, grads?, train?}:
- imports dir/model.py, builds the model, reports its parameter count and state_dict names;
- with `weights`: loads them (safetensors), runs forward in eval mode on `inputs`, writes every
  output and loss to `outputs` (safetensors);
- with `seeded_weights`: builds the model with tfmc's initialisers (seed), saves those weights,
  and its outputs on the same inputs to `seeded_outputs`;
- with `grads`: the gradient of the sum of the losses (eval mode: no dropout) with the loaded
  weights, by parameter name, written to `grads` (safetensors);
- with `train_forward`: then one forward in train mode (batch statistics; dropout would be on) and
  the backward of the sum of the losses, written to `train_forward` as `output:<name>`,
  `grad:<parameter>` and, after the forward updated them, `buffer:<name>` (running statistics);
- with `train` (a list of arguments): runs the job's train.py in this process (one process, no
  torchrun) before anything else; a SystemExit (the script's user errors) is reported as
  `train_error`;
- with `generate` {prompt, steps, input, output}: greedy decoding with the loaded weights, one
  full forward pass per new token (no cache), reported as `generated`.
Prints one JSON report per job on stdout.
"""
import contextlib
import importlib.util
import json
import sys

import torch


def run(job, index):
    sys.path.insert(0, job["dir"])
    spec = importlib.util.spec_from_file_location(f"generated_model_{index}", f"{job['dir']}/model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import tfmc_runtime as rt

    tensors, _ = rt.load_safetensors(job["inputs"])
    inputs = {mod.FORWARD_ARGS[name]: (tensors[name].long() if dtype == "int64" else tensors[name].float()) for name, (dtype, _) in mod.INPUTS.items()}
    report = {"dir": job["dir"]}
    report_error = None

    def forward_to(model, path):
        model.eval()
        with torch.no_grad():
            out = model(**inputs)
        rt.save_safetensors({k: v.reshape(v.shape) for k, v in out.items()}, path)
        return sorted(out)

    if job.get("train"):
        spec_t = importlib.util.spec_from_file_location(f"generated_train_{index}", f"{job['dir']}/train.py")
        train = importlib.util.module_from_spec(spec_t)
        spec_t.loader.exec_module(train)
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the reports
            try:
                train.main(job["train"])
            except SystemExit as e:  # a user error: its message, as the script prints it
                report_error = str(e.code)

    report["train_error"] = report_error
    model = mod.Model()
    report["params"] = sum(p.numel() for p in model.parameters())
    report["names"] = list(model.state_dict().keys())
    report["declared"] = mod.PARAMETERS
    if job.get("weights"):
        rt.load_weights(model, job["weights"])
        report["outputs"] = forward_to(model, job["outputs"])
        if job.get("grads"):
            model.eval()
            model.zero_grad()
            out = model(**inputs)
            sum(out[name] for name in mod.LOSSES).backward()
            rt.save_safetensors({n: p.grad if p.grad is not None else torch.zeros_like(p) for n, p in model.named_parameters()}, job["grads"])
        if job.get("train_forward"):
            model.train()
            model.zero_grad()
            out = model(**inputs)
            sum(out[name] for name in mod.LOSSES).backward()
            saved = {f"output:{k}": v for k, v in out.items()}
            saved.update({f"grad:{n}": p.grad if p.grad is not None else torch.zeros_like(p) for n, p in model.named_parameters()})
            saved.update({f"buffer:{n}": b for n, b in model.named_buffers()})
            rt.save_safetensors(saved, job["train_forward"])
        if job.get("generate"):
            g = job["generate"]
            ids = torch.tensor([g["prompt"]], dtype=torch.long)
            with torch.no_grad():
                for _ in range(g["steps"]):
                    logits = model(**{mod.FORWARD_ARGS[g["input"]]: ids})[g["output"]]
                    ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], 1)
            report["generated"] = ids[0, len(g["prompt"]):].tolist()
    if job.get("seeded_weights"):
        seeded = mod.build_model(seed=job.get("seed", 0))
        rt.save_safetensors(seeded.state_dict(), job["seeded_weights"])
        forward_to(seeded, job["seeded_outputs"])
    sys.path.remove(job["dir"])
    return report


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for i, job in enumerate(jobs):
        print(json.dumps(run(job, i)), flush=True)


if __name__ == "__main__":
    main()
