import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import UserFactory
from apps.catalog.tests.factories import CategoryFactory, ProductFactory, SKUFactory
from apps.inventory import services
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.factories import forget_setup_effects, stock_of, stocked_sku

pytestmark = pytest.mark.django_db

STOCK_LIST = "/admin/inventory/stock/"
MOVEMENT_LIST = "/admin/inventory/stockmovement/"


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def adjust(client, skus, **form):
    """Submit the "Adjust stock" action's form for `skus`, as the intermediate page does."""
    data = {"action": "adjust_stock", "_selected_action": [sku.pk for sku in skus], "select_across": "0", **form}
    return client.post(STOCK_LIST, data)


# --- pages ------------------------------------------------------------------------------


def test_stock_pages_work_for_a_superuser(admin_client):
    category = CategoryFactory(name="Tea")
    sku = stocked_sku(on_hand=3, threshold=5, code="TEA-1", product=ProductFactory(name="Pu'er", category=category))
    services.stock_reserve(lines=[(sku.pk, 1)], reference="order-1")
    movement = StockMovement.objects.first()

    pages = [
        STOCK_LIST,
        f"{STOCK_LIST}?level=sold_out",
        f"{STOCK_LIST}?level=low",
        f"{STOCK_LIST}?level=in_stock",
        f"{STOCK_LIST}?sku__product__category__id__exact={category.pk}",
        f"{STOCK_LIST}?q=TEA-1",
        f"{STOCK_LIST}?q=Pu",
        f"{STOCK_LIST}?o=5",
        f"{STOCK_LIST}{sku.pk}/change/",
        f"{STOCK_LIST}add/",
        MOVEMENT_LIST,
        f"{MOVEMENT_LIST}?reason__exact=reserve",
        f"{MOVEMENT_LIST}?q=order-1",
        f"{MOVEMENT_LIST}?sku__id__exact={sku.pk}",
        f"{MOVEMENT_LIST}{movement.pk}/change/",
    ]

    for url in pages:
        assert admin_client.get(url).status_code == 200, url


def test_the_stock_list_shows_the_numbers_and_the_level(admin_client):
    stocked_sku(on_hand=0, code="GONE-1")
    stocked_sku(on_hand=4, threshold=5, code="LOW-1")
    stocked_sku(on_hand=40, threshold=5, code="PLENTY-1")

    page = admin_client.get(STOCK_LIST).content.decode()
    low_only = admin_client.get(f"{STOCK_LIST}?level=low").context["cl"].result_list

    assert "sold out" in page
    assert ">low<" in page
    assert [stock.sku.code for stock in low_only] == ["LOW-1"]


def test_the_level_filters_do_not_overlap(admin_client):
    gone = stocked_sku(on_hand=0)
    low = stocked_sku(on_hand=4, threshold=5)
    plenty = stocked_sku(on_hand=40, threshold=5)

    def listed(level):
        return [stock.sku_id for stock in admin_client.get(f"{STOCK_LIST}?level={level}").context["cl"].result_list]

    assert (listed("sold_out"), listed("low"), listed("in_stock")) == ([gone.pk], [low.pk], [plenty.pk])


def test_search_finds_stock_by_sku_code_and_product_name(admin_client):
    tea = stocked_sku(code="TEA-9", product=ProductFactory(name="Oolong"))
    stocked_sku(code="MUG-9", product=ProductFactory(name="Teacup"))

    def found(q):
        return [stock.sku_id for stock in admin_client.get(f"{STOCK_LIST}?q={q}").context["cl"].result_list]

    assert found("TEA-9") == [tea.pk]
    assert found("oolong") == [tea.pk]


@pytest.mark.parametrize("url", [STOCK_LIST, MOVEMENT_LIST])
def test_the_lists_take_as_many_queries_for_many_rows_as_for_few(admin_client, url):
    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    stocked_sku(on_hand=3)
    few = queries_for_list()
    for n in range(10):
        stocked_sku(on_hand=n + 1)
    many = queries_for_list()

    assert many == few


def test_counts_are_read_only_and_stock_rows_cannot_be_deleted(admin_client):
    sku = stocked_sku(on_hand=3)

    page = admin_client.get(f"{STOCK_LIST}{sku.pk}/change/").content.decode()
    delete = admin_client.get(f"{STOCK_LIST}{sku.pk}/delete/")

    assert 'name="low_stock_threshold"' in page
    assert 'name="on_hand"' not in page
    assert 'name="reserved"' not in page
    assert delete.status_code == 403
    assert "delete_selected" not in admin_client.get(STOCK_LIST).content.decode()


