"""torch's generic heads (`transformers.modeling_layers.GenericFor<Task>`), written out in the classes that mix
them in, so that the passes convert them like any head the file defines.

`class LlamaForSequenceClassification(GenericForSequenceClassification, LlamaPreTrainedModel): ...` becomes, before
the analysis, the same class over `LlamaPreTrainedModel` with the generic head's `__init__` and `forward` (what
the class defines itself wins), the base model created as `self.<base_model_prefix> = LlamaModel(config)` (what
`AutoModel.from_config(config)` builds for the file's config) and called as `self.<base_model_prefix>(...)`.
The embedding accessors are left out: TF models reach the embeddings through their MainLayer.

The heads are read from the `modeling_layers.py` of the transformers being ported (the checkout's own, given by
the caller as text), so they follow that version; without it such a head is left for the passes to mark TODO.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .names import ImportTable, dotted, names_in

GENERIC_MODULE = "transformers.modeling_layers"
BASE_MODEL_SETATTR = "setattr(self, self.base_model_prefix, AutoModel.from_config(config))"
BASE_MODEL_GETATTR = "getattr(self, self.base_model_prefix)"
LEFT_OUT = ("get_input_embeddings", "set_input_embeddings")  # TF models reach them through their MainLayer


@dataclass(frozen=True)
class GenericHeads:
    """The generic heads of one transformers version, read from its `modeling_layers.py`."""

    classes: dict  # name -> the class's source text, embedding accessors left out
    imported: dict  # name the heads use -> (module, None) for `import module`, (module, name) for a from-import
    uses_logger: bool = False

    @classmethod
    def parse(cls, layers_source: str | None) -> GenericHeads:
        """From the text of `transformers/modeling_layers.py`; no heads when there is none (or it does not parse,
        or a head no longer creates its base model the way this rewrite expects)."""
        try:
            module = cst.parse_module(layers_source or "")
        except cst.ParserSyntaxError:
            return cls({}, {}, False)
        classes = {}
        for statement in module.body:
            if isinstance(statement, cst.ClassDef) and statement.name.value.startswith("GenericFor"):
                body = [s for s in statement.body.body if not _assigned_names(s) & set(LEFT_OUT)]  # type: ignore[arg-type]
                text = module.code_for_node(statement.with_changes(body=statement.body.with_changes(body=body)))
                if BASE_MODEL_SETATTR in text:
                    classes[statement.name.value] = text
        used = set().union(*(names_in(cst.parse_module(t)) for t in classes.values())) if classes else set()
        if "logger" in used:  # modeling_layers' own `logger = logging.get_logger(__name__)`
            used.add("logging")
        imported = {}
        for statement in module.body:
            if not _is_import(statement):
                continue
            for small in statement.body:  # type: ignore[union-attr]
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        name = dotted(alias.asname.name if alias.asname else alias.name)
                        imported[name] = (dotted(alias.name), None)
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    origin = "." * len(small.relative) + (dotted(small.module) if small.module else "")  # type: ignore[operator]
                    origin = "transformers." + origin.lstrip(".") if small.relative else origin
                    for alias in small.names:
                        name = dotted(alias.asname.name if alias.asname else alias.name)
                        imported[name] = (origin.rstrip("."), dotted(alias.name))  # type: ignore[assignment]
        return cls(classes, {n: o for n, o in imported.items() if n in used and n != "AutoModel"}, "logger" in used)


def _generic_base(node: cst.BaseExpression, imports: ImportTable, heads: GenericHeads) -> str | None:
    qualified = imports.resolve(node) or ""
    module, _, name = qualified.rpartition(".")
    return name if module == GENERIC_MODULE and name in heads.classes else None


def _assigned_names(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {statement.name.value}
    names = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
                if isinstance(small, cst.AnnAssign)
                else []
            )
            names |= {t.value for t in targets if isinstance(t, cst.Name)}
    return names


def _is_ellipsis(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.Ellipsis)
    )


def _string_value(class_def: cst.ClassDef, name: str) -> str | None:
    for statement in class_def.body.body:
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
            small = statement.body[0]
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                if isinstance(small.value, cst.SimpleString):
                    return small.value.evaluated_value  # type: ignore[return-value]
    return None


def _written_out(class_def: cst.ClassDef, generic: str, base_model: str, heads: GenericHeads) -> cst.ClassDef:
    template = cst.parse_module(heads.classes[generic]).body[0]
    assert isinstance(template, cst.ClassDef)
    body = (
        class_def.body.body
        if isinstance(class_def.body, cst.IndentedBlock)
        else [cst.SimpleStatementLine(body=class_def.body.body)]  # type: ignore[arg-type]
    )
    own = [s for s in body if not _is_ellipsis(s)]
    defined = set().union(*(_assigned_names(s) for s in own)) if own else set()
    attr = _string_value(class_def, "base_model_prefix") or _string_value(template, "base_model_prefix")
    source = (
        heads.classes[generic]
        .replace(BASE_MODEL_SETATTR, f"self.{attr} = {base_model}(config)")
        .replace(BASE_MODEL_GETATTR, f"self.{attr}")
    )
    template = cst.parse_module(source).body[0]
    members = [s for s in template.body.body if not (_assigned_names(s) & defined)]  # type: ignore[arg-type, union-attr]
    bases = [
        arg
        for arg in class_def.bases
        if dotted(arg.value) != generic and not dotted(arg.value or "").endswith(generic)  # type: ignore[arg-type, union-attr]
    ]
    bases = [b.with_changes(comma=cst.MaybeSentinel.DEFAULT) for b in bases]
    return class_def.with_changes(bases=bases, body=cst.IndentedBlock(body=[*own, *members]))  # type: ignore[list-item]


def _missing_imports(module: cst.Module, imports: ImportTable, heads: GenericHeads) -> list[cst.SimpleStatementLine]:
    bound = set(imports.origins)
    for statement in module.body:
        bound |= _assigned_names(statement)
    lines = []
    for name, (origin, imported) in sorted(heads.imported.items()):
        if name in bound:
            continue
        if imported is None:
            lines.append(cst.parse_statement(f"import {origin}" + (f" as {name}" if name != origin else "")))
        else:
            where = imports.relative(origin) if origin.startswith("transformers.") else origin
            alias = f" as {name}" if imported != name else ""
            lines.append(cst.parse_statement(f"from {where} import {imported}{alias}"))
    if "logger" not in bound and heads.uses_logger:
        lines.append(cst.parse_statement("logger = logging.get_logger(__name__)"))
    return lines  # type: ignore[return-value]


def write_out(module: cst.Module, base_model: str | None, heads: GenericHeads) -> cst.Module:
    """Every class mixing in a generic head, written out (see the module docstring); the module unchanged when
    none does, when the file has no base model to hold, or when the generic heads' source is not at hand."""
    if base_model is None or not heads.classes:
        return module
    imports = ImportTable(module)
    body, changed = [], False
    for statement in module.body:
        if isinstance(statement, cst.ClassDef):
            generic = next((g for g in (_generic_base(a.value, imports, heads) for a in statement.bases) if g), None)
            if generic is not None:
                statement = _written_out(statement, generic, base_model, heads)
                changed = True
        body.append(statement)
    if not changed:
        return module
    position = max((i + 1 for i, s in enumerate(body) if _is_import(s)), default=0)
    body[position:position] = _missing_imports(module, imports, heads)
    return module.with_changes(body=body)


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )
