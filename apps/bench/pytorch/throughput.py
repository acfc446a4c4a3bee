#!/usr/bin/env python3
"""PyTorch peer of `pnpm bench`: training and inference throughput of the same networks.

Reads one JSON job on stdin (written by apps/bench: layer lists exported from the zoo's tf.js models,
batch sizes, thread count, step policy) and writes one JSON report on stdout; progress goes to stderr.
The training step mirrors the zoo's: forward, softmax cross-entropy on logits, backward, plain SGD
update, with data already in memory, timed with one wall clock per step.

Run it by hand to check the peer alone:
    /usr/bin/python3 apps/bench/pytorch/throughput.py --self-test
"""
import json
import math
import os
import statistics
import sys
import time

# The job is read before torch is imported: an optimised BLAS (OpenBLAS, MKL) sizes its own thread
# pool from the environment when it loads, and torch.set_num_threads does not reach it in a build
# against a generic BLAS (Debian's), so without this the one-thread peer could run its matrix
# products on every core.
JOB = None
if __name__ == "__main__" and not {"--probe", "--self-test"} & set(sys.argv[1:]):
    JOB = json.load(sys.stdin)
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[name] = str(JOB["threads"])

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Pad(nn.Module):
    def __init__(self, pad, value=0.0):
        super().__init__()
        self.pad = tuple(pad)
        self.value = value

    def forward(self, x):
        return F.pad(x, self.pad, value=self.value)


def build(spec):
    """nn.Sequential from the layer list apps/bench/src/torch-spec.ts exports (NCHW)."""
    layers = []
    for layer in spec["layers"]:
        kind = layer["kind"]
        pad = layer.get("pad", [0, 0, 0, 0])
        symmetric = pad[0] == pad[1] and pad[2] == pad[3]
        if kind == "conv":
            if symmetric:
                padding = (pad[2], pad[0])
            else:
                layers.append(Pad(pad))
                padding = 0
            layers.append(nn.Conv2d(layer["inChannels"], layer["outChannels"], layer["kernel"],
                                    stride=layer["stride"], padding=padding, groups=layer["groups"]))
        elif kind == "act":
            layers.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[layer["fn"]]())
        elif kind == "pool":
            mode = layer["mode"]
            if symmetric and pad[0] * 2 <= layer["kernel"]:
                padding = (pad[2], pad[0])
            else:
                # TF's same pooling ignores padded cells; -inf does that for max, and the average's
                # divisor differs slightly, which changes values but not work.
                layers.append(Pad(pad, -math.inf if mode == "max" else 0.0))
                padding = 0
            if mode == "max":
                layers.append(nn.MaxPool2d(layer["kernel"], layer["stride"], padding=padding))
            else:
                layers.append(nn.AvgPool2d(layer["kernel"], layer["stride"], padding=padding, count_include_pad=False))
        elif kind == "pad":
            layers.append(Pad(pad))
        elif kind == "lrn":
            # PyTorch divides alpha by the window size n; TF does not.
            n = 2 * layer["depthRadius"] + 1
            layers.append(nn.LocalResponseNorm(n, alpha=layer["alpha"] * n, beta=layer["beta"], k=layer["bias"]))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        elif kind == "dense":
            layers.append(nn.Linear(layer["inFeatures"], layer["outFeatures"]))
        elif kind == "dropout":
            layers.append(nn.Dropout(layer["rate"]))
        else:
            raise ValueError(f"unknown layer kind {kind!r} in {spec['name']}")
    return nn.Sequential(*layers)


def want_another_step(times, policy):
    """The zoo side's rule (apps/bench/src/stats.ts wantAnotherStep), so both get the same work."""
    if len(times) < policy["minSteps"]:
        return True
    if len(times) >= policy["maxSteps"]:
        return False
    return sum(times) < policy["budgetMs"]


def want_another_warmup_step(done, elapsed_ms, policy):
    """The zoo side's rule (stats.ts wantAnotherWarmupStep): `warmup` steps and `warmupMs` of time."""
    return done < policy["warmup"] or elapsed_ms < policy.get("warmupMs", 0)


def measure(task, spec, lr):
    batch = task["batch"]
    policy = task["policy"]
    model = build(spec)
    x = torch.rand(batch, spec["inChannels"], spec["inputSize"], spec["inputSize"])
    y = torch.randint(0, spec["numClasses"], (batch,))
    if task["mode"] == "train":
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.item()  # the fence, as the zoo side reads its loss once per step
    else:
        model.eval()

        def step():
            with torch.no_grad():
                return float(model(x)[0, 0])

    warmup = 0
    warmup_start = time.perf_counter()
    while want_another_warmup_step(warmup, (time.perf_counter() - warmup_start) * 1000, policy):
        step()
        warmup += 1
    times, cpu = [], []
    while want_another_step(times, policy):
        c = time.process_time()
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return warmup, times, cpu


def blas_library():
    """The BLAS torch's matrix products (nn.Linear) run on: Debian links the reference BLAS by
    default (libblas3, a few GFLOP/s on one thread), unless an optimised one (OpenBLAS, BLIS) is the
    libblas.so.3 alternative or on LD_LIBRARY_PATH. Convolutions use oneDNN either way."""
    torch.rand(4, 4) @ torch.rand(4, 4)
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    return sorted(paths)[0] if paths else "unknown"


def run(job):
    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    results, failures = [], []
    for task in job["tasks"]:
        spec = job["models"][task["model"]]
        label = f"pytorch {task['model']} {task['mode']} batch {task['batch']} ({job['threads']} threads)"
        print(f"  {label} ...", file=sys.stderr, flush=True)
        try:
            warmup, times, cpu = measure(task, spec, job.get("learningRate", 0.01))
        except Exception as err:  # one failed workload must not lose the others
            failures.append({"model": task["model"], "mode": task["mode"], "error": f"{type(err).__name__}: {err}"})
            continue
        med = statistics.median(times)
        print(f"  {label}: {med:.1f} ms/step, {task['batch'] * 1000 / med:.1f} images/s", file=sys.stderr, flush=True)
        results.append({"model": task["model"], "mode": task["mode"], "batch": task["batch"],
                        "warmupSteps": warmup, "timesMs": times, "cpuMs": cpu})
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library(),
            "results": results, "failures": failures}


SELF_TEST = {
    "threads": 1,
    "models": {"tiny": {"name": "tiny", "inputSize": 8, "inChannels": 1, "numClasses": 3, "layers": [
        {"kind": "conv", "name": "c", "inChannels": 1, "outChannels": 2, "kernel": 3, "stride": 2, "pad": [0, 1, 0, 1], "groups": 1},
        {"kind": "act", "name": "r", "fn": "relu"},
        {"kind": "pool", "name": "p", "mode": "max", "kernel": 2, "stride": 2, "pad": [0, 0, 0, 0]},
        {"kind": "flatten", "name": "f"},
        {"kind": "dense", "name": "d", "inFeatures": 8, "outFeatures": 3},
    ]}},
    "tasks": [{"model": "tiny", "mode": m, "batch": 4,
               "policy": {"warmup": 1, "budgetMs": 0, "minSteps": 2, "maxSteps": 2}} for m in ("train", "infer")],
}


def main():
    if "--probe" in sys.argv:
        print(json.dumps({"torch": torch.__version__, "blas": blas_library()}))
        return
    job = SELF_TEST if "--self-test" in sys.argv else JOB
    report = run(job)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
