"""Receiving an uploaded export: streamed to a private temporary file, capped in size.

The multipart body is parsed as it arrives (never held in memory); a part, field or
file beyond its limit answers 413 before the rest is read.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 8 * 1024  # a text field of the upload form (csrf_token, kind)


MAX_PARTS = 20


BODY_SLACK = 1024 * 1024  # multipart framing and the small fields, beyond the file


def too_large(mib: int) -> HTTPException:
    return HTTPException(
        413,
        f"文件过大：上传上限为 {mib} MiB（设置 web_upload_max_mib），请拆分后再导入"
        f" (file too large: the limit is {mib} MiB)",
    )


def safe_file_name(raw: str) -> str:
    """The client's file name, reduced to a plain name fit for the file system
    (no folders, no control characters, at most 200 UTF-8 bytes, suffix kept)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if name in ("", ".", ".."):
        return "upload"
    stem, suffix = name, ""
    dot = name.rfind(".")
    if dot > 0 and len(name) - dot <= 10:
        stem, suffix = name[:dot], name[dot:]
    stem = stem[:200]
    while stem and len((stem + suffix).encode("utf-8")) > 200:
        stem = stem[:-1]
    return (stem or "upload") + suffix


def _decode_name(raw: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


@dataclass
class Upload:
    """A received multipart form: its text fields and the one file, on disk."""

    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    name: str | None = None
    size: int = 0

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class _Receiver:
    """python-multipart callbacks: text fields into memory (small), the file part
    into ``folder``. Bytes of the file are queued and written by the caller, in a
    worker thread, after each chunk of the request body."""

    def __init__(self, upload: Upload, limit: int, mib: int) -> None:
        self.upload = upload
        self.limit = limit
        self.mib = mib
        self.pending: list[bytes] = []
        self.fh: IO[bytes] | None = None
        self.ended = False
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition: bytes | None = None
        self._name = ""
        self._is_file = False
        self._skip = False
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise HTTPException(400, "表单字段过多 (too many form fields)")
        self._disposition = None
        self._is_file = self._skip = False
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header_name).strip().lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name = bytearray()
        self._header_value = bytearray()

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise HTTPException(400, "上传数据缺少字段名 (a form part has no name)")
        self._name = _decode_name(options[b"name"])
        if b"filename" not in options:
            return
        self._is_file = True
        raw = _decode_name(options[b"filename"])
        if not raw:  # the form's file input was left empty
            self._skip = True
            return
        if self.upload.path is not None:
            raise HTTPException(400, "一次只能上传一个文件 (one file per upload)")
        name = safe_file_name(raw)
        self.upload.name = name
        self.upload.path = self.upload.folder / name
        self.fh = self.upload.path.open("xb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            if self._skip:
                return
            self.upload.size += end - start
            if self.upload.size > self.limit:
                raise too_large(self.mib)
            self.pending.append(bytes(data[start:end]))
            return
        if len(self._data) + end - start > MAX_FIELD_BYTES:
            raise HTTPException(400, "表单字段过长 (form field too long)")
        self._data += data[start:end]

    def on_part_end(self) -> None:
        if not self._is_file:
            self.upload.fields.setdefault(self._name, self._data.decode("utf-8", "replace"))

    def on_end(self) -> None:
        self.ended = True


def _write(fh: IO[bytes], chunks: list[bytes]) -> None:
    for chunk in chunks:
        fh.write(chunk)


async def receive_upload(request: Request) -> Upload:
    """Stream a multipart upload to a private temporary folder, enforcing the size
    limit as the bytes arrive. The caller must ``discard()`` the upload."""
    mib: int = request.app.state.settings.upload_max_mib
    limit = mib * 1024 * 1024
    ctype, params = parse_options_header(request.headers.get("content-type"))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise HTTPException(
            415,
            "请以 multipart/form-data 上传文件（字段 file）(send the file as multipart/form-data)",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + BODY_SLACK:
        raise too_large(mib)
    upload = Upload(Path(tempfile.mkdtemp(prefix="redline-upload-")))
    recv = _Receiver(upload, limit, mib)
    try:
        parser = MultipartParser(
            params[b"boundary"],
            {
                "on_part_begin": recv.on_part_begin,
                "on_part_data": recv.on_part_data,
                "on_part_end": recv.on_part_end,
                "on_header_field": recv.on_header_field,
                "on_header_value": recv.on_header_value,
                "on_header_end": recv.on_header_end,
                "on_headers_finished": recv.on_headers_finished,
                "on_end": recv.on_end,
            },
        )
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + BODY_SLACK:
                raise too_large(mib)
            parser.write(chunk)
            if recv.pending and recv.fh is not None:
                chunks, recv.pending = recv.pending, []
                await run_in_threadpool(_write, recv.fh, chunks)
        parser.finalize()
        if recv.pending and recv.fh is not None:
            await run_in_threadpool(_write, recv.fh, recv.pending)
            recv.pending = []
        if not recv.ended:
            raise HTTPException(400, "上传不完整，请重新上传 (the upload is incomplete)")
        if recv.fh is not None:
            recv.fh.close()
            recv.fh = None
    except FormParserError:
        upload.discard()
        raise HTTPException(400, "上传数据格式有误 (malformed multipart data)") from None
    except BaseException:
        upload.discard()
        raise
    finally:
        if recv.fh is not None:
            recv.fh.close()
    return upload
