"""The request class: uploaded files of a form refused midway are closed at once."""

from __future__ import annotations

from flask import Request


class UploadRequest(Request):
    """Werkzeug opens a spooled temporary file per uploaded file as it parses a
    form; when it refuses the form midway (more parts than MAX_FORM_PARTS, a
    request over MAX_CONTENT_LENGTH), the files opened so far were left for the
    garbage collector. Here they are closed before the 413 is answered."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        stream = super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )
        self.__dict__.setdefault("_upload_streams", []).append(stream)
        return stream

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except BaseException:
            for stream in self.__dict__.pop("_upload_streams", []):
                stream.close()
            raise