def test_movements_are_read_only(admin_client):
    sku = stocked_sku(on_hand=3)
    movement = StockMovement.objects.get()

    page = admin_client.get(f"{MOVEMENT_LIST}{movement.pk}/change/").content.decode()

    assert admin_client.get(f"{MOVEMENT_LIST}add/").status_code == 403
    assert admin_client.get(f"{MOVEMENT_LIST}{movement.pk}/delete/").status_code == 403
    assert 'name="delta_on_hand"' not in page
    admin_client.post(f"{MOVEMENT_LIST}{movement.pk}/change/", {"delta_on_hand": 99, "reason": "adjust"})
    assert StockMovement.objects.get().delta_on_hand == 3
    assert stock_of(sku) == (3, 0)


# --- the threshold ----------------------------------------------------------------------


def test_editing_the_threshold_goes_through_the_service_and_is_logged(admin_client, admin_user):
    sku = stocked_sku(on_hand=3, threshold=5)
    forget_setup_effects()

    response = admin_client.post(
        f"{STOCK_LIST}{sku.pk}/change/", {"low_stock_threshold": 2, "on_hand": 999, "reserved": 9}
    )

    assert response.status_code == 302
    stock = Stock.objects.get(sku_id=sku.pk)
    assert (stock.on_hand, stock.reserved, stock.low_stock_threshold, stock.version) == (3, 0, 2, 1)
    assert StockMovement.objects.count() == 0
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (admin_user, CHANGE, str(sku.pk))
    assert entry.get_change_message() == "Changed Low-stock threshold."


