"""The inbox speaks to people: channel names instead of codes, officers by their names."""

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
