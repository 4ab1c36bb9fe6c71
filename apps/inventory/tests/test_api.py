import json

import pytest
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from apps.catalog import services as catalog_services
from apps.catalog.tests.factories import ProductFactory, SKUFactory
from apps.inventory import services
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.conftest import jwt_client
from apps.inventory.tests.factories import events, forget_setup_effects, stock_of, stocked_sku

pytestmark = pytest.mark.django_db


def weight(value: str):
    return catalog_services.attribute_value_get_or_create(attribute="Weight", value=value)


def without_times(body: dict) -> dict:
    body = {key: value for key, value in body.items() if key != "updated_at"}
    if "recent_movements" in body:
        body["recent_movements"] = [
            {key: value for key, value in movement.items() if key not in {"id", "created_at"}}
            for movement in body["recent_movements"]
        ]
    return body


# --- who may ------------------------------------------------------------------------------


def test_anonymous_callers_are_asked_to_authenticate():
    sku = stocked_sku(on_hand=3)
    client = APIClient()

    responses = [
        client.get("/api/v1/stock/"),
        client.get(f"/api/v1/stock/{sku.pk}/"),
        client.post(f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 1, "reason": "adjust"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401]
    assert responses[0].json()["code"] == "not_authenticated"


def test_customers_are_refused(auth_client):
    sku = stocked_sku(on_hand=3)

    responses = [
        auth_client.get("/api/v1/stock/"),
        auth_client.get(f"/api/v1/stock/{sku.pk}/"),
        auth_client.post(f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 1, "reason": "adjust"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert responses[0].json() == {
        "code": "permission_denied",
        "detail": "You do not have permission to perform this action.",
        "fields": {},
    }
    assert stock_of(sku) == (3, 0)


def test_staff_without_stock_permissions_are_refused(staff_with):
    sku = stocked_sku(on_hand=3)
    client = jwt_client(staff_with("view_user"))

    assert client.get("/api/v1/stock/").status_code == 403
    assert client.get(f"/api/v1/stock/{sku.pk}/").status_code == 403


def test_the_permission_alone_is_not_enough_without_being_staff(staff_with):
    client = jwt_client(staff_with("view_stock", "change_stock", is_staff=False))

    assert client.get("/api/v1/stock/").status_code == 403


def test_viewing_staff_may_read_but_not_adjust(staff_with):
    sku = stocked_sku(on_hand=3)
    client = jwt_client(staff_with("view_stock"))

    read = client.get(f"/api/v1/stock/{sku.pk}/")
    adjust = client.post(f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 1, "reason": "adjust"}, format="json")

    assert (read.status_code, adjust.status_code) == (200, 403)
    assert stock_of(sku) == (3, 0)


def test_a_superuser_may_do_everything():
    sku = stocked_sku(on_hand=3)
    client = jwt_client(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 2, "reason": "receive"}, format="json")

    assert response.status_code == 201
    assert stock_of(sku) == (5, 0)


# --- the list ---------------------------------------------------------------------------


def test_the_list_shows_every_stock_row_in_sku_order(clerk_client):
    product = ProductFactory(name="Longjing tea")
    first = SKUFactory(product=product, code="TEA-100", attribute_values=[weight("100 g")])
    second = stocked_sku(on_hand=4, threshold=1, product=product, code="TEA-250", attribute_values=[weight("250 g")])
    services.stock_set_threshold(sku_id=first.pk, threshold=2)  # the newer row, for the lower SKU id

    response = clerk_client.get("/api/v1/stock/")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [without_times(row) for row in body["results"]] == [
        {
            "sku_id": first.pk,
            "sku_code": "TEA-100",
            "product_id": product.pk,
            "product_name": "Longjing tea",
            "on_hand": 0,
            "reserved": 0,
            "available": 0,
            "low_stock_threshold": 2,
            "is_low": True,
            "is_sold_out": True,
            "version": 0,
        },
        {
            "sku_id": second.pk,
            "sku_code": "TEA-250",
            "product_id": product.pk,
            "product_name": "Longjing tea",
            "on_hand": 4,
            "reserved": 0,
            "available": 4,
            "low_stock_threshold": 1,
            "is_low": False,
            "is_sold_out": False,
            "version": 1,
        },
    ]


def test_the_list_filters_by_sku_ids_and_levels(clerk_client):
    sold_out = stocked_sku(on_hand=0, threshold=2)
    running_low = stocked_sku(on_hand=2, threshold=2)
    plenty = stocked_sku(on_hand=9, threshold=2)

    def ids(query):
        response = clerk_client.get(f"/api/v1/stock/?{query}")
        assert response.status_code == 200, response.json()
        return [row["sku_id"] for row in response.json()["results"]]

    assert ids(f"sku={plenty.pk},{sold_out.pk}") == [sold_out.pk, plenty.pk]
    assert ids(f"sku={running_low.pk}") == [running_low.pk]
    assert ids("low=true") == [sold_out.pk, running_low.pk]
    assert ids("low=false") == [plenty.pk]
    assert ids("sold_out=true") == [sold_out.pk]
    assert ids("sold_out=false") == [running_low.pk, plenty.pk]
    assert ids("low=true&sold_out=false") == [running_low.pk]
    assert ids(f"sku={plenty.pk}&low=true") == []


@pytest.mark.parametrize(
    "query",
    ["sku=abc", "sku=0", "sku=-3", "sku=1.5", "sku=" + "9" * 30, "low=maybe", "sold_out=2", "page=abc", "page=99"],
)
def test_the_list_refuses_bad_query_parameters_with_a_4xx(clerk_client, query):
    stocked_sku(on_hand=1)

    response = clerk_client.get(f"/api/v1/stock/?{query}")

    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"code", "detail", "fields"}


