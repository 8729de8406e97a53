"""Test driver of the generated-code fuzzers: many generated PyTorch models in one Python process.

Reads a JSON list of jobs from argv[1]; each job is {dir, inputs, weights, outputs}. For each:
imports dir/model.py, builds the model, loads `weights` (safetensors, the tfjs model's), runs
forward in eval mode on `inputs` and saves every output and loss to `outputs`. Prints one JSON
line per job: {"names": state_dict names} or {"error": the exception, with the failing line of
model.py}. An error in one job does not stop the others.
"""
import importlib.util
import json
import sys
import traceback

import torch


def run(job, index):
    sys.path.insert(0, job["dir"])
    try:
        spec = importlib.util.spec_from_file_location(f"fuzzed_model_{index}", f"{job['dir']}/model.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        import tfmc_runtime as rt

        tensors, _ = rt.load_safetensors(job["inputs"])
        inputs = {mod.FORWARD_ARGS[name]: (tensors[name].long() if dtype == "int64" else tensors[name].float()) for name, (dtype, _) in mod.INPUTS.items()}
        model = mod.build_model(seed=1)
        names = list(model.state_dict().keys())
        rt.load_weights(model, job["weights"])
        model.eval()
        with torch.no_grad():
            out = model(**inputs)
        rt.save_safetensors(dict(out), job["outputs"])
        return {"names": names}
    except Exception as e:  # reported, not raised: the other jobs still run
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.endswith("model.py")]
        where = f" (model.py:{frames[-1].lineno}: {frames[-1].line})" if frames else ""
        return {"error": f"{type(e).__name__}: {e}{where}"}
    finally:
        sys.path.remove(job["dir"])
        sys.modules.pop("tfmc_runtime", None)


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for i, job in enumerate(jobs):
        print(json.dumps(run(job, i)), flush=True)


if __name__ == "__main__":
    main()
