"""The documents stay true to the code:

- every configuration key docs/deploy.md names is in config.example.toml;
- every route under /api/v1 of the application is named in docs/api.md;
- every command of `tauschring --help` is in the README (and in docs/api.md);
- the README points to docs/api.md and docs/deploy.md, not to a CONTRACT.md
  the repository does not have.
"""

from __future__ import annotations

import re

import click
import pytest

from tauschring.app import create_app
from tauschring.cli import main
from tauschring.config import Settings
from tests.ops.deploy_support import EXAMPLE_CONFIG, GUIDE, REPO

API_DOC = REPO / "docs" / "api.md"
README = REPO / "README.md"
_SECTION = re.compile(r"^\s*\[([a-z_]+)\]\s*$")
_KEY = re.compile(r"^#?\s*([a-z_]+)\s*=")
_NAMED = re.compile(r"\[([a-z_]+)\] ([a-z_]+)")
_BLOCK = re.compile(r"```toml\n(.*?)```", re.S)


def example_keys() -> set[tuple[str, str]]:
    """(section, key) of config.example.toml, the commented-out keys included."""
    keys, section = set(), None
    for line in EXAMPLE_CONFIG.read_text(encoding="utf-8").splitlines():
        if match := _SECTION.match(line):
            section = match.group(1)
        elif section and (match := _KEY.match(line)):
            keys.add((section, match.group(1)))
    return keys


def keys_named_in(text: str) -> set[tuple[str, str]]:
    """(section, key) a guide names: in its toml blocks and as `[section] key` in prose."""
    named = set(_NAMED.findall(_BLOCK.sub("", text)))
    for block in _BLOCK.findall(text):
        section = None
        for line in block.splitlines():
            if match := _SECTION.match(line):
                section = match.group(1)
            elif section and (match := _KEY.match(line)) and not line.startswith("#"):
                named.add((section, match.group(1)))
    return named


def test_every_configuration_key_of_the_deployment_guide_is_in_the_example():
    named = keys_named_in(GUIDE.read_text(encoding="utf-8"))
    assert {("server", "base_url"), ("server", "trusted_hosts"), ("server", "proxies"),
            ("security", "secure_cookies"), ("mail", "host")} <= named
    missing = sorted(named - example_keys())
    assert not missing, (f"docs/deploy.md names configuration keys that config.example.toml "
                         f"does not document: {missing}")
    for variable in set(re.findall(r"TAUSCHRING_[A-Z_]+", GUIDE.read_text())):
        assert variable in EXAMPLE_CONFIG.read_text(), variable


def test_every_database_address_of_the_deployment_guide_is_one_tauschring_takes():
    from tauschring.config import ConfigError, load_settings

    urls = re.findall(r'(?<![a-z_])url = "([^"]+)"', GUIDE.read_text(encoding="utf-8"))
    assert any(url.startswith("postgresql") for url in urls), urls
    for url in urls:
        try:
            assert load_settings({"TAUSCHRING_DATABASE_URL": url}).database_url == url
        except ConfigError as error:
            pytest.fail(f"docs/deploy.md: {url}: {error}")


def test_a_key_the_example_lacks_is_found():
    guide = ("Set `[server] base_url` and `[server] no_such_key`.\n"
             "```toml\n[mail]\nhost = \"x\"\nsmtp_tls = true\n```\n")
    assert sorted(keys_named_in(guide) - example_keys()) == [
        ("mail", "smtp_tls"), ("server", "no_such_key")]


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("routes")
    app = create_app(Settings(database_url=f"sqlite:///{folder}/routes.db",
                              secret_key="routes", instance_path=str(folder)))
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add(f"{method} {path}")
    return found


def test_every_api_route_is_named_in_docs_api(routes):
    text = API_DOC.read_text(encoding="utf-8")
    assert len(routes) > 40
    missing = sorted(route for route in routes if f"`{route}`" not in text)
    assert not missing, (
        "These /api/v1 routes are not in docs/api.md. Add a section for each to "
        "docs/api.md, in your area's chapter, headed `#### `METHOD /path`` (the path "
        "after /api/v1, variables as {name}): what it takes, what it answers, who may "
        "call, its errors:\n  " + "\n  ".join(missing))


def test_docs_api_names_no_route_the_app_does_not_have(routes):
    named = set(re.findall(r"^#### `([A-Z]+ /[^`]*)`$", API_DOC.read_text(), re.M))
    assert named, "docs/api.md has no endpoint headings"
    gone = sorted(named - routes)
    assert not gone, ("docs/api.md has sections for routes the app does not have (renamed "
                      f"or removed? correct the heading `#### `METHOD /path``): {gone}")


def leaf_commands(group: click.Group = main, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            names += leaf_commands(command, full)
        else:
            names.append(full)
    return names


def test_every_command_is_listed_in_the_readme_and_in_docs_api():
    readme, api = README.read_text(encoding="utf-8"), API_DOC.read_text(encoding="utf-8")
    commands = leaf_commands()
    assert {"init", "serve", "statements", "report", "backup", "fees charge"} <= set(commands)
    for text, where in ((readme, "README.md"), (api, "docs/api.md")):
        missing = [name for name in commands
                   if f"`{name}`" not in text and f"tauschring {name}" not in text]
        assert not missing, (f"commands of `tauschring --help` missing from {where} (add "
                             f"them to its list of commands): {missing}")


def test_the_readme_points_to_the_documents_the_repository_has():
    readme = README.read_text(encoding="utf-8")
    assert "CONTRACT.md" not in readme
    for document in ("docs/api.md", "docs/deploy.md"):
        assert f"({document})" in readme or f"`{document}`" in readme, document
        assert (REPO / document).is_file()
    scripts_row = next(line for line in readme.splitlines() if line.startswith("| `scripts/`"))
    assert "check-wheel" in scripts_row
    assert re.search(r"recreate|new .*each run|every run", readme), \
        "the README says that scripts/demo recreates the demo database on each run"
