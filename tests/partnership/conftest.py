import pytest
from celery import current_app


@pytest.fixture
def eager_celery():
    """Run enqueued tasks in this process even when REDIS_URL points Celery at a broker."""
    saved = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = saved
