"""transformers' TFModelTesterMixin on generated and hand-written TF ports, side by side, and greedy generate
against PyTorch.

    python benchmarks/mixin.py [model ...]            the mixin's 24 non-slow tests on each model's hand-written
                                                      port (where transformers has one) and on the port
                                                      `scaffold port <m> --force` generates; then generate
    python benchmarks/mixin.py --slow [model ...]     the mixin's 4 @slow tests too (RUN_SLOW=1); --slow-only:
                                                      those alone
    python benchmarks/mixin.py --mixin-only [--generated-only] [model ...]
                                                      the mixin's 24 alone (no PyTorch comparisons, no generate
                                                      probe), on both ports or the generated one only
    python benchmarks/mixin.py --as-is [model ...]    the generated test file, whole and unedited, on a 4.57
                                                      checkout (no mixin: scaffold's own common tests) and on
                                                      a 4.46 one (the mixin, and 4.46's transformers)

Default models: the dev set with hand-written ports (bert gpt2 mistral distilbert roberta) and PyTorch-only
models (llama qwen2 phi gpt_neox biogpt ernie megatron_bert).

The mixin runs in a scratch copy of a 4.57 checkout (--checkout, default /work/checkouts/t457) into which
tests/test_modeling_tf_common.py of the transformers 4.52.4 sdist (the last release that ships it) is copied,
with a `require_tf` / `require_tf2onnx` shim appended to that copy's testing_utils.py (4.57 removed both).
Both ports run the same test file: the one `scaffold port` writes, rendered for each port's own classes (every
TF class with a PyTorch twin), so a test means the same thing on both. The mixin imports `datasets`: run with
a Python that has it (--python). Figures: CONTRIBUTING.md. Results: benchmarks/results/mixin*.json.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEV = ["bert", "gpt2", "mistral", "distilbert", "roberta"]
NEW = ["llama", "qwen2", "phi", "gpt_neox", "biogpt", "ernie", "megatron_bert"]
MIXIN = Path("/work/checkouts/x/transformers-4.52.4/tests/test_modeling_tf_common.py")
T457 = Path("/work/checkouts/t457")
T446 = Path("/work/checkouts/t446")
RESULTS = REPO / "benchmarks/results"
EXTRAS = ("test_pt_tf_equivalence", "test_pt_tf_loss_equivalence", "test_pt_tf_greedy_generate")
SHIM = '''

# --- added by scaffold's benchmarks/mixin.py, in a scratch copy only: 4.57 removed these two ---
def require_tf(test_case):
    """Decorator marking a test that requires TensorFlow."""
    return unittest.skipUnless(is_tf_available(), "test requires TensorFlow")(test_case)


def require_tf2onnx(test_case):
    from .utils import is_tf2onnx_available

    return unittest.skipUnless(is_tf2onnx_available(), "test requires tf2onnx")(test_case)
'''


def mixin_tests(text: str) -> tuple[list[str], list[str]]:
    """The mixin's tests: (not @slow and not unconditionally skipped, @slow)."""
    tree = ast.parse(text)
    mixin = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TFModelTesterMixin")
    fast, slow = [], []
    for item in mixin.body:
        if isinstance(item, ast.FunctionDef) and item.name.startswith("test_"):
            marks = {ast.unparse(d).split("(")[0] for d in item.decorator_list}
            if "unittest.skip" in marks:
                continue
            (slow if "slow" in marks else fast).append(item.name)
    return fast, slow


def scratch(base: Path, folder: Path, with_mixin: bool) -> Path:
    root = folder / base.name
    shutil.copytree(base, root, ignore=shutil.ignore_patterns(".git", "__pycache__"), symlinks=True)
    if with_mixin:
        shutil.copy(MIXIN, root / "tests/test_modeling_tf_common.py")
        utils = root / "src/transformers/testing_utils.py"
        if "def require_tf(" not in utils.read_text():
            utils.write_text(utils.read_text() + SHIM)
    return root


