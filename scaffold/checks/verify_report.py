"""Render `verify`'s report (plain data from the worker) as the table a contributor reads, and decide the verdict.

Pure: no framework imports, so it is tested on hand-made reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .generate import (
    generation_problems,
    generation_summary,
)  # generation checks (plain data; the module imports no framework)
from .losses import judge_losses, loss_cell
from .trace import beyond  # the one tolerance rule, for outputs as for modules (trace imports no framework)


@dataclass
class ClassVerdict:
    name: str
    passed: bool
    problems: list[str]  # one line each, most important first
    notes: list[str] = field(default_factory=list)  # worth knowing, not failures


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1e}"


def beyond_atol(output: dict, atol: float) -> bool:
    return beyond(output["max_abs_diff"], output.get("scale", 0.0), atol)


def _names(label: str, keys: list[str], seen: dict, prefix: str | None, owner: str) -> list[str]:
    """Every name, once: a class whose list equals an earlier class's (its base-model prefix aside) says so."""
    if not keys:
        return []
    key = (label, tuple(sorted(_unprefixed(keys, prefix))))
    if key in seen:
        return [f"{label}: the same {len(keys)} as {seen[key]}"]
    seen[key] = owner
    return [f"{label}: {name}" for name in keys]


def _unprefixed(keys: list[str], prefix: str | None) -> list[str]:
    """Head classes name base-model weights `bert.encoder...`; the base model `encoder...`: compare them alike."""
    if not prefix:
        return list(keys)
    return [k[len(prefix) + 1 :] if k.startswith(prefix + ".") else k for k in keys]


def judge(row: dict, atol: float, seen: dict | None = None) -> ClassVerdict:
    """The verdict on one class. `seen` collects the weight lists already shown, to say "the same as"."""
    seen = {} if seen is None else seen
    problems: list[str] = []
    if row.get("error"):
        problems.append(f"failed at {row.get('stage', '?')}: {row['error']}")
    for label, keys in (
        ("TF weight got no PyTorch value", row.get("missing", [])),
        ("PyTorch weight found no TF home", row.get("unexpected", [])),
    ):
        problems += _names(label, keys, seen, row.get("base_model_prefix"), row["name"])
    for key, pt_shape, tf_shape in row.get("mismatched", []):
        problems.append(f"shape mismatch: {key} PyTorch {tuple(pt_shape)} vs TF {tuple(tf_shape)}")
    beyond = []
    for output in row.get("outputs", []):
        if output["max_abs_diff"] is None:
            problems.append(f"output {output['name']}: {output['note']}")
        elif beyond_atol(output, atol):
            scale = output.get("scale", 0.0)
            shown = f" (values up to {scale:.1e})" if scale > 1 else ""
            beyond.append(f"{output['name']} {_fmt(output['max_abs_diff'])}{shown}")
    if beyond:
        problems.append(f"outputs beyond {atol:g}: {', '.join(beyond)}")
    if row.get("generate"):
        problems += generation_problems(row["generate"], atol)
    notes = []
    divergence = row.get("first_divergence")
    if divergence:
        where = f"{divergence['module']} ({divergence['pt_class']})"
        if problems:  # it locates what went wrong
            problems.append(f"first divergence at {where}: max abs diff {_fmt(divergence['max_abs_diff'])}")
        else:  # every weight loaded and every output matches: the TF layer ends where the module does not
            notes.append(
                f"{where} differs ({_fmt(divergence['max_abs_diff'])}) while every output matches: "
                "the TF layer and the PyTorch module end at different points"
            )
    loss_problems, loss_notes = judge_losses(row.get("losses", []), atol)
    return ClassVerdict(row["name"], not problems and not loss_problems, problems + loss_problems, notes + loss_notes)


def render(report: dict) -> tuple[str, int]:
    """(text, exit status): 0 every class passes, 1 any problem."""
    atol = report.get("atol", 1e-5)
    lines = [
        f"scaffold verify {report.get('model')}: transformers from {report.get('transformers', '?')}, "
        f"atol {atol:g} (relative where values exceed 1)"
    ]
    if report.get("error"):
        lines.append(f"error: {report['error']}")
        return "\n".join(lines) + "\n", 1
    header = ("class", "weights loaded", "outputs", "max abs diff", "modules", "first divergence", "loss")
    table = [header]
    verdicts = []
    seen: dict = {}
    for row in report.get("classes", []):
        verdict = judge(row, atol, seen)
        verdicts.append(verdict)
        total = row.get("tf_weights")
        loaded = None if total is None else total - len(row.get("missing", [])) - len(row.get("mismatched", []))
        outputs = row.get("outputs", [])
        diffs = [o["max_abs_diff"] for o in outputs if o["max_abs_diff"] is not None]
        good = sum(1 for o in outputs if o["max_abs_diff"] is not None and not beyond_atol(o, atol))
        divergence = row.get("first_divergence")
        table.append(
            (
                ("✓ " if verdict.passed else "✗ ") + row["name"],
                "-" if total is None else f"{loaded}/{total}",
                f"{good}/{len(outputs)}" if outputs else "-",
                _fmt(max(diffs)) if diffs else "-",
                f"{row['modules_compared']}/{row['modules_pt']}" if "modules_compared" in row else "-",
                divergence["module"]
                if divergence and not verdict.passed
                else ("-" if not row.get("error") else f"({row['stage']} failed)"),
                loss_cell(row.get("losses"), atol),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    for verdict in verdicts:
        if not verdict.passed:
            lines.append(f"{verdict.name}:")
            lines += [f"  {p}" for p in verdict.problems]
    for row, verdict in zip(report.get("classes", []), verdicts):
        notes = list(verdict.notes)
        if row.get("tied"):
            notes.append(f"{len(row['tied'])} PyTorch key(s) alias a tied weight that loaded ({row['tied'][0]}, ...)")
        if row.get("computed"):
            notes.append(
                f"{len(row['computed'])} TF weight(s) PyTorch never saves, computed at init ({row['computed'][0]})"
            )
        if row.get("ignored"):
            notes.append(f"{len(row['ignored'])} BatchNorm step counter(s) have no TF twin")
        summary = generation_summary(row["generate"], atol) if row.get("generate") else None
        if summary:
            notes.append(summary)
        if row.get("cannot_generate"):
            notes.append(row["cannot_generate"])
        if notes:
            lines.append(f"note: {row['name']}: {'; '.join(notes)}")
    if report.get("skipped"):
        lines.append(f"not checked (no PyTorch twin): {', '.join(report['skipped'])}")
    failed = [v.name for v in verdicts if not v.passed]
    if not verdicts:
        lines.append("FAIL: no TF model class with a PyTorch twin was checked")
        return "\n".join(lines) + "\n", 1
    if failed:
        lines.append(f"FAIL: {len(failed)} of {len(verdicts)} classes")
        return "\n".join(lines) + "\n", 1
    lines.append(
        f"PASS: {len(verdicts)} classes, every weight loaded, every output within {atol:g} (relative above 1)"
    )
    return "\n".join(lines) + "\n", 0
