"""Atomic writes and the writability probe (dxsim.atomic)."""

from __future__ import annotations

import os

import pytest

from dxsim.atomic import atomic_path, check_writable


def test_an_error_leaves_neither_target_nor_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(OSError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise OSError("disk full")
    assert os.listdir(tmp_path) == []


def test_writable_folders_pass_and_leave_nothing(tmp_path):
    check_writable(tmp_path / "out.nc")
    check_writable(tmp_path / "new" / "deeper" / "out.nc")  # would be created
    check_writable(tmp_path)  # a directory to fill (a sweep store)
    assert os.listdir(tmp_path) == []


def test_a_file_where_a_folder_should_be_is_refused(tmp_path):
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(NotADirectoryError) as info:
        check_writable(tmp_path / "file" / "sub" / "out.nc")
    assert info.value.filename == str(tmp_path / "file")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs a read-only /proc")
def test_a_folder_that_takes_no_file_is_refused():
    with pytest.raises(OSError) as info:
        check_writable("/proc/dxsim-out.nc")
    assert info.value.filename == "/proc"