def test_thresholds_can_be_edited_in_the_list(admin_client):
    a, b = stocked_sku(on_hand=3, threshold=5), stocked_sku(on_hand=9, threshold=5)

    response = admin_client.post(
        STOCK_LIST,
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-sku": a.pk,
            "form-0-low_stock_threshold": "1",
            "form-1-sku": b.pk,
            "form-1-low_stock_threshold": "5",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert dict(Stock.objects.values_list("sku_id", "low_stock_threshold")) == {a.pk: 1, b.pk: 5}
    assert (stock_of(a), stock_of(b)) == ((3, 0), (9, 0))
    assert list(LogEntry.objects.values_list("object_id", flat=True)) == [str(a.pk)]


def test_a_negative_threshold_is_refused_with_a_message(admin_client):
    sku = stocked_sku(on_hand=3, threshold=5)

    response = admin_client.post(f"{STOCK_LIST}{sku.pk}/change/", {"low_stock_threshold": -1})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert Stock.objects.get(sku_id=sku.pk).low_stock_threshold == 5


def test_adding_stock_for_a_new_sku_starts_it_at_zero(admin_client):
    sku = SKUFactory()

    response = admin_client.post(f"{STOCK_LIST}add/", {"sku": sku.pk, "low_stock_threshold": 3})

    assert response.status_code == 302
    stock = Stock.objects.get(sku_id=sku.pk)
    assert (stock.on_hand, stock.reserved, stock.low_stock_threshold) == (0, 0, 3)


def test_adding_stock_twice_for_one_sku_is_refused_with_a_message(admin_client):
    sku = stocked_sku(on_hand=3)

    response = admin_client.post(f"{STOCK_LIST}add/", {"sku": sku.pk, "low_stock_threshold": 3})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert stock_of(sku) == (3, 0)


# --- the "Adjust stock" action ----------------------------------------------------------


def test_the_adjust_action_first_asks_for_the_change(admin_client):
    sku = stocked_sku(on_hand=3, code="TEA-1")

    response = adjust(admin_client, [sku])

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="delta"' in page
    assert 'name="apply"' in page
    assert "TEA-1" in page
    assert stock_of(sku) == (3, 0)


def test_the_adjust_action_changes_the_stock_and_records_who_did_it(admin_client, admin_user):
    a, b = stocked_sku(on_hand=3), stocked_sku(on_hand=7)
    forget_setup_effects()

    response = adjust(admin_client, [a, b], apply="1", delta="5", reason="receive", note="PO 42")

    assert response.status_code == 302
    assert (stock_of(a), stock_of(b)) == ((8, 0), (12, 0))
    assert list(
        StockMovement.objects.order_by("id").values_list("sku_id", "delta_on_hand", "reason", "note", "actor")
    ) == [(a.pk, 5, "receive", "PO 42", admin_user.pk), (b.pk, 5, "receive", "PO 42", admin_user.pk)]
    assert sorted(LogEntry.objects.values_list("object_id", "action_flag", "change_message")) == sorted(
        [
            (str(a.pk), CHANGE, "Adjusted stock by +5 (goods received). PO 42"),
            (str(b.pk), CHANGE, "Adjusted stock by +5 (goods received). PO 42"),
        ]
    )
    assert shown_messages(response) == ["Adjusted the stock of 2 SKUs."]


def test_the_adjust_action_reports_the_rows_it_could_not_change(admin_client):
    busy = stocked_sku(on_hand=10, code="BUSY-1")
    services.stock_reserve(lines=[(busy.pk, 8)], reference="order-1")
    free = stocked_sku(on_hand=10, code="FREE-1")
    forget_setup_effects()

    response = adjust(admin_client, [busy, free], apply="1", delta="-5", reason="adjust", note="")

    assert response.status_code == 302
    assert (stock_of(busy), stock_of(free)) == ((10, 8), (5, 0))
    assert shown_messages(response) == [
        "BUSY-1 not adjusted: That would leave less stock on hand than is reserved.",
        "Adjusted the stock of 1 SKU.",
    ]
    assert list(LogEntry.objects.values_list("object_id", flat=True)) == [str(free.pk)]


def test_the_adjust_action_refuses_to_lower_stock_as_goods_received(admin_client):
    sku = stocked_sku(on_hand=10, code="TEA-1")

    response = adjust(admin_client, [sku], apply="1", delta="-1", reason="receive", note="")

    assert response.status_code == 302
    assert shown_messages(response) == ["TEA-1 not adjusted: Quantities must be whole numbers above zero."]
    assert stock_of(sku) == (10, 0)


@pytest.mark.parametrize(
    "form",
    [
        {"delta": "0", "reason": "adjust"},
        {"delta": "abc", "reason": "adjust"},
        {"delta": "", "reason": "adjust"},
        {"delta": "99999999999", "reason": "adjust"},
        {"delta": "1", "reason": "reserve"},
        {"delta": "1", "reason": "adjust", "note": "x" * 10_000},
    ],
)
def test_bad_input_in_the_adjust_form_shows_the_form_again_with_messages(admin_client, form):
    sku = stocked_sku(on_hand=10)

    response = adjust(admin_client, [sku], apply="1", **form)

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert stock_of(sku) == (10, 0)
    assert LogEntry.objects.count() == 0


def test_adjusting_every_row_across_pages_reaches_each_of_them(admin_client):
    skus = [stocked_sku(on_hand=1, threshold=5) for _ in range(3)]
    elsewhere = stocked_sku(on_hand=50, threshold=5)

    response = admin_client.post(
        f"{STOCK_LIST}?level=low",
        {
            "action": "adjust_stock",
            "_selected_action": [skus[0].pk],
            "select_across": "1",
            "apply": "1",
            "delta": "10",
            "reason": "receive",
        },
    )

    assert response.status_code == 302
    assert [stock_of(sku) for sku in skus] == [(11, 0), (11, 0), (11, 0)]
    assert stock_of(elsewhere) == (50, 0)  # outside the filtered list


# --- who may ----------------------------------------------------------------------------


def test_customer_service_staff_cannot_see_or_change_stock(client):
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name="Customer Service"))
    sku = stocked_sku(on_hand=3)
    client.force_login(agent)

    assert client.get(STOCK_LIST).status_code == 403
    assert client.get(f"{STOCK_LIST}{sku.pk}/change/").status_code == 403
    assert client.get(MOVEMENT_LIST).status_code == 403
    assert adjust(client, [sku], apply="1", delta="5", reason="receive").status_code == 403
    assert stock_of(sku) == (3, 0)


def test_staff_who_may_only_view_stock_cannot_adjust_it(client, staff_with):
    viewer = staff_with("view_stock")
    sku = stocked_sku(on_hand=3)
    client.force_login(viewer)

    page = client.get(STOCK_LIST)
    response = adjust(client, [sku], apply="1", delta="5", reason="receive")

    assert page.status_code == 200
    assert "adjust_stock" not in page.content.decode()
    assert response.status_code in (200, 302)
    assert stock_of(sku) == (3, 0)
    assert StockMovement.objects.filter(reason="receive", delta_on_hand=5).count() == 0