def scaffold_port(root: Path, model: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scaffold.cli", "port", model, "--repo", str(root), "--force"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"scaffold port {model}: {done.stderr.strip()[-400:]}")
    return done.stderr


def hand_written_classes(root: Path, model: str) -> list[str] | None:
    """The public TF classes of transformers' own port that have a PyTorch twin; None without a port."""
    model_dir = root / "src/transformers/models" / model
    tf_file = model_dir / f"modeling_tf_{model}.py"
    if not tf_file.is_file():
        return None

    def public(path: Path) -> list[str]:
        """`__all__`, or (4.46 files have none) the module's top-level classes."""
        body = ast.parse(path.read_text()).body
        for node in body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                return [ast.literal_eval(e) for e in node.value.elts]
        return [node.name for node in body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")]

    pt = set(public(model_dir / f"modeling_{model}.py"))
    return [c for c in public(tf_file) if c[2:] in pt and not c.endswith(("PreTrainedModel", "MainLayer"))]


def write_hand_written_test(root: Path, model: str, classes: list[str]) -> None:
    """The test file `scaffold port` would write, rendered for the hand-written port's classes."""
    from scaffold.checkout import Checkout
    from scaffold.convert import convert_source
    from scaffold.port import checkout_test_support, tf_test_file

    checkout = Checkout.open(root, model)
    source = (checkout.model_dir / f"modeling_{model}.py").read_text()
    summary = convert_source(source, model, format_code=False).summary
    tf_source = (checkout.model_dir / f"modeling_tf_{model}.py").read_text()
    text = tf_test_file(checkout, summary, source, classes, checkout_test_support(checkout), tf_source=tf_source)
    (checkout.tests_dir / f"test_modeling_tf_{model}.py").write_text(text)


def run_tests(root: Path, model: str, python: str, select: list[str] | None = None, slow: bool = False) -> dict:
    """pytest on the model's TF test file; {test name: {"status": passed|failed|skipped, "message": ...}}."""
    test_file = f"tests/models/{model}/test_modeling_tf_{model}.py"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        command = ["nice", "-n", "5", python, "-m", "pytest", test_file, "-p", "no:cacheprovider", "-q"]
        command += [f"--junitxml={report}", "-o", "junit_logging=no"]
        if select:
            command += ["-k", " or ".join(select)]
        env = {
            **os.environ,
            "PYTHONPATH": str(root / "src"),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RUN_SLOW": "1" if slow else "0",
        }
        start = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env, timeout=3600)
        seconds = time.perf_counter() - start
        if not report.is_file():
            return {"_error": {"status": "error", "message": (done.stdout + done.stderr)[-1500:]}, "_seconds": seconds}
        results: dict = {"_seconds": seconds}
        for case in ET.parse(report).getroot().iter("testcase"):
            name = case.get("name")
            status, message = "passed", ""
            for tag in ("failure", "error", "skipped"):
                element = case.find(tag)
                if element is not None:
                    status = "skipped" if tag == "skipped" else "failed"
                    message = "\n".join(x for x in (element.get("message"), element.text) if x).strip()
                    break
            previous = results.get(name)
            if previous and previous["status"] == "failed":  # a subtest failed: the test failed
                continue
            results[name] = {"status": status, "message": message[:4000]}
        return results


PROBE = r"""
import importlib, json, sys, tempfile
import numpy as np, torch, tensorflow as tf, transformers
model, out = sys.argv[1], sys.argv[2]
module = importlib.import_module(f"tests.models.{model}.test_modeling_tf_{model}")
tester_class = next(v for k, v in vars(module).items() if k.startswith("TF") and k.endswith("ModelTester"))
test_class = next(v for k, v in vars(module).items() if k.startswith("TF") and k.endswith("ModelTest"))
result = {}
for tf_class in test_class.all_generative_model_classes:
    row = result.setdefault(tf_class.__name__, {})
    try:
        config, inputs = tester_class(None).prepare_config_and_inputs()
        config.eos_token_id = None
        if not config.is_encoder_decoder:
            config.is_decoder = True
        torch.manual_seed(0)
        pt_model = getattr(transformers, tf_class.__name__[2:])(config).eval()
        with tempfile.TemporaryDirectory() as folder:
            pt_model.save_pretrained(folder, safe_serialization=False)
            tf_model = tf_class.from_pretrained(folder, from_pt=True)
        prompt = np.random.default_rng(0).integers(0, config.vocab_size, inputs["input_ids"].shape)
        if config.pad_token_id is not None:
            prompt[prompt == config.pad_token_id] = (config.pad_token_id + 1) % config.vocab_size
        prompt = tf.constant(prompt, dtype=tf.int32)
        kwargs = {"max_new_tokens": 12, "do_sample": False}
        with torch.no_grad():
            expected = pt_model.generate(torch.tensor(prompt.numpy()).long(), **kwargs).numpy()
        row["new_tokens"] = int(expected.shape[1] - prompt.shape[1])
        for mode in ("eager", "xla"):
            try:
                run = tf_model.generate if mode == "eager" else tf.function(tf_model.generate, jit_compile=True)
                got = run(prompt, **kwargs).numpy()
                row[mode] = bool(got.shape == expected.shape and (got == expected).all())
                if not row[mode]:
                    row[mode + "_note"] = f"shape {got.shape} vs {expected.shape}" if got.shape != expected.shape else (
                        f"first difference at new token {int(np.argmax((got != expected).any(0))) - prompt.shape[1]}")
            except Exception as error:
                row[mode] = None
                row[mode + "_note"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        # one cached step against the full forward
        full = tf_model(tf.concat([prompt, prompt[:, :1]], axis=1), training=False).logits[:, -1]
        first = tf_model(prompt, use_cache=True, training=False)
        past = getattr(first, "past_key_values", None)
        if past is None:
            row["cache"] = "no past_key_values returned"
        else:
            step = tf_model(prompt[:, :1], past_key_values=past, use_cache=True, training=False).logits[:, -1]
            row["cached_vs_full"] = float(np.max(np.abs(step.numpy() - full.numpy())))
    except Exception as error:
        row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"
json.dump(result, open(out, "w"))
"""


def probe_generate(root: Path, model: str, python: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.json"
        env = {**os.environ, "PYTHONPATH": f"{root / 'src'}{os.pathsep}{root}", "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(
            ["nice", "-n", "5", python, "-c", PROBE, model, str(out)],
            cwd=root,
            capture_output=True,
            text=True,
            env=env,
        )
        if not out.is_file():
            return {"_error": (done.stderr or done.stdout)[-800:]}
        return json.loads(out.read_text())


def mark(entry: dict | None) -> str:
    if entry is None:
        return "·"
    return {"passed": "✓", "failed": "✗", "skipped": "s"}.get(entry["status"], "E")


def table(results: dict, tests: list[str], title: str) -> str:
    columns = [(m, p) for m in results for p in ("hand", "generated") if results[m].get(p)]
    lines = [f"\n{title}", "| test | " + " | ".join(f"{m} {p[0]}" for m, p in columns) + " |"]
    lines.append("|---|" + "---|" * len(columns))
    for test in tests:
        lines.append(f"| {test} | " + " | ".join(mark(results[m][p].get(test)) for m, p in columns) + " |")
    lines.append(
        "| **passed** | "
        + " | ".join(str(sum(results[m][p].get(t, {}).get("status") == "passed" for t in tests)) for m, p in columns)
        + " |"
    )
    return "\n".join(lines)


def cause(message: str) -> str:
    """The error a failure comes down to: its first `E ` line naming an exception (with the message Keras wraps
    in "Exception encountered when calling layer"), numbers and paths folded."""
    lines = [line[1:].strip() for line in message.splitlines() if line.startswith("E ")] or message.splitlines()
    named = [i for i, line in enumerate(lines) if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)]
    text = lines[named[0]] if named else (lines[0] if lines else "")
    if named and "Exception encountered when calling layer" in text:
        layer = re.search(r"\(type (\w+)\)", text)
        detail = next((x for x in lines[named[0] + 1 :] if x and not x.startswith(("Call arguments", "•", "+"))), "")
        text = f"{text.split(':')[0]} in {layer.group(1) if layer else 'a layer'}: {detail}"
    elif named and text.rstrip(":") == "AssertionError":  # numpy's message follows on the next lines
        text += " " + " / ".join(x for x in lines[named[0] + 1 :][:4] if x and "not equal" not in x)[:150]
    text = re.sub(r"/\S+/", "", text)
    text = re.sub(
        r"\bTF[A-Z]\w*?(?=For[A-Z]|LMHeadModel|Model\b|MainLayer|Layer\b|Embeddings|Attention)", "TF<X>", text
    )
    text = re.sub(r"\b0x[0-9a-f]+\b", "0x…", text)
    return re.sub(r"\b\d+(\.\d+)?(e-?\d+)?\b", "N", text)[:200]


def causes_table(results: dict, tests: list[str], port: str = "generated") -> str:
    """Failures of one kind of port grouped by what they come down to: the converter's work queue."""
    groups: dict[str, list[str]] = {}
    for model, ports in results.items():
        for test in tests:
            entry = ports.get(port, {}).get(test)
            if entry and entry["status"] == "failed":
                groups.setdefault(cause(entry["message"]), []).append(f"{model}:{test}")
    lines = [f"\nFailures of {port} ports by cause ({sum(map(len, groups.values()))} model-tests)"]
    for text, where in sorted(groups.items(), key=lambda item: -len(item[1])):
        lines.append(f"- {len(where):3}  {text}\n        {', '.join(where)}")
    return "\n".join(lines)


def check_python(python: str, need_datasets: bool) -> None:
    modules = "tensorflow, torch, transformers" + (", datasets" if need_datasets else "")
    done = subprocess.run([python, "-c", f"import {modules}"], capture_output=True, text=True)
    if done.returncode != 0:
        missing = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "import failed"
        sys.exit(
            f"mixin.py: {python} cannot import {modules} ({missing}); the mixin imports `datasets`: "
            "pip install datasets, or pass --python of an environment that has it"
        )


def mixin_mode(args, models: list[str]) -> dict:
    fast, slow = mixin_tests(MIXIN.read_text())
    print(f"mixin (4.52.4): {len(fast)} non-slow tests, {len(slow)} @slow: {', '.join(slow)}", file=sys.stderr)
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="mixin-bench-") as tmp:
        hand_root = scratch(args.checkout, Path(tmp) / "hand", with_mixin=True)
        gen_root = scratch(args.checkout, Path(tmp) / "generated", with_mixin=True)
        for model in models:
            row = results.setdefault(model, {})
            classes = hand_written_classes(hand_root, model)
            ports = []
            if classes and not args.generated_only:
                write_hand_written_test(hand_root, model, classes)
                ports.append(("hand", hand_root))
            scaffold_port(gen_root, model)
            ports.append(("generated", gen_root))
            for port, root in ports:
                if args.slow_only:
                    outcome = run_tests(root, model, args.python, select=slow, slow=True)
                    row[port] = {f"{k} (slow)": v for k, v in outcome.items() if k in slow or k.startswith("_")}
                    passed = sum(v.get("status") == "passed" for k, v in row[port].items() if not k.startswith("_"))
                    print(f"{model:14} {port:9} slow {passed}/{len(slow)}", file=sys.stderr)
                    continue
                outcome = run_tests(root, model, args.python, select=fast if args.mixin_only else None)
                if args.slow:
                    slow_outcome = run_tests(root, model, args.python, select=slow, slow=True)
                    outcome.update({f"{k} (slow)": v for k, v in slow_outcome.items() if k in slow})
                if not args.mixin_only:
                    outcome["_generate"] = probe_generate(root, model, args.python)
                row[port] = outcome
                passed = sum(outcome.get(t, {}).get("status") == "passed" for t in fast)
                print(f"{model:14} {port:9} {passed:2}/{len(fast)}  ({outcome['_seconds']:.0f} s)", file=sys.stderr)
    if args.slow_only:
        print(table(results, [f"{t} (slow)" for t in slow], "Mixin, @slow tests (RUN_SLOW=1)"))
        return {"fast_tests": fast, "slow_tests": slow, "results": results}
    print(
        table(
            results,
            fast,
            f"Mixin, {len(fast)} non-slow tests (✓ pass, ✗ fail, s skipped; h hand-written, g generated)",
        )
    )
    print(table(results, list(EXTRAS) + ["test_keras_fit_lowers_loss"], "scaffold's tests against PyTorch"))
    if args.slow:
        print(table(results, [f"{t} (slow)" for t in slow], "Mixin, @slow tests (RUN_SLOW=1)"))
    print(generate_table(results))
    everything = fast + list(EXTRAS) + ["test_keras_fit_lowers_loss"]
    print(causes_table(results, everything, "generated"))
    print(causes_table(results, everything, "hand"))
    return {"fast_tests": fast, "slow_tests": slow, "results": results}


