"""The German catalog is complete, compiled and faithful to its placeholders.

A developer who adds a string to a template or a service and does not
translate it gets a failing test naming the string: run scripts/translations,
fill in the empty msgstr, run it again to compile.
"""

from __future__ import annotations

import re
import shlex
from gettext import GNUTranslations
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "translations"
CATALOG = ROOT / "tauschring" / "translations" / "de" / "LC_MESSAGES"
PO, MO = CATALOG / "messages.po", CATALOG / "messages.mo"
# %(name)s, %(num)d, %(minutes)02d, %s, %%: what Python's %-formatting reads.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _read_po(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def _key(message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return message.context, msgid


def _label(key: tuple[str | None, str]) -> str:
    context, msgid = key
    return f"[{context}] {msgid!r}" if context else repr(msgid)


@pytest.fixture(scope="module")
def source_strings(tmp_path_factory):
    """Every msgid in the source, extracted exactly as scripts/translations does."""
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    line = next(text for text in SCRIPT.read_text().splitlines() if " extract " in text)
    arguments = [str(pot) if word == "$pot" else word for word in shlex.split(line)[1:]]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # the script's paths (babel.cfg, ".") are the project's
        CommandLineInterface().run(["pybabel", *arguments])
    return {_key(message): message for message in _read_po(pot) if message.id}


@pytest.fixture(scope="module")
def german():
    return _read_po(PO)


def test_every_string_of_the_source_has_a_german_translation(source_strings, german):
    translated = {_key(message): message for message in german if message.id}
    missing = [key for key in source_strings if key not in translated]
    empty = [key for key in source_strings if key in translated and (
        not all(translated[key].string) if isinstance(translated[key].string, tuple)
        else not translated[key].string)]
    fuzzy = [key for key, message in translated.items() if message.fuzzy]
    problems = ([f"not in de/messages.po: {_label(k)}" for k in missing]
                + [f"no German text: {_label(k)}" for k in empty]
                + [f"marked fuzzy: {_label(k)}" for k in fuzzy])
    assert not problems, (
        "run scripts/translations, translate these in tauschring/translations/de/"
        "LC_MESSAGES/messages.po, and run it again:\n" + "\n".join(problems))
    assert not german.fuzzy, "the catalog's header is marked fuzzy: it would not compile"


def test_the_committed_mo_file_is_the_compiled_po_file(german):
    compiled = BytesIO()
    write_mo(compiled, german)
    compiled.seek(0)
    with MO.open("rb") as file:
        committed = GNUTranslations(file)
    assert committed._catalog == GNUTranslations(compiled)._catalog, (
        "messages.mo is out of date: run scripts/translations")


def test_every_translation_keeps_the_placeholders_of_its_original(german):
    wrong = []
    for message in german:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            originals, translations = message.id, message.string
            expected = sorted(PLACEHOLDER.findall(originals[-1]))  # the plural's
        else:
            originals, translations = (message.id,), (message.string,)
            expected = sorted(PLACEHOLDER.findall(message.id))
        for translation in translations:
            if sorted(PLACEHOLDER.findall(translation)) != expected:
                wrong.append(f"{_label(_key(message))} -> {translation!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)
