"""Calling the API from the test client: a JSON body, a 422's fields, a signed-in client."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def send(client: Client, method: str, url: str, body: dict[str, Any], **headers: str) -> Any:
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", **headers
    )


def fields_of(response: Any) -> set[str]:
    """The fields a 422 names (and that each comes with a message)."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert all(error["message"] for error in body["errors"])
    return {error["field"] for error in body["errors"]}


def signed_in(world: Any, name: str) -> Client:
    """A client signed in as ``world.users[name]``."""
    client = Client()
    client.force_login(world.users[name])
    return client
