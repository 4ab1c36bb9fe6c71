import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from apps.core.observability import RequestIdFilter, business_log, request_id_var


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz")

    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_well_formed_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-abc.123")["X-Request-ID"] == "lb-abc.123"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


@pytest.mark.django_db
def test_the_request_log_has_method_path_status_duration_and_user(client, caplog):
    with caplog.at_level(logging.INFO, logger="shop.request"):
        client.get("/healthz", HTTP_X_REQUEST_ID="req-1")

    record = next(r for r in caplog.records if r.name == "shop.request")
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/healthz", 200, None)
    assert record.duration_ms >= 0


def test_json_lines_carry_the_request_id_and_extra_fields():
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("shop.business")
    logger.addHandler(handler)
    token = request_id_var.set("req-42")
    try:
        business_log("order_paid", order_number="202611260001", amount="99.00")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)

    line = json.loads(lines[0])
    assert line["request_id"] == "req-42"
    assert line["event"] == "order_paid"
    assert line["order_number"] == "202611260001"
    assert line["message"] == "order_paid order_number=202611260001 amount=99.00"
