"""The inbox speaks to people: channel names instead of codes, officers by their names."""

import pytest

from tests import factories


def test_the_inbox_shows_channel_names_and_officers_names(client, office):
    officer = factories.StaffFactory(office=office).user
    officer.first_name, officer.last_name = "Siti", "Rahmawati"
    officer.save()
    meta = factories.ChannelAccountFactory(office=office, kind="meta")
    messenger = factories.RequesterFactory(account=meta, channel="messenger")
    factories.InquiryFactory(office=office, account=meta, requester=messenger, assigned_to=officer)
    web = factories.ChannelAccountFactory(office=office, kind="webchat")
    factories.InquiryFactory(office=office, account=web, requester=factories.RequesterFactory(account=web, channel=""))

    client.force_login(officer)
    page = client.get("/inbox/").content.decode()

    assert ">Messenger</span>" in page and ">Web chat</span>" in page
    assert ">messenger</span>" not in page and ">webchat</span>" not in page
    assert "Siti Rahmawati" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"channel": "telegram", "status": "waiting"},
        {"channel": "messenger"},
        {"channel": "fax", "status": "<b>x</b>", "officer": "abc"},  # not choices: nothing selected, marked invalid
        {"officer": "OFFICER"},
    ],
)
def test_the_filters_draw_their_selects_as_django_s_widget_does(office, data):
    """plain_select draws the inbox's selects in one call: the same options, labels (escaped), selection and
    error marking as Django's Select widget, for a first visit, valid filters and values that are no choice."""
    from html.parser import HTMLParser

    from tickets.forms import InboxFilterForm
    from tickets.templatetags.workspace import plain_select

    officers = [factories.StaffFactory(office=office, user__first_name=name).user for name in ("Ana", "<Budi>")]
    if data.get("officer") == "OFFICER":
        data = {"officer": str(officers[1].pk)}

    class Parsed(HTMLParser):
        def __init__(self, html):
            super().__init__()
            self.items = []
            self.feed(html)

        def handle_starttag(self, tag, attrs):
            # Django points aria-describedby at an error list ("id_channel_error") the inbox never draws (it says
            # "some filters are not valid" once): plain_select leaves that dangling reference out.
            self.items.append((tag, sorted((k, v or "") for k, v in attrs if k != "aria-describedby")))

        def handle_data(self, text):
            if text.strip():
                self.items.append(("text", text.strip()))

    form = InboxFilterForm(data or None, officers=officers)
    form.is_valid()
    for name in ("channel", "status", "officer"):
        ours, django = plain_select(form[name]), str(form[name])
        assert Parsed(ours).items == Parsed(django).items, name
    assert "&lt;Budi&gt;" in plain_select(form["officer"]) and "aria-describedby" not in plain_select(form["channel"])
