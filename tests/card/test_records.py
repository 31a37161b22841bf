"""The card layer's records are named tuples and plain classes, not dataclasses (start-up of the
card diagnostics, ``app/card/__init__.py``). What the dataclasses gave must still hold: no field
hidden by a class attribute, and no repr that shows a PIN, a My Number or a certificate's bytes."""

from __future__ import annotations

import importlib

import pytest

from app.card.apdu import Command
from app.card.protocol import CardReadout, CertificateSummary

MODULES = ["app.card.apdu", "app.card.tlv", "app.card.layout", "app.card.protocol", "app.card.service"]


@pytest.mark.parametrize("name", MODULES)
def test_no_class_attribute_hides_a_field(name):
    module = importlib.import_module(name)
    records = [cls for cls in vars(module).values()
               if isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")]
    assert records, name
    for cls in records:
        assert not [f for f in cls._fields if f in cls.__dict__], cls
        assert cls.__dict__.get("__slots__") == (), cls        # no instance dict: immutable


def test_reprs_keep_secrets_out():
    verify = Command(0x00, 0x20, 0x00, 0x80, b"4826")
    assert "4826" not in repr(verify) and "3438" not in repr(verify) and "lc=4" in repr(verify)
    readout = CardReadout(tries_left={"input": 3}, max_tries={"input": 3}, has_signing_certificate=True,
                          my_number="123456789018")
    assert "123456789018" not in repr(readout) and "tries_left" in repr(readout)
    cert = CertificateSummary("auth", "01", "CN=x", "CN=ca", "2026-01-01T00:00:00+00:00",
                              "2031-01-01T00:00:00+00:00", b"\x30\x82SECRET-LOOKING-DER")
    assert "SECRET" not in repr(cert) and "CN=x" in repr(cert)
    assert cert.to_json() == {"which": "auth", "serial": "01", "subject": "CN=x", "issuer": "CN=ca",
                              "not_before": "2026-01-01T00:00:00+00:00", "not_after": "2031-01-01T00:00:00+00:00",
                              "valid_now": cert.valid_on()}
