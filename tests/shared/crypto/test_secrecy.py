"""Key bytes never show: not in repr, str, f-strings, pickles, errors or log lines."""

from __future__ import annotations

import base64
import copy
import logging
import pickle

import pytest

from shared.crypto import (
    ChatKeyManager,
    DataKey,
    DecryptionError,
    KeyEncryptionBackend,
    PersonalDataCipher,
)
from shared.logging import JsonFormatter


def _forms(material: bytes) -> list[str]:
    """Every text form a key could leak as."""
    return [
        material.hex(),
        base64.b64encode(material).decode(),
        base64.urlsafe_b64encode(material).rstrip(b"=").decode(),
        repr(material),
    ]


def test_data_key_hides_its_bytes_everywhere() -> None:
    key = DataKey.generate()
    shown = [repr(key), str(key), f"{key}", f"{key!r}", "{}".format(key), repr([key])]  # noqa: UP032
    for text in shown:
        assert text in ("DataKey(<hidden>)", "[DataKey(<hidden>)]")
    logged = logging.LogRecord("t", logging.INFO, __file__, 1, "key %s", (key,), None)
    assert logged.getMessage() == "key DataKey(<hidden>)"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.deepcopy(key)


async def test_no_key_material_in_reprs_or_logs(
    backend: KeyEncryptionBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # hvac, urllib3, asyncio: everything that could log
    manager = ChatKeyManager(backend)
    created = await manager.create_chat_key("chat-a")
    cipher = await ChatKeyManager(backend).cipher("chat-a", created.stored)
    stored = cipher.encrypt_message("m1", "hello")
    with pytest.raises(DecryptionError) as caught:
        cipher.decrypt_message("m2", stored)
    log = logging.getLogger("mateway.test")
    log.info("state %s", cipher.data_key, extra={"cipher": cipher, "key": cipher.data_key})
    log.warning("decrypt failed", exc_info=caught.value)
    backend.rotate()
    await manager.rewrap("chat-a", created.stored)
    await manager.rekey("chat-a", created.stored, {"m1": stored})
    material = cipher.data_key.material
    texts = [
        repr(manager),
        repr(cipher),
        repr(backend),
        repr(manager.cache),
        str(caught.value),
        repr(caught.value),
        caplog.text,
        *(JsonFormatter("test").format(record) for record in caplog.records),
    ]
    for text in texts:
        for form in _forms(material):
            assert form not in text


def test_personal_cipher_repr_hides_its_keys() -> None:
    personal = PersonalDataCipher.from_secrets("kek-secret-value", "lookup-secret-value")
    assert "secret" not in repr(personal)
