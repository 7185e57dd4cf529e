"""Fixtures shared by the officer workspace's tests (inbox, search, live refresh)."""

import pytest

from tests import factories


@pytest.fixture
def account(office):
    """A web-chat account of the officer's office."""
    return factories.ChannelAccountFactory(office=office, kind="webchat")


@pytest.fixture
def logged_in(client, officer):
    client.force_login(officer)
    return client
