"""The web-chat widget's texts (`static/webchat/widget.js`): every text exists in Indonesian and in English, and
every `T.<key>` the code uses is in both tables, so the widget never shows "undefined" in either language.

The tables are read from the JavaScript source itself: `var TEXTS = { id: {...}, en: {...} };` (the visitor can
switch languages, so both are kept; `T` is the chosen one). Sentences about time (the promise, today's hours, the
deadline and why) are the server's (`tickets/promise.py`, translated through Django's catalogue): the widget has
no number of minutes of its own.
"""

import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parent.parent.parent / "static" / "webchat" / "widget.js"
STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
ENTRY = re.compile(r"([A-Za-z_$][\w$]*)\s*:\s*(" + STRING + ")")


def _object_body(source: str, start: int) -> tuple[str, int]:
    """The text between the `{` at `start` and its matching `}` (strings skipped), and the index after it."""
    assert source[start] == "{"
    depth, index = 0, start
    while index < len(source):
        char = source[index]
        if char in "\"'":
            match = re.compile(STRING).match(source, index)
            index = match.end()
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return source[start + 1 : index], index + 1
        index += 1
    raise AssertionError("unbalanced braces in the widget's text table")


def _languages(source: str, name: str) -> tuple[dict[str, list[tuple[str, str]]], int]:
    """{language: [(key, text), ...]} of the table `var <name> = {...}`, and the index after it."""
    table = re.search(rf"var {name} = (\{{)", source)
    assert table, f"the widget's text table `var {name} = {{...}}` is not in widget.js"
    body, end = _object_body(source, table.start(1))
    languages = {}
    position = 0
    for language in re.finditer(r"(\w+)\s*:\s*\{", body):
        if language.start() < position:
            continue
        texts, position = _object_body(body, language.end() - 1)
        languages[language.group(1)] = [(m.group(1), m.group(2)[1:-1]) for m in ENTRY.finditer(texts)]
    return languages, end


def widget_tables(source: str) -> dict[str, list[tuple[str, str]]]:
    """{language: [(key, text), ...]} from the widget's `var TEXTS = {...};` table, in source order."""
    languages, end = _languages(source, "TEXTS")
    assert re.match(r";\s*var T = TEXTS\[lang\];", source[end:]), "the texts in use are not the chosen language's"
    return languages


def test_the_parser_sees_a_missing_text():
    source = 'var TEXTS = { id: { a: "satu", b: "dua {x}" }, en: { a: "one" } }; var T = TEXTS[lang]; T.a; T.b;'
    assert widget_tables(source) == {"id": [("a", "satu"), ("b", "dua {x}")], "en": [("a", "one")]}


@pytest.fixture(scope="module")
def source():
    return WIDGET.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tables(source):
    return widget_tables(source)


def test_the_widget_speaks_indonesian_and_english(tables):
    assert set(tables) == {"id", "en"}
    assert all(tables.values())


def test_every_text_exists_in_both_languages(tables):
    keys = {language: {key for key, _text in entries} for language, entries in tables.items()}
    assert keys["id"] - keys["en"] == set(), "texts with no English version"
    assert keys["en"] - keys["id"] == set(), "texts with no Indonesian version"


def test_no_text_is_given_twice_or_left_empty(tables):
    for language, entries in tables.items():
        keys = [key for key, _text in entries]
        assert len(keys) == len(set(keys)), f"{language}: a key given twice (JavaScript keeps only the last)"
        assert [key for key, text in entries if not text.strip()] == [], f"{language}: empty texts"


def test_every_text_the_code_uses_is_in_both_tables(source, tables):
    used = set(re.findall(r"\bT\.([A-Za-z_$][\w$]*)", source))
    assert {"complaint", "language", "received"} <= used
    for language, entries in tables.items():
        missing = used - {key for key, _text in entries}
        assert missing == set(), f"the widget uses texts missing from {language!r}: {sorted(missing)}"


def test_the_widget_has_no_response_target_of_its_own(source, tables):
    """The 55 (or whatever the office's policy says) and the hours come from the server, never from the widget."""
    for language, entries in tables.items():
        assert [text for _key, text in entries if re.search(r"\d", text)] == [], f"{language}: a number in a text"
    assert "data.acknowledgement" in source and "info.promise_text" in source and "info.now_text" in source


def test_every_string_the_widget_shows_from_the_server_is_translated():
    """The server's sentences are Django msgids: each has its Indonesian translation in the catalogue."""
    import ast

    import polib

    promise = (WIDGET.parents[2] / "tickets" / "promise.py").read_text(encoding="utf-8")
    msgids = set()
    for node in ast.walk(ast.parse(promise)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"_", "ngettext"}:
            msgids.add(node.args[0].value)
    assert len(msgids) >= 12
    catalogue = polib.pofile(str(WIDGET.parents[2] / "locale" / "id" / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid for entry in catalogue if entry.translated() and not entry.obsolete}
    assert msgids - translated == set()


def test_every_text_table_of_the_widget_has_both_languages(source):
    """Parts of the widget may keep their texts in tables of their own (`var FILE_TEXTS = {...}`): each has the
    same keys, none empty, in Indonesian and English."""
    found = re.findall(r"var (\w*TEXTS) = \{", source)
    assert "TEXTS" in found
    for name in found:
        languages = {language: dict(entries) for language, entries in _languages(source, name)[0].items()}
        assert set(languages) == {"id", "en"}, name
        assert set(languages["id"]) == set(languages["en"]), f"{name}: keys differ between the languages"
        assert all(text.strip() for texts in languages.values() for text in texts.values()), f"{name}: empty text"