def generate_cell(row: dict, mode: str) -> str:
    note = row.get(mode + "_note")
    return {True: "yes", False: "no", None: "error"}[row.get(mode)] + (f" ({note[:60]})" if note else "")


def generate_table(results: dict) -> str:
    lines = [
        "\nGreedy generate vs PyTorch (12 new tokens) and one cached step vs the full forward",
        "| model | port | class | eager tokens equal | XLA tokens equal | cached vs full (max abs diff) |",
        "|---|---|---|---|---|---|",
    ]
    for model, ports in results.items():
        for port, outcome in ports.items():
            for name, row in outcome.get("_generate", {}).items():
                if name == "_error":
                    lines.append(f"| {model} | {port} | probe failed: {row.splitlines()[-1][:80]} | | | |")
                    continue
                if "error" in row:
                    lines.append(f"| {model} | {port} | {name} | {row['error'][:80]} | | |")
                    continue
                cache = f"{row['cached_vs_full']:.1e}" if "cached_vs_full" in row else row.get("cache", "")
                eager, xla = (generate_cell(row, mode) for mode in ("eager", "xla"))
                lines.append(f"| {model} | {port} | {name} | {eager} | {xla} | {cache} |")
    return "\n".join(lines)


def as_is_mode(args, models: list[str]) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="mixin-asis-") as tmp:
        eras = {"4.57": (args.checkout, args.python), "4.46": (args.t446, args.python_446 or args.python)}
        for era in args.eras.split(","):
            base, python = eras[era]
            for model in models:  # one checkout per model: a broken port must not break the next one's imports
                root = scratch(base, Path(tmp) / f"{era.replace('.', '')}-{model}", with_mixin=False)
                scaffold_port(root, model)
                outcome = run_tests(root, model, python)
                results.setdefault(model, {})[era] = outcome
                tests = [k for k in outcome if not k.startswith("_")]
                counts = {s: sum(outcome[t]["status"] == s for t in tests) for s in ("passed", "failed", "skipped")}
                print(f"{model:14} {era}: {counts}  ({outcome['_seconds']:.0f} s)", file=sys.stderr)
                if "_error" in outcome:
                    print(outcome["_error"]["message"][-600:], file=sys.stderr)
    for model, eras in results.items():
        for era, outcome in eras.items():
            tests = sorted(k for k in outcome if not k.startswith("_"))
            failed = [t for t in tests if outcome[t]["status"] == "failed"]
            passed = sum(outcome[t]["status"] == "passed" for t in tests)
            print(
                f"{model} on {era}: {passed} passed, {len(failed)} failed, {len(tests) - passed - len(failed)} skipped"
            )
            for test in failed:
                print(
                    f"    ✗ {test}: {outcome[test]['message'].splitlines()[0][:150] if outcome[test]['message'] else ''}"
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*")
    parser.add_argument("--slow", action="store_true", help="also the mixin's @slow tests, with RUN_SLOW=1")
    parser.add_argument("--slow-only", action="store_true", help="only the mixin's @slow tests (RUN_SLOW=1)")
    parser.add_argument("--as-is", action="store_true", help="the generated file unedited on 4.57 and 4.46")
    parser.add_argument(
        "--mixin-only", action="store_true", help="only the mixin's non-slow tests (no PyTorch comparisons or probe)"
    )
    parser.add_argument("--generated-only", action="store_true", help="only the generated ports")
    parser.add_argument("--checkout", type=Path, default=T457, help="a 4.57-era checkout (copied, never modified)")
    parser.add_argument("--t446", type=Path, default=T446, help="a 4.46-era checkout (copied, never modified)")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs the tests")
    parser.add_argument(
        "--python-446", help="the Python for the 4.46 checkout (its transformers wants tokenizers<0.21)"
    )
    parser.add_argument("--eras", default="4.57,4.46", help="with --as-is: which checkouts (4.57, 4.46)")
    parser.add_argument("--json", type=Path, help="where to write the results (default benchmarks/results/)")
    args = parser.parse_args()
    models = args.models or DEV + NEW
    check_python(args.python, need_datasets=True)  # both mixins (4.52.4, 4.46) import datasets
    start = time.perf_counter()
    data = as_is_mode(args, models) if args.as_is else mixin_mode(args, models)
    name = "mixin-as-is.json" if args.as_is else "mixin-slow.json" if args.slow_only else "mixin.json"
    out = args.json or RESULTS / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"models": models, "seconds": time.perf_counter() - start, **({"results": data} if args.as_is else data)},
            indent=1,
        )
    )
    print(f"\nwritten {out} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
