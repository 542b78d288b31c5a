"""The Celery factory, idempotent tasks on a real worker, and the worker health check."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import orjson
import pytest
from celery import Celery
from redis import Redis

from shared.celery_app import KEY_PREFIX, TaskInProgress, celery_health_check, create_celery_app
from tests.shared.celery_tasks import WORKER_SERVICE, create_app
from tests.shared.conftest import CeleryWorker, ValkeyServer


@pytest.fixture
def client_app(celery_worker: CeleryWorker) -> Iterator[Celery]:
    """A producer-side app on the session worker's broker."""
    app = create_app(celery_worker.redis_url)
    yield app
    app.close()


@pytest.fixture
def store(celery_worker: CeleryWorker) -> Iterator[Redis]:
    """A plain client on the worker's database, to read the counters."""
    with Redis.from_url(celery_worker.redis_url) as client:
        yield client


def test_factory_sets_late_acks_and_json_only() -> None:
    app = create_celery_app("svc", "redis://127.0.0.1:1/0", task_time_limit=60)
    assert app.conf.broker_url == "redis://127.0.0.1:1/0"
    assert app.conf.result_backend == "redis://127.0.0.1:1/0"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert app.conf.task_time_limit == 60


def test_redelivered_task_runs_its_effect_once(client_app: Celery, store: Redis) -> None:
    counter = f"effects:{uuid.uuid4()}"
    task_id = str(uuid.uuid4())
    task = client_app.tasks["tests.count_effect"]
    first = task.apply_async((counter,), task_id=task_id).get(timeout=15)
    # The broker hands the same message (same task id) to a worker again.
    second = task.apply_async((counter,), task_id=task_id).get(timeout=15)
    assert first == second == 1
    assert int(store.get(counter) or 0) == 1


def test_distinct_task_ids_each_run(client_app: Celery, store: Redis) -> None:
    counter = f"effects:{uuid.uuid4()}"
    task = client_app.tasks["tests.count_effect"]
    results = [task.apply_async((counter,)).get(timeout=15) for _ in range(2)]
    assert results == [1, 2]


def test_idempotency_fields_make_resent_requests_a_no_op(client_app: Celery, store: Redis) -> None:
    counter = f"credits:{uuid.uuid4()}"
    invoice = str(uuid.uuid4())
    task = client_app.tasks["tests.charge"]
    for _ in range(2):
        task.apply_async(kwargs={"counter": counter, "invoice_id": invoice, "amount": 5}).get(
            timeout=15
        )
    assert int(store.get(counter) or 0) == 5
    other = {"counter": counter, "invoice_id": str(uuid.uuid4()), "amount": 3}
    assert task.apply_async(kwargs=other).get(timeout=15) == 8


def test_failed_task_leaves_no_marker_so_a_retry_runs(client_app: Celery, store: Redis) -> None:
    counter = f"attempts:{uuid.uuid4()}"
    task_id = str(uuid.uuid4())
    task = client_app.tasks["tests.fail_once"]
    first = task.apply_async((counter,), task_id=task_id)
    with pytest.raises(RuntimeError, match="first attempt fails"):
        first.get(timeout=15)
    first.forget()  # so that waiting below sees the second run, not the stored failure
    assert task.apply_async((counter,), task_id=task_id).get(timeout=15) == 2
    assert store.exists(f"{KEY_PREFIX}:tests.fail_once:{task_id}:lock") == 0


def test_lock_left_by_a_dead_delivery_of_the_same_task_is_taken_over(
    valkey: ValkeyServer,
) -> None:
    app = create_app(valkey.url(2))
    task_id = str(uuid.uuid4())
    counter = f"effects:{uuid.uuid4()}"
    with Redis.from_url(valkey.url(2)) as client:
        client.set(f"{KEY_PREFIX}:tests.count_effect:{task_id}:lock", task_id)
        result = app.tasks["tests.count_effect"].apply((counter,), task_id=task_id)
        assert result.get() == 1
        assert client.exists(f"{KEY_PREFIX}:tests.count_effect:{task_id}:lock") == 0
    app.close()


def test_key_locked_by_another_delivery_is_reported_in_progress(valkey: ValkeyServer) -> None:
    app = create_app(valkey.url(2))
    invoice = str(uuid.uuid4())
    key = f'{KEY_PREFIX}:tests.charge:["{invoice}"]'
    with Redis.from_url(valkey.url(2)) as client:
        client.set(f"{key}:lock", "another-task-id")
        with pytest.raises(TaskInProgress):
            app.tasks["tests.charge"](counter="c", invoice_id=invoice, amount=1)
        assert client.get("c") is None
    app.close()


def test_idempotency_fields_must_be_passed_by_keyword(valkey: ValkeyServer) -> None:
    app = create_app(valkey.url(2))
    with pytest.raises(TypeError, match="invoice_id"):
        app.tasks["tests.charge"]("c", "inv", 1)
    app.close()


async def test_worker_health_check_needs_a_worker_answering_on_the_broker(
    celery_worker: CeleryWorker, valkey: ValkeyServer
) -> None:
    # Stopping and restarting a worker is covered in test_health.py.
    serving = create_celery_app("probe", celery_worker.redis_url)
    assert await celery_health_check(serving)() is True
    nobody = create_celery_app("probe", valkey.url(5))  # no worker consumes database 5
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="no Celery worker"):
        await celery_health_check(nobody, timeout=0.5)()
    assert time.perf_counter() - started < 2.0
    serving.close()
    nobody.close()


def test_worker_logs_json_lines_with_the_service_name(
    client_app: Celery, celery_worker: CeleryWorker
) -> None:
    task_id = str(uuid.uuid4())
    client_app.tasks["tests.count_effect"].apply_async((f"c:{task_id}",), task_id=task_id).get(
        timeout=15
    )
    # The worker logs success just after storing the result, so the line may lag a little.
    deadline = time.monotonic() + 10
    while True:
        records = [
            orjson.loads(line)
            for line in celery_worker.logfile.read_text().splitlines()
            if line.startswith("{")
        ]
        found = [r for r in records if task_id in r["message"] and "succeeded" in r["message"]]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    (done,) = found
    assert done["service_name"] == WORKER_SERVICE
    assert done["level"] == "INFO"
    assert set(done) == {"timestamp", "service_name", "trace_id", "level", "message", "context"}


def test_task_waits_for_a_key_held_by_another_delivery_then_runs_once(
    client_app: Celery, store: Redis
) -> None:
    counter = f"credits:{uuid.uuid4()}"
    invoice = str(uuid.uuid4())
    lock = f'{KEY_PREFIX}:tests.charge:["{invoice}"]:lock'
    store.set(lock, "another-delivery", ex=30)
    result = client_app.tasks["tests.charge"].apply_async(
        kwargs={"counter": counter, "invoice_id": invoice, "amount": 4}
    )
    time.sleep(0.5)
    assert store.get(counter) is None  # held back while the other delivery owns the key
    store.delete(lock)
    assert result.get(timeout=15) == 4
    assert int(store.get(counter) or 0) == 4
