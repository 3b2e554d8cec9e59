"""Uploaded import files kept between the preview and the confirmation.

The preview reads the files and shows the plan; the confirmation reads the same
files again (the database may have changed in between) and writes them. The files
wait in IMPORT_DIR under a random name that the confirmation form carries, signed,
and are removed once imported, or after IMPORT_KEEP_HOURS.
"""

import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

SALT = "claims.import_files"
NAMES = ("claims_file", "links_file")


def _folder():
    return Path(settings.IMPORT_DIR)


def keep(files):
    """Store the uploaded files; a signed token that finds them again."""
    _remove_old()
    key = uuid.uuid4().hex
    folder = _folder() / key
    folder.mkdir(parents=True)
    names = {}
    for field, upload in files.items():
        if upload is None:
            continue
        target = folder / field
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        upload.seek(0)
        names[field] = upload.name
    return signing.dumps({"key": key, "names": names}, salt=SALT)


def load(token):
    """The files a token names, as uploads; None if the token is bad or they are gone."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.IMPORT_KEEP_HOURS * 3600)
    except signing.BadSignature:
        return None
    folder = _folder() / data["key"]
    files = {}
    for field, name in data["names"].items():
        path = folder / field
        if not path.exists():
            return None
        files[field] = SimpleUploadedFile(name, path.read_bytes())
    return files


def discard(token):
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return
    shutil.rmtree(_folder() / data["key"], ignore_errors=True)


def _remove_old():
    folder = _folder()
    if not folder.exists():
        return
    limit = time.time() - settings.IMPORT_KEEP_HOURS * 3600
    for entry in folder.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < limit:
            shutil.rmtree(entry, ignore_errors=True)
