import time

import pytest
from celery import Celery, current_app
from django.db import transaction

from apps.core import outbox
from apps.core.models import OutboxMessage, ProcessedMessage
from apps.core.tests import handlers_for_tests
from apps.core.tests.handlers_for_tests import ThingHappened, record_thing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reset_handler(eager_celery):
    handlers_for_tests.received.clear()
    handlers_for_tests.failures_left["count"] = 0


@pytest.fixture
def broker_down():
    """Makes the current Celery app one whose broker refuses connections (a closed port)."""
    real = current_app._get_current_object()
    dead = Celery("broker-down", set_as_current=False)
    dead.config_from_object("django.conf:settings", namespace="CELERY")
    dead.conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    dead.conf.task_always_eager = False
    dead.set_current()
    dead.finalize(auto=True)
    yield dead
    real.set_current()


def test_event_in_a_rolled_back_transaction_is_never_dispatched():
    def change_that_fails():
        with transaction.atomic():
            outbox.publish(ThingHappened(thing_id=1))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    outbox.relay_pending()

    assert OutboxMessage.objects.count() == 0
    assert handlers_for_tests.received == []


def test_committed_event_is_handled_once_after_commit():
    with transaction.atomic():
        message = outbox.publish(ThingHappened(thing_id=2))
        assert handlers_for_tests.received == []  # nothing runs before commit

    message.refresh_from_db()
    assert handlers_for_tests.received == [{"thing_id": 2}]
    assert message.published_at is not None
    assert message.attempts == 1
    assert (
        ProcessedMessage.objects.filter(message_id=message.message_id, handler="core_tests.record_thing").count() == 1
    )


def test_a_message_delivered_twice_takes_effect_once():
    with transaction.atomic():
        message = outbox.publish(ThingHappened(thing_id=3))
    kwargs = {"message_id": str(message.message_id), "topic": message.topic, "payload": message.payload}

    second = record_thing.apply(kwargs=kwargs).get()
    third = record_thing.apply(kwargs=kwargs).get()

    assert (second, third) == ("duplicate", "duplicate")
    assert handlers_for_tests.received == [{"thing_id": 3}]
    assert ProcessedMessage.objects.filter(message_id=message.message_id).count() == 1


def test_broker_down_the_request_does_not_wait_and_the_sweep_delivers_later(broker_down):
    started = time.monotonic()
    with transaction.atomic():
        message = outbox.publish(ThingHappened(thing_id=4))
    elapsed = time.monotonic() - started

    message.refresh_from_db()
    assert elapsed < 3.0
    assert message.published_at is None
    assert handlers_for_tests.received == []

    # The broker is back: the beat's sweep runs the relay.
    broker_down.conf.task_always_eager = True
    current_app.tasks["core.relay_outbox"].apply()

    message.refresh_from_db()
    assert message.published_at is not None
    assert handlers_for_tests.received == [{"thing_id": 4}]


def test_a_failing_handler_leaves_the_message_pending_until_a_later_relay():
    handlers_for_tests.failures_left["count"] = 1
    with transaction.atomic():
        message = outbox.publish(ThingHappened(thing_id=5))

    message.refresh_from_db()
    assert message.published_at is None
    assert message.attempts == 1
    assert "handler failed on purpose" in message.last_error
    assert ProcessedMessage.objects.count() == 0  # rolled back with the failed effect

    assert outbox.relay_pending() == 1
    message.refresh_from_db()
    assert message.published_at is not None
    assert handlers_for_tests.received == [{"thing_id": 5}]


def test_relay_dispatches_in_order_and_skips_published_rows():
    for thing_id in (10, 11, 12):
        OutboxMessage.objects.create(topic=ThingHappened.topic, payload={"thing_id": thing_id})

    assert outbox.relay_pending(batch_size=2) == 3
    assert outbox.relay_pending() == 0
    assert [p["thing_id"] for p in handlers_for_tests.received] == [10, 11, 12]


def test_subscription_is_by_topic_string():
    assert outbox.subscribers(ThingHappened.topic) == ["core_tests.record_thing"]
    assert outbox.subscribers("nobody.listens.v1") == []


def test_delivered_events_are_purged_after_the_retention_period():
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.tasks import purge_delivered_events

    with transaction.atomic():
        old = outbox.publish(ThingHappened(thing_id=20))
    with transaction.atomic():
        fresh = outbox.publish(ThingHappened(thing_id=21))
    long_ago = timezone.now() - timedelta(days=15)
    OutboxMessage.objects.filter(pk=old.pk).update(published_at=long_ago)
    ProcessedMessage.objects.filter(message_id=old.message_id).update(processed_at=long_ago)
    pending = OutboxMessage.objects.create(topic="nobody.listens.v1", payload={})
    OutboxMessage.objects.filter(pk=pending.pk).update(occurred_at=long_ago)

    assert purge_delivered_events() == 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {fresh.pk, pending.pk}
    assert list(ProcessedMessage.objects.values_list("message_id", flat=True)) == [fresh.message_id]


def test_a_transaction_publishing_many_events_runs_the_relay_once(monkeypatch):
    runs = []
    real_relay = outbox.relay_pending
    monkeypatch.setattr(outbox, "relay_pending", lambda **kw: runs.append(1) or real_relay(**kw))

    with transaction.atomic():
        for thing_id in range(5):
            outbox.publish(ThingHappened(thing_id=thing_id))

    assert len(runs) == 1
    assert sorted(p["thing_id"] for p in handlers_for_tests.received) == [0, 1, 2, 3, 4]
