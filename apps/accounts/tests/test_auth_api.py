import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, AddressFactory
from apps.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_register_then_call_me_with_the_access_token(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {
            "email": "Mei@Example.com",
            "password": "lotus-pond-2026",
            "display_name": "Mei",
            "phone": "+86 139 1234 5678",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "mei@example.com"
    assert body["user"]["phone"] == "13912345678"
    assert body["user"]["points_balance"] == 0
    me = bearer(body["tokens"]["access"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "mei@example.com"
    assert list(OutboxMessage.objects.values_list("topic", "payload")) == [
        ("accounts.user_registered.v1", {"user_id": body["user"]["id"], "email": "mei@example.com"})
    ]


def test_register_twice_with_one_email_is_refused(api_client, user):
    response = api_client.post(
        "/api/v1/auth/register/", {"email": user.email.upper(), "password": "lotus-pond-2026"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("password", "message"),
    [("short-1", "at least 10 characters"), ("password123", "too common"), ("1234567890123", "entirely numeric")],
)
def test_weak_passwords_are_refused_by_djangos_validators(api_client, password, message):
    response = api_client.post(
        "/api/v1/auth/register/", {"email": "a@example.com", "password": password}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert any(message in text for text in body["fields"]["password"])
    assert not User.objects.exists()


def test_token_obtain_and_refresh_rotates_and_the_old_refresh_is_refused(api_client, user):
    pair = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").json()

    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    reused = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != pair["refresh"]
    assert bearer(rotated.json()["access"]).get("/api/v1/me/").status_code == 200
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"


def test_after_logout_the_refresh_token_is_refused(api_client, user):
    pair = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").json()

    logout = api_client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json")
    refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")

    assert logout.status_code == 204
    assert refresh.status_code == 401
    again = api_client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"
    assert refresh.json()["code"] == "token_not_valid"


def test_wrong_password_is_401_in_the_error_format(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": "nope-nope-nope"}, format="json"
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": "no_active_account",
        "detail": "No active account found with the given credentials",
        "fields": {},
    }


def test_me_without_credentials_is_401(api_client):
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_patch_changes_profile_and_refuses_unknown_fields(auth_client, user):
    ok = auth_client.patch("/api/v1/me/", {"display_name": "Lei", "phone": "13800138000"}, format="json")
    bad = auth_client.patch("/api/v1/me/", {"email": "new@example.com"}, format="json")

    assert ok.status_code == 200
    assert (ok.json()["display_name"], ok.json()["phone"]) == ("Lei", "13800138000")
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"email": ["Unknown field."]}
    user.refresh_from_db()
    assert user.email.startswith("user")


def test_password_change_revokes_refresh_tokens(api_client, user):
    pair = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").json()

    changed = bearer(pair["access"]).post(
        "/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "new-lotus-pond-9"}, format="json"
    )
    refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")

    assert changed.status_code == 204
    assert refresh.status_code == 401
    user.refresh_from_db()
    assert user.check_password("new-lotus-pond-9")


def test_password_change_with_a_wrong_old_password_is_refused(auth_client, user):
    response = auth_client.post(
        "/api/v1/me/password/", {"old_password": "wrong-wrong-1", "new_password": "new-lotus-pond-9"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"


def test_user_a_gets_404_on_user_bs_address(auth_client, other_user):
    theirs = AddressFactory(user=other_user)
    url = f"/api/v1/addresses/{theirs.pk}/"

    response = auth_client.get(url)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}
    assert auth_client.patch(url, {"recipient": "Mallory"}, format="json").status_code == 404
    assert auth_client.delete(url).status_code == 404
    assert auth_client.get("/api/v1/addresses/").json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.recipient == "李雷"


def test_address_crud_keeps_one_default(auth_client, user):
    first = auth_client.post(
        "/api/v1/addresses/",
        {
            "recipient": "王芳",
            "phone": "13912345678",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "street": "建国路 88 号",
            "postcode": "100022",
        },
        format="json",
    ).json()
    second = auth_client.post(
        "/api/v1/addresses/",
        {
            "recipient": "王芳",
            "phone": "010-12345678",
            "province": "北京市",
            "city": "北京市",
            "district": "海淀区",
            "street": "中关村大街 1 号",
            "is_default": True,
        },
        format="json",
    ).json()

    listed = auth_client.get("/api/v1/addresses/").json()["results"]
    assert [(a["id"], a["is_default"]) for a in listed] == [(second["id"], True), (first["id"], False)]

    assert auth_client.delete(f"/api/v1/addresses/{second['id']}/").status_code == 204
    remaining = auth_client.get(f"/api/v1/addresses/{first['id']}/").json()
    assert remaining["is_default"] is True


def test_address_validation_gives_field_messages(auth_client):
    response = auth_client.post(
        "/api/v1/addresses/",
        {
            "recipient": "王芳",
            "phone": "12345",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "street": "建国路",
            "postcode": "1000",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"phone", "postcode"}


def test_address_list_query_count_does_not_grow(auth_client, user, django_assert_max_num_queries):
    AddressFactory.create_batch(15, user=user)

    with django_assert_max_num_queries(3):
        response = auth_client.get("/api/v1/addresses/")

    assert response.json()["count"] == 15
