"""uv.lock agrees with pyproject.toml, is hash-checked and installs on this machine.

The first check is the one `uv sync --locked` makes (the root package's recorded
requirements against pyproject's), done here without uv or the network so a stale lock
fails the suite with the command that fixes it. The last one keeps the Makefile and the
Dockerfile installing from the lock with the same uv.
"""

import re
import sys
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
FIX = "uv.lock is stale: run `make lock` and commit uv.lock"

Key = tuple[str, frozenset[str], str, str]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))


def _root(lock: dict) -> dict:
    name = canonicalize_name(_pyproject()["project"]["name"])
    (root,) = [p for p in lock["package"] if p["name"] == name]
    return root


def declared(project: dict) -> set[Key]:
    """pyproject's requirements, normalised as uv records them (name, extras, specifier, marker)."""
    wanted: list[tuple[str, str | None]] = [(d, None) for d in project.get("dependencies", [])]
    for extra, deps in project.get("optional-dependencies", {}).items():
        wanted += [(d, extra) for d in deps]
    keys: set[Key] = set()
    for text, extra in wanted:
        req = Requirement(text)
        markers = [f"({req.marker})"] if req.marker else []
        if extra is not None:
            markers.append(f"extra == '{extra}'")
        marker = str(Marker(" and ".join(markers))) if markers else ""
        keys.add((canonicalize_name(req.name), frozenset(req.extras), str(req.specifier), marker))
    return keys


def locked(root: dict) -> set[Key]:
    keys: set[Key] = set()
    for dep in root["metadata"]["requires-dist"]:
        marker = str(Marker(dep["marker"])) if dep.get("marker") else ""
        spec = str(SpecifierSet(dep.get("specifier", "")))
        keys.add((canonicalize_name(dep["name"]), frozenset(dep.get("extras", [])), spec, marker))
    return keys


def test_the_lock_records_exactly_pyprojects_requirements() -> None:
    want, have = declared(_pyproject()["project"]), locked(_root(_lock()))
    assert not want - have, f"{FIX}; in pyproject.toml, not in uv.lock: {sorted(want - have)}"
    assert not have - want, f"{FIX}; in uv.lock, no longer in pyproject.toml: {sorted(have - want)}"


def test_the_lock_resolves_each_direct_dependency_within_its_floor() -> None:
    lock = _lock()
    versions: dict[str, list[Version]] = {}
    for package in lock["package"]:
        versions.setdefault(package["name"], []).append(Version(package["version"]))
    for name, _extras, spec, _marker in declared(_pyproject()["project"]):
        assert name in versions, f"{FIX}; {name} has no locked version"
        for version in versions[name]:
            assert version in SpecifierSet(spec), f"{FIX}; {name} {version} is not {spec}"
    assert lock["requires-python"] == _pyproject()["project"]["requires-python"], FIX


def _applies_here(package: dict) -> bool:
    """A package of a resolution fork (other Python versions) does not install here."""
    forks = package.get("resolution-markers")
    return not forks or any(Marker(m).evaluate() for m in forks)


def test_every_locked_artifact_is_hash_checked_and_this_machine_can_install_it() -> None:
    here = set(sys_tags())
    for package in filter(_applies_here, _lock()["package"]):
        if "editable" in package["source"] or "virtual" in package["source"]:
            continue  # the project itself
        wheels = package.get("wheels", [])
        sdist = package.get("sdist")
        files = [*wheels, *([sdist] if sdist else [])]
        assert files, f"{package['name']} {package['version']}: nothing to install"
        for artifact in files:
            assert artifact.get("hash", "").startswith("sha256:"), (package["name"], artifact)
        installable = sdist is not None or any(
            here & set(parse_wheel_filename(w["url"].rsplit("/", 1)[-1])[3]) for w in wheels
        )
        assert installable, (
            f"{package['name']} {package['version']}: no wheel for "
            f"CPython {sys.version_info.major}.{sys.version_info.minor} on this platform"
        )


def test_the_makefile_and_the_dockerfile_install_from_the_lock_with_one_uv() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pinned = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert pinned, "the Makefile pins uv as UV_VERSION"
    assert re.findall(r"\buv==(\S+)", dockerfile) == [pinned[1]], (
        f"the Dockerfile must install uv {pinned[1]}, as the Makefile does"
    )
    # pip fetches uv and nothing else; the rest is `uv sync --locked` (`make floors` alone
    # resolves anew, with `uv pip install`, into a venv of its own).
    for name, text in (("Makefile", makefile), ("Dockerfile", dockerfile)):
        for line in re.findall(r"^.*(?<!uv )(?<!\$\(UV\) )\bpip install\b.*$", text, re.MULTILINE):
            assert re.search(r"\buv==\S+\s*$", line), f"{name}: {line.strip()}"
    sync = re.search(r"^UV_SYNC := .*\$\(UV\) sync --locked\b", makefile, re.MULTILINE)
    assert sync, "the Makefile installs with `uv sync --locked` (UV_SYNC)"
    syncs = re.findall(r"\buv sync\b.*$", dockerfile, re.MULTILINE)
    assert syncs, "the Dockerfile installs with uv sync"
    assert all("--locked" in sync for sync in syncs), syncs
