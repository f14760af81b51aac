"""An executor for tests that checks where runs go: a thread pool that counts the tasks it is given."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that counts the tasks it is given."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.submitted += 1
        return super().submit(*args, **kwargs)