def test_a_bad_sku_filter_names_the_field(clerk_client):
    response = clerk_client.get("/api/v1/stock/?sku=1,abc")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["sku"]


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_takes_a_fixed_number_of_queries(clerk_client, django_assert_max_num_queries, rows):
    for n in range(rows):
        stocked_sku(on_hand=n)

    with django_assert_max_num_queries(6):
        response = clerk_client.get("/api/v1/stock/?page_size=100")

    assert len(response.json()["results"]) == rows


# --- one SKU ----------------------------------------------------------------------------


def test_the_detail_shows_the_numbers_and_the_newest_movements_first(clerk_client, stock_clerk):
    sku = stocked_sku(on_hand=10, threshold=3, code="MUG-1", product=ProductFactory(name="Celadon mug"))
    services.stock_reserve(lines=[(sku.pk, 4)], reference="order-1")
    services.stock_adjust(sku_id=sku.pk, delta=-1, note="chipped", actor=stock_clerk)

    response = clerk_client.get(f"/api/v1/stock/{sku.pk}/")

    assert response.status_code == 200
    assert without_times(response.json()) == {
        "sku_id": sku.pk,
        "sku_code": "MUG-1",
        "product_id": sku.product_id,
        "product_name": "Celadon mug",
        "on_hand": 9,
        "reserved": 4,
        "available": 5,
        "low_stock_threshold": 3,
        "is_low": False,
        "is_sold_out": False,
        "version": 3,
        "recent_movements": [
            {
                "delta_on_hand": -1,
                "delta_reserved": 0,
                "reason": "adjust",
                "reference": "",
                "note": "chipped",
                "actor": stock_clerk.email,
            },
            {
                "delta_on_hand": 0,
                "delta_reserved": 4,
                "reason": "reserve",
                "reference": "order-1",
                "note": "",
                "actor": None,
            },
            {
                "delta_on_hand": 10,
                "delta_reserved": 0,
                "reason": "receive",
                "reference": "",
                "note": "",
                "actor": None,
            },
        ],
    }


def test_the_detail_shows_only_the_ten_newest_movements(clerk_client):
    sku = stocked_sku(on_hand=1)
    for n in range(12):
        services.stock_adjust(sku_id=sku.pk, delta=1, reason="receive", reference=f"PO-{n}")

    movements = clerk_client.get(f"/api/v1/stock/{sku.pk}/").json()["recent_movements"]

    assert [m["reference"] for m in movements] == [f"PO-{n}" for n in range(11, 1, -1)]


