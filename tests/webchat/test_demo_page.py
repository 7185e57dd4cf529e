"""The demo page embeds the widget in the page's language; `?lang=en` shows it in English."""

import pytest


@pytest.mark.parametrize(
    ("query", "language"), [("", "id"), ("&lang=en", "en"), ("&lang=id", "id"), ("&lang=fr", "id")]
)
def test_the_demo_page_gives_the_widget_its_language(client, office, webchat_account, query, language):
    response = client.get(f"/webchat/demo/?office={office.code}{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert f'data-office="{office.code}" data-lang="{language}"' in body
