"""No registered task depends on another task's file: editing one task never changes another.

What tasks share lives in the family modules (``manyworld.tasks.families``) and
the shared task modules; the checks read the registry and the import
statements of the source files, so they hold for tasks added later too.
"""

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest

import manyworld.tasks.families
from manyworld.tasks import base
from manyworld.tasks.base import get_task, task_names


def _registered() -> dict[str, type]:
    return {name: get_task(name) for name in task_names()}


def _registering_modules() -> set[str]:
    return {cls.__module__ for cls in _registered().values()}


def _module_level_imports(module_name: str) -> set[str]:
    """The manyworld modules that ``module_name`` names in its module-level imports.

    Imports inside functions are lazy (the registry's own import of the
    built-in tasks is one) and do not run when the module is imported.
    Parent packages are left out: ``import manyworld`` registers every task
    for gymnasium, so any module would otherwise reach all of them.
    """
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return set()
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    package = module_name if spec.submodule_search_locations else module_name.rpartition(".")[0]
    statements = list(tree.body)
    found = set()
    while statements:
        node = statements.pop()
        if isinstance(node, (ast.If, ast.Try)):
            statements += node.body + node.orelse + getattr(node, "finalbody", [])
            statements += [s for h in getattr(node, "handlers", []) for s in h.body]
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{parent}.{node.module}" if node.module else parent
            else:
                source = node.module
            if not source.startswith("manyworld"):
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if _is_module(candidate) else source)
    return {m for m in found if m.startswith("manyworld.")}


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module (``from package import module``), not a name in one."""
    parent = importlib.util.find_spec(name.rpartition(".")[0])
    return bool(parent and parent.submodule_search_locations) and importlib.util.find_spec(name) is not None


def _reachable(start: str) -> dict[str, list[str]]:
    """Every manyworld module ``start`` imports, directly or through others, with the path to it."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        current = queue.pop()
        for name in sorted(_module_level_imports(current)):
            if name not in paths:
                paths[name] = paths[current] + [name]
                queue.append(name)
    return paths


def test_no_task_module_imports_a_module_that_registers_a_task():
    registering = _registering_modules()
    assert len(registering) == len(_registered()), "one task per file"
    problems = []
    for module in sorted(registering):
        for other, path in _reachable(module).items():
            if other != module and other in registering:
                problems.append(" -> ".join(path))
    assert not problems, "task modules importing other task modules:\n" + "\n".join(problems)


def test_no_registered_task_derives_from_another():
    registered = set(_registered().values())
    problems = [
        f"{cls.name} ({cls.__name__}) derives from {parent.__name__} ({parent.name})"
        for cls in registered
        for parent in inspect.getmro(cls)[1:]
        if parent in registered
    ]
    assert not problems, "\n".join(problems)


def test_family_modules_register_nothing():
    families = [
        f"{manyworld.tasks.families.__name__}.{m.name}"
        for m in pkgutil.iter_modules(manyworld.tasks.families.__path__)
    ]
    assert len(families) >= 10
    for name in families:
        importlib.import_module(name)
    assert not set(families) & _registering_modules()
    for name in families:
        module = sys.modules[name]
        tasks = [v for v in vars(module).values()
                 if inspect.isclass(v) and issubclass(v, base.Task) and v.__module__ == name]
        assert all(not getattr(cls, "name", None) for cls in tasks), f"{name} defines a named task"
        assert not (_reachable(name).keys() & _registering_modules()), f"{name} imports a task module"


def test_the_registry_loads_the_builtin_tasks_on_first_lookup():
    # the package itself registers nothing: only its `builtin` module names the task modules
    imported = _module_level_imports("manyworld.tasks")
    assert not imported & _registering_modules()
    assert set(_module_level_imports("manyworld.tasks.builtin")) == _registering_modules()


@pytest.mark.parametrize("module", ["manyworld.tasks.obs", "manyworld._version"])
def test_small_modules_import_no_task(module):
    # the observation layout and the version, for agents and evaluation code
    reachable = _reachable(module)
    assert not reachable.keys() & _registering_modules()
    assert not reachable.keys() - {module} - {"manyworld.tasks.obs"}, reachable
