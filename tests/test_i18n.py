from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pages_speak_indonesian_by_default(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="id"' in page and "Masuk" in page


def test_english_is_selectable(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page


def test_api_errors_follow_the_language(api_client, db):
    body = api_client.get("/api/v1/inquiries/", HTTP_ACCEPT_LANGUAGE="id").json()
    assert body["error"]["message"] != "Authentication credentials were not provided."


def test_catalogues_are_committed_as_po_and_compiled_by_the_build():
    catalogues = list((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))
    assert {p.parts[-3] for p in catalogues} >= {"id", "en"}


def test_a_browser_in_english_still_gets_indonesian_pages_until_english_is_chosen(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="id"' in page


def test_the_api_follows_accept_language(api_client, db):
    english = api_client.get("/api/v1/inquiries/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    indonesian = api_client.get("/api/v1/inquiries/", HTTP_ACCEPT_LANGUAGE="id").json()["error"]["message"]
    assert english == "Authentication credentials were not provided." and indonesian != english


def test_every_indonesian_message_is_translated():
    import polib

    catalogue = polib.pofile(str(ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
