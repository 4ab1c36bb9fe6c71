import re

import pytest
from django.core import mail

from apps.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-secret-7"


def reset_link_from_mail() -> str:
    assert len(mail.outbox) == 1
    return re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)


def test_the_reset_page_answers_the_same_for_known_and_unknown_emails(client, user):
    known = client.post("/accounts/password-reset/", {"email": user.email})
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == "/accounts/password-reset/sent/"
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_reset_link_works_once_and_only_once(client, user):
    client.post("/accounts/password-reset/", {"email": user.email})
    link = reset_link_from_mail()

    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)

    assert done.status_code == 302
    assert done["Location"] == "/accounts/password-reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()


def test_a_reset_revokes_the_users_refresh_tokens(client, api_client, user):
    pair = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").json()
    client.post("/accounts/password-reset/", {"email": user.email})
    set_url = client.get(reset_link_from_mail(), follow=True).redirect_chain[-1][0]

    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")

    assert refresh.status_code == 401


def test_the_api_reset_flow_works_once(api_client, user):
    pair = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").json()

    asked = api_client.post("/api/v1/auth/password-reset/", {"email": user.email}, format="json")
    asked_unknown = api_client.post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"}, format="json")
    uid, token = reset_link_from_mail().rstrip("/").split("/")[-2:]
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    first = api_client.post("/api/v1/auth/password-reset/confirm/", body, format="json")
    second = api_client.post("/api/v1/auth/password-reset/confirm/", body, format="json")

    assert (asked.status_code, asked_unknown.status_code) == (202, 202)
    assert first.status_code == 204
    assert second.status_code == 400
    assert second.json()["code"] == "invalid_token"
    assert (
        api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_api_reset_refuses_a_weak_password(api_client, user):
    api_client.post("/api/v1/auth/password-reset/", {"email": user.email}, format="json")
    uid, token = reset_link_from_mail().rstrip("/").split("/")[-2:]

    response = api_client.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": "password"}, format="json"
    )

    assert response.status_code == 400
    assert "new_password" in response.json()["fields"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
