"""Settings that are computed, not just read: the default number of workers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from venuecrm.config import Settings, cpu_quota, usable_cpus


@pytest.mark.parametrize(
    ("cpu_max", "cpus"),
    [
        ("200000 100000\n", 2),  # docker run --cpus 2
        ("150000 100000\n", 2),  # a part of a CPU still needs a worker
        ("50000 100000\n", 1),
        ("max 100000\n", None),  # no quota
        ("", None),
        ("two 100000\n", None),
    ],
)
def test_a_cgroup_quota_is_read_in_whole_cpus(
    tmp_path: Path, cpu_max: str, cpus: int | None
) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max)
    assert cpu_quota(path) == cpus


def test_no_cgroup_file_is_no_quota(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path / "absent") is None


def test_workers_default_to_the_usable_cpus_and_never_to_fewer_than_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VENUECRM_WORKERS", raising=False)
    assert Settings().workers == usable_cpus()
    assert 1 <= usable_cpus() <= len(os.sched_getaffinity(0))
    monkeypatch.setenv("VENUECRM_WORKERS", "3")
    assert Settings().workers == 3
    monkeypatch.setenv("VENUECRM_WORKERS", "0")
    with pytest.raises(ValidationError, match="workers"):
        Settings()
