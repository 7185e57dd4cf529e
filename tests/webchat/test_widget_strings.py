"""The web-chat widget's texts (`static/webchat/widget.js`): every text exists in Indonesian and in English, and
every `T.<key>` the code uses is in both tables, so the widget never shows "undefined" in either language.

The tables are read from the JavaScript source itself: `var T = { id: {...}, en: {...} }[lang];`.
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


def widget_tables(source: str) -> dict[str, list[tuple[str, str]]]:
    """{language: [(key, text), ...]} from the widget's `var T = {...}[lang]` table, in source order."""
    table = re.search(r"var T = (\{)", source)
    assert table, "the widget's text table `var T = {...}` is not in widget.js"
    body, end = _object_body(source, table.start(1))
    assert source[end:].startswith("[lang]"), "the text table is not indexed by the language"
    languages = {}
    position = 0
    for language in re.finditer(r"(\w+)\s*:\s*\{", body):
        if language.start() < position:
            continue
        texts, position = _object_body(body, language.end() - 1)
        languages[language.group(1)] = [(m.group(1), m.group(2)[1:-1]) for m in ENTRY.finditer(texts)]
    return languages


def test_the_parser_sees_a_missing_text():
    source = 'var T = { id: { a: "satu", b: "dua {x}" }, en: { a: "one" } }[lang]; T.a; T.b;'
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
    assert "answerBy" in used  # the deadline sentence: "undefined Thursday 3 December 16:00 WITA" before
    for language, entries in tables.items():
        missing = used - {key for key, _text in entries}
        assert missing == set(), f"the widget uses texts missing from {language!r}: {sorted(missing)}"
