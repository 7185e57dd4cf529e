"""Add or update Indonesian translations in locale/id/LC_MESSAGES/django.po, safely from several processes.

Usage: python scripts/i18n_add.py FILE.json   where FILE.json is {"English msgid": "Indonesian msgstr", ...}
(a value may also be {"msgstr": "...", "msgctxt": "..."} or, for plurals,
{"msgid_plural": "...", "msgstr": ["one", "other"]}).
It holds an exclusive lock on locale/.i18n.lock while it reads, edits and writes the catalogue, then compiles it.
"""

import fcntl
import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"


def add(entries: dict) -> int:
    changed = 0
    with open(ROOT / "locale" / ".i18n.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        po = polib.pofile(str(CATALOGUE))
        for msgid, value in entries.items():
            if isinstance(value, str):
                value = {"msgstr": value}
            context = value.get("msgctxt")
            entry = po.find(msgid, msgctxt=context) if context else po.find(msgid)
            if entry is None:
                entry = polib.POEntry(msgid=msgid, msgctxt=context)
                po.append(entry)
            if "msgid_plural" in value:
                entry.msgid_plural = value["msgid_plural"]
                entry.msgstr_plural = dict(enumerate(value["msgstr"]))
            else:
                entry.msgstr = value["msgstr"]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.obsolete = False
            changed += 1
        po.save()
        po.save_as_mofile(str(CATALOGUE.with_suffix(".mo")))
    return changed


if __name__ == "__main__":
    print(f"translations: {add(json.loads(Path(sys.argv[1]).read_text()))} entr(ies) added or updated")
