"""The store is private to its owner (issue 11, item 12).

``redline.db`` and its ``-wal`` hold buyers' names, phones and addresses and the
password and token hashes; they were created 0644 in a 0755 folder. The data
folder is now 0700 and the database files 0600, as ``secret.key`` already was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from redline.cli import main
from redline.store import open_store

ORDERS = '订单编号,买家会员名,订单状态,收货地址\r\n="3012345678901234567",tb_a,交易成功,浙江省 杭州市 1号\r\n'


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # what most shells have: files 0644, folders 0755
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_default_store_is_created_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    home = tmp_path / "data" / "redline"
    monkeypatch.setenv("REDLINE_HOME", str(home))
    monkeypatch.delenv("REDLINE_DATABASE_URL", raising=False)
    (tmp_path / "orders.csv").write_bytes(ORDERS.encode("gbk"))
    r = CliRunner().invoke(main, ["import", "orders", str(tmp_path / "orders.csv")])
    assert r.exit_code == 0, r.output
    assert mode(home) == 0o700
    assert mode(home / "redline.db") == 0o600
    # While a connection is open SQLite keeps -wal and -shm: they are private too.
    engine = open_store(None)
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM orders"))
        side = [home / "redline.db-wal", home / "redline.db-shm"]
        assert all(p.exists() for p in side)
        assert [mode(p) for p in side] == [0o600, 0o600]
    engine.dispose()
    assert {p.name: mode(p) for p in home.iterdir()} == dict.fromkeys(
        [p.name for p in home.iterdir()], 0o600
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_an_existing_world_readable_store_is_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    home = tmp_path / "redline"
    monkeypatch.setenv("REDLINE_HOME", str(home))
    monkeypatch.delenv("REDLINE_DATABASE_URL", raising=False)
    open_store(None).dispose()
    os.chmod(home, 0o755)
    os.chmod(home / "redline.db", 0o644)
    r = CliRunner().invoke(main, ["db", "info"])
    assert r.exit_code == 0, r.output
    assert (mode(home), mode(home / "redline.db")) == (0o700, 0o600)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_store_named_with_db_gets_a_private_file_and_new_folders(
    tmp_path: Path, loose_umask: None
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    db = shared / "new" / "shop.db"
    r = CliRunner().invoke(main, ["db", "upgrade", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert mode(db) == 0o600 and mode(db.parent) == 0o700
    assert mode(shared) == 0o755  # a folder the user chose is not changed


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_web_secret_and_the_store_share_the_private_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    from redline.web.app import secret_key

    home = tmp_path / "fresh" / "redline"
    monkeypatch.setenv("REDLINE_HOME", str(home))
    monkeypatch.delenv("REDLINE_SECRET", raising=False)
    assert secret_key()
    assert mode(home) == 0o700 and mode(home / "secret.key") == 0o600
