"""The cart when its Redis cannot be reached: a clear 503, never a 500, never an empty
cart. (tests/test_faults.py stops a real Redis under a live web node.)"""

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.cart import services
from apps.cart.domain.exceptions import CartUnavailable
from apps.cart.store import RedisCartStore

MESSAGE = "The cart is unavailable right now, please try again shortly."


@pytest.fixture
def unreachable_store(monkeypatch):
    """Every cart read and write goes to a Redis port where nothing listens."""
    # No retries, like the cache's own pool (redis-py's default client retries 3 times).
    store = RedisCartStore(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)))
    monkeypatch.setattr(services, "cart_store", lambda: store)
    return store


@pytest.mark.parametrize(
    ("method", "args"),
    [("get", ()), ("set_quantity", (1, 2, "9.90")), ("set_items", ({},)), ("remove", (1,)), ("clear", ())],
)
def test_every_store_call_says_the_cart_is_unavailable(unreachable_store, method, args):
    if method == "set_items":
        from apps.cart.store import CartItem

        args = ({1: CartItem(1, "9.90")},)

    with pytest.raises(CartUnavailable) as raised:
        getattr(unreachable_store, method)("user:1", *args)

    assert (raised.value.code, raised.value.http_status) == ("cart_unavailable", 503)


@pytest.mark.django_db
def test_the_api_answers_503_cart_unavailable(api_client, unreachable_store, make_sku):
    sku = make_sku()

    read = api_client.get("/api/v1/cart/")
    write = api_client.post("/api/v1/cart/items/", {"sku": sku.pk, "quantity": 1}, format="json")

    for answer in (read, write):
        assert answer.status_code == 503
        assert answer.json()["code"] == "cart_unavailable"
        assert answer.json()["detail"] == MESSAGE
        assert answer["Retry-After"] == "10"


@pytest.mark.django_db
def test_the_cart_page_is_a_503_saying_so(client, unreachable_store):
    answer = client.get("/cart/")

    assert answer.status_code == 503
    assert MESSAGE in answer.content.decode()


@pytest.mark.django_db
def test_adding_from_a_product_page_goes_back_with_the_message(client, unreachable_store, make_sku):
    sku = make_sku()
    product_page = sku.product.get_absolute_url()

    answer = client.post("/cart/add/", {"sku": sku.pk, "quantity": 1, "next": product_page}, follow=True)

    assert answer.redirect_chain == [(product_page, 302)]
    assert MESSAGE in [str(message) for message in answer.context["messages"]]


@pytest.mark.django_db
def test_signing_in_works_and_leaves_the_guest_cart_for_later(client, user, unreachable_store, settings):
    from apps.accounts.tests.factories import PASSWORD
    from apps.cart.domain.keys import GUEST_COOKIE

    _key, token = services.guest_token_issue()
    client.cookies[GUEST_COOKIE] = token

    answer = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert answer.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