def test_a_sku_that_was_never_stocked_has_zero_units(clerk_client):
    sku = SKUFactory(code="NEW-1")

    response = clerk_client.get(f"/api/v1/stock/{sku.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["sku_code"], body["on_hand"], body["reserved"], body["available"]) == ("NEW-1", 0, 0, 0)
    assert (body["is_sold_out"], body["updated_at"], body["recent_movements"]) == (True, None, [])
    assert not Stock.objects.filter(sku_id=sku.pk).exists()  # reading creates nothing


@pytest.mark.parametrize("sku_id", ["999999", "0", "9" * 30])
def test_an_unknown_sku_is_a_404(clerk_client, sku_id):
    detail = clerk_client.get(f"/api/v1/stock/{sku_id}/")
    adjust = clerk_client.post(f"/api/v1/stock/{sku_id}/adjustments/", {"delta": 1, "reason": "adjust"}, format="json")

    assert (detail.status_code, adjust.status_code) == (404, 404)
    assert detail.json()["code"] == "not_found"
    assert Stock.objects.count() == 0


# --- adjusting --------------------------------------------------------------------------


def test_an_adjustment_changes_the_stock_and_answers_with_it(clerk_client, stock_clerk):
    sku = stocked_sku(on_hand=10, threshold=2)
    forget_setup_effects()

    response = clerk_client.post(
        f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 5, "reason": "receive", "note": "PO 42"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["sku_id"], body["on_hand"], body["reserved"], body["available"], body["version"]) == (
        sku.pk,
        15,
        0,
        15,
        2,
    )
    assert [(m["delta_on_hand"], m["reason"], m["note"], m["actor"]) for m in body["recent_movements"]] == [
        (5, "receive", "PO 42", stock_clerk.email)
    ]
    assert list(StockMovement.objects.values_list("delta_on_hand", "reason", "note", "actor")) == [
        (5, "receive", "PO 42", stock_clerk.pk)
    ]
    assert events() == [
        (
            "inventory.stock_changed.v1",
            {"sku_id": sku.pk, "on_hand": 15, "reserved": 0, "available": 15, "version": 2},
        )
    ]


def test_the_note_is_optional_and_a_count_may_lower_the_stock(clerk_client):
    sku = stocked_sku(on_hand=10)

    response = clerk_client.post(
        f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": -3, "reason": "adjust"}, format="json"
    )

    assert response.status_code == 201
    assert stock_of(sku) == (7, 0)


def test_the_first_adjustment_of_a_never_stocked_sku_creates_its_stock(clerk_client):
    sku = SKUFactory()

    response = clerk_client.post(
        f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 6, "reason": "receive"}, format="json"
    )

    assert response.status_code == 201
    assert stock_of(sku) == (6, 0)


def test_adjusting_below_the_reserved_units_is_a_409(clerk_client):
    sku = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(sku.pk, 8)], reference="order-1")
    forget_setup_effects()

    response = clerk_client.post(
        f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": -3, "reason": "adjust"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "stock_would_go_negative",
        "detail": "That would leave less stock on hand than is reserved.",
        "fields": {},
    }
    assert stock_of(sku) == (10, 8)
    assert StockMovement.objects.count() == 0


def test_received_goods_cannot_lower_the_stock(clerk_client):
    sku = stocked_sku(on_hand=10)

    response = clerk_client.post(
        f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": -3, "reason": "receive"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_quantity"
    assert stock_of(sku) == (10, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0, "reason": "adjust"}, "delta"),
        ({"delta": "abc", "reason": "adjust"}, "delta"),
        ({"delta": 1.5, "reason": "adjust"}, "delta"),
        ({"delta": True, "reason": "adjust"}, "delta"),
        ({"delta": None, "reason": "adjust"}, "delta"),
        ({"delta": 10_000_000, "reason": "adjust"}, "delta"),
        ({"delta": -(10**30), "reason": "adjust"}, "delta"),
        ({"reason": "adjust"}, "delta"),
        ({"delta": 1}, "reason"),
        ({"delta": 1, "reason": "reserve"}, "reason"),
        ({"delta": 1, "reason": ["adjust"]}, "reason"),
        ({"delta": 1, "reason": "adjust", "note": "x" * 10_000}, "note"),
        ({"delta": 1, "reason": "adjust", "note": {"a": 1}}, "note"),
        ({"delta": 1, "reason": "adjust", "actor": 1}, "actor"),
        ({"delta": 1, "reason": "adjust", "on_hand": 100}, "on_hand"),
    ],
)
def test_bad_adjustments_are_400s_that_name_the_field(clerk_client, body, field):
    sku = stocked_sku(on_hand=10)

    response = clerk_client.post(f"/api/v1/stock/{sku.pk}/adjustments/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert stock_of(sku) == (10, 0)


def test_unknown_fields_are_named_in_the_error(clerk_client):
    sku = stocked_sku(on_hand=10)

    response = clerk_client.post(
        f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 1, "reason": "adjust", "quantity": 1}, format="json"
    )

    assert response.json() == {
        "code": "invalid",
        "detail": "Invalid input.",
        "fields": {"quantity": ["Unknown field."]},
    }


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"a string"', "", json.dumps({"delta": 1, "reason": "adjust"})[:-1]]
)
def test_malformed_bodies_are_400s(clerk_client, raw):
    sku = stocked_sku(on_hand=10)

    response = clerk_client.post(f"/api/v1/stock/{sku.pk}/adjustments/", raw, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail", "fields"}
    assert stock_of(sku) == (10, 0)


def test_a_retried_adjustment_with_the_same_idempotency_key_changes_the_stock_once(clerk_client):
    sku = stocked_sku(on_hand=10)
    url, body = f"/api/v1/stock/{sku.pk}/adjustments/", {"delta": 5, "reason": "receive"}

    first = clerk_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="count-2026-11-26")
    retry = clerk_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="count-2026-11-26")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert stock_of(sku) == (15, 0)
