"""The processing slip names each certificate's expiry for a renewal's certificate fields, and
only for them: a PIN reset's retry counters (keyed sign/auth as well) stay counters."""

from __future__ import annotations

from app.printing.case_adapter import field_text
from app.workflows.registry import CASE_TYPES


def test_certificates_print_their_expiry_and_retry_counters_do_not():
    certs = CASE_TYPES["cert_renewal"].field("certificates")
    text = field_text(certs, {"sign": {"present": True}, "auth": {"not_after": "2031-12-30", "serial": "0A"}}, None)
    assert text == "署名用電子証明書（搭載・未読取）、利用者証明用電子証明書 2031-12-30まで"
    counters = CASE_TYPES["pin_reset"].field("retry_counters")
    text = field_text(counters, {"sign": 5, "auth": 3}, None)
    assert "まで" not in text and "sign" in text
