"""Class docstrings document the TF signature, in the form transformers' `utils/check_docstrings.py` reads.

A PyTorch class docstring documents the PyTorch `__init__`, sometimes loosely (`config: LlamaConfig`, which
check_docstrings cannot parse, and PyTorch's own copy of the class is on its ignore list). After the port the
TF class has its own signature (`config, *inputs, **kwargs` for a model class), so the argument section is
rebuilt from it: each argument in the signature keeps its entry (a loose `name: Type` becomes
``name ([`Type`]):``; `config` without an entry gets the standard one), entries for arguments the TF class does
not take are dropped, `*args`/`**kwargs` and private arguments are left out, as check_docstrings does.
An argument that is neither documented nor `config` stays undocumented: check_docstrings names it, and only the
porter can describe it.
"""

from __future__ import annotations

import re
import textwrap

import libcst as cst

from ..context import ConvertContext

HEADER = re.compile(r"^\s*(Args?|Arguments?|Attributes?|Params?|Parameters?):\s*$")  # check_docstrings' _re_args
WELL_FORMED = re.compile(r"^(\s*)(\S+)\s+\((.+)\)(?::|$)")  # check_docstrings' _re_parse_arg
LOOSE = re.compile(r"^(\s*)(\w+)\s*:\s*(.*)$")
CONFIG_DESCRIPTION = (
    "Model configuration class with all the parameters of the model. Initializing with a config file does not "
    "load the weights associated with the model, only the configuration: use [`~TFPreTrainedModel.from_pretrained`] "
    "to load them."
)


def _config_entry(indent: int, kind: str) -> list[str]:
    wrapped = textwrap.wrap(CONFIG_DESCRIPTION, width=119 - indent - 8)
    return [f"{' ' * (indent + 4)}config ([`{kind}`]):", *(" " * (indent + 8) + line for line in wrapped)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _signature(
    class_def: cst.ClassDef, by_name: dict[str, cst.ClassDef], seen: frozenset[str] = frozenset()
) -> list[cst.Param] | None:
    """The documented parameters of the class's `__init__` (its own, else an in-file base's)."""
    for statement in class_def.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            params = [*statement.params.posonly_params, *statement.params.params, *statement.params.kwonly_params]
            return [p for p in params if p.name.value != "self" and not p.name.value.startswith("_")]
    for base in class_def.bases:
        name = base.value.value if isinstance(base.value, cst.Name) else None
        if name in by_name and name not in seen:
            return _signature(by_name[name], by_name, seen | {class_def.name.value})
    return None


def _code(node: cst.CSTNode | None) -> str:
    return cst.Module(body=[]).code_for_node(node) if node is not None else ""


def rebuild_arguments(docstring: str, params: list[cst.Param], config_class: str | None) -> str:
    """The docstring (its literal source, quotes included) with its argument section matching `params`."""
    lines = docstring.split("\n")
    header = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    if header is None or lines[-1].strip() not in ('"""', "'''"):  # closing quotes on a text line: leave it
        return docstring
    indent = _indent(lines[header])
    end = header + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        if lines[end].strip().startswith(('"""', "'''")):
            break
        end += 1
    while end > header + 1 and not lines[end - 1].strip():
        end -= 1
    entries: dict[str, list[str]] = {}
    current = None
    for line in lines[header + 1 : end]:
        if line.strip() and _indent(line) == indent + 4:
            well_formed, loose = WELL_FORMED.match(line), LOOSE.match(line)
            if well_formed:
                current = well_formed.group(2)
                entries[current] = [line]
            elif loose:
                current = loose.group(2)
                kind = loose.group(3).strip().strip("`[]")
                entries[current] = [f"{' ' * (indent + 4)}{current} ([`{kind}`]):" if kind else line]
            else:
                current = None
        elif current is not None:
            entries[current].append(line)
    wanted = []
    for param in params:
        name = param.name.value
        if name in entries:
            entry = entries[name]
            if name == "config" and len(entry) == 1 and entry[0].endswith(":"):  # was `config: LlamaConfig`
                entry = [entry[0], *_config_entry(indent, "")[1:]]
            wanted += entry
        elif name == "config":
            kind = config_class or (_code(param.annotation.annotation) if param.annotation else "PretrainedConfig")
            wanted += _config_entry(indent, kind)
    if not wanted:  # nothing left to document: no section
        lines[header:end] = []
        while header < len(lines) and header > 0 and not lines[header - 1].strip() and not lines[header].strip():
            del lines[header]
        return "\n".join(lines)
    lines[header + 1 : end] = wanted
    return "\n".join(lines)


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    return rewrite(module, ctx.info.config_class)


def rewrite(module: cst.Module, config_class: str | None) -> cst.Module:
    by_name = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    body = []
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.body.body:
            first = statement.body.body[0]
            if (
                isinstance(first, cst.SimpleStatementLine)
                and isinstance(first.body[0], cst.Expr)
                and isinstance(first.body[0].value, cst.SimpleString)
            ):
                params = _signature(statement, by_name)
                string = first.body[0].value
                new = rebuild_arguments(string.value, params, config_class) if params is not None else None
                if new is not None and new != string.value:
                    first = first.with_changes(body=[first.body[0].with_changes(value=string.with_changes(value=new))])
                    statement = statement.with_changes(
                        body=statement.body.with_changes(body=[first, *statement.body.body[1:]])
                    )
        body.append(statement)
    return module.with_changes(body=body)
