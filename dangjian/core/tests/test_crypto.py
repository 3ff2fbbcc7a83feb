"""Encryption at rest, key rotation, lookup hashes and masking of sensitive fields."""

from __future__ import annotations

import base64
import hashlib
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from dangjian.audit.models import AuditEvent
from dangjian.core import crypto
from dangjian.members import selectors
from dangjian.members.models import Member

NUMBER = "110101199003077678"
KEY_ONE = "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LTE="
KEY_TWO = "dGVzdC1rZXktdHdvLXRlc3Qta2V5LXR3by10ZXN0LTI="
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def two_keys(settings):
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_ONE, KEY_TWO]
    return settings


# --- encryption --------------------------------------------------------------------------


def test_round_trip(two_keys):
    """What is encrypted decrypts to the same text, Chinese included."""
    for value in (NUMBER, "", "北京市东城区 12 号"):
        assert crypto.decrypt_text(crypto.encrypt_text(value)) == value


def test_ciphertext_hides_the_value_and_differs_each_time(two_keys):
    """The stored text never contains the number, and encrypting twice gives two tokens."""
    first, second = crypto.encrypt_text(NUMBER), crypto.encrypt_text(NUMBER)
    assert first != second
    assert NUMBER not in first
    assert NUMBER[6:14] not in first


def test_the_first_key_encrypts(two_keys):
    """New values are encrypted under the first key: they decrypt with that key alone."""
    token = crypto.encrypt_text(NUMBER)
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_ONE]
    assert crypto.decrypt_text(token) == NUMBER
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_TWO]
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_text(token)


def test_a_value_under_the_second_key_still_decrypts(two_keys):
    """After a new key is put first, values encrypted under the old one still read."""
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_TWO]
    old_token = crypto.encrypt_text(NUMBER)
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_ONE, KEY_TWO]
    assert crypto.decrypt_text(old_token) == NUMBER


def test_reencrypt_moves_a_value_to_the_first_key(two_keys):
    """Re-encryption makes an old value readable with the first key alone."""
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_TWO]
    old_token = crypto.encrypt_text(NUMBER)
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_ONE, KEY_TWO]
    new_token = crypto.reencrypt_text(old_token)
    assert new_token != old_token
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_ONE]
    assert crypto.decrypt_text(new_token) == NUMBER
    with pytest.raises(ImproperlyConfigured, match=r"keys\.md"):
        crypto.decrypt_text(old_token)


def test_no_keys_is_a_configuration_error(settings):
    """Without encryption keys nothing is encrypted, and the error points to the docs."""
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match=r"keys\.md"):
        crypto.encrypt_text(NUMBER)


# --- lookup hash -------------------------------------------------------------------------


def test_lookup_hash_is_stable_and_keyed(settings):
    """The same number always hashes alike under one key, differently under another, and
    never as its plain SHA-256."""
    settings.DANGJIAN_LOOKUP_KEY = "key-a"
    first = crypto.lookup_hash(NUMBER)
    assert first == crypto.lookup_hash(NUMBER)
    assert first != crypto.lookup_hash(NUMBER[:-1] + "9")
    assert first != hashlib.sha256(NUMBER.encode()).hexdigest()
    assert len(first) == 64
    settings.DANGJIAN_LOOKUP_KEY = "key-b"
    assert crypto.lookup_hash(NUMBER) != first


def test_empty_lookup_key_is_a_configuration_error(settings):
    """Without a lookup key no hash is computed."""
    settings.DANGJIAN_LOOKUP_KEY = ""
    with pytest.raises(ImproperlyConfigured, match=r"keys\.md"):
        crypto.lookup_hash(NUMBER)


# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110101199003077678", "110101************"),
        ("11010119850412001X", "110101************"),
        ("123456789", "*********"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    """An ID number shows its region only: birth date, serial and check character are hidden."""
    assert crypto.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138******78"),
        (" 13812345678 ", "138******78"),
        ("01012345678", "010******78"),
        ("0571-88886666", "057********66"),
        ("88886666", "******66"),
        ("8888666", "*******"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    """A mobile number shows its first three and last two digits; a short landline number
    at most its last two, and never fewer than six digits are hidden."""
    assert crypto.mask_phone(value) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("张三13812345678，身份证110101199003077678", "张三138******78，身份证110101************"),
        ("tel:13812345678; Tel13812345678", "tel:138******78; Tel138******78"),
        ("id=11010119850412001x.", "id=110101************."),
        ("138123456789 and 1381234567", "138123456789 and 1381234567"),
        # Identifiers: a UUID whose last part holds a mobile-shaped run, a digest.
        ("b1f0c9e2-8d4e-4f3a-9c1b-a13812345678", "b1f0c9e2-8d4e-4f3a-9c1b-a13812345678"),
        ("sha256 0f13812345678e13912345678", "sha256 0f13812345678e13912345678"),
    ],
)
def test_mask_numbers_in_text(text, masked):
    """Numbers in free text are masked wherever they stand among Chinese or other words; a
    hexadecimal identifier that happens to hold eleven digits is left as it is."""
    assert crypto.mask_numbers_in_text(text) == masked


@given(st.uuids(), st.binary(min_size=32, max_size=32))
def test_identifiers_survive_masking(uuid, digest):
    """The audit log masks its details: an export's UUID or a file's digest must come out as it
    went in, or the event recorded for it can never be found again. One CI run could not find an
    export's two events by its id: a UUID whose last part is a letter beside eleven digits of a
    mobile number's shape (about 1 in 3,300 UUIDs) was masked there."""
    detail = {"export": str(uuid), "files": [hashlib.sha256(digest).hexdigest(), uuid.hex]}
    assert crypto.mask_numbers_in(detail) == detail


@pytest.mark.django_db
def test_member_shows_masked_values(county):
    """A member's masked ID and phone hide the middle; no phone shows nothing."""
    zhang = county.zhang
    assert zhang.id_number_masked == zhang.id_number[:6] + "*" * 12
    assert zhang.phone_masked == "138******78"
    assert county.li.phone_masked == ""


# --- rotating keys over the database -----------------------------------------------------


@pytest.mark.django_db
def test_rotate_keys_command_needs_yes(county, settings):
    """Without --yes the command only explains itself and changes nothing."""
    before = list(Member.objects.values_list("id_number_encrypted", flat=True))
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert "--yes" in out.getvalue()
    assert list(Member.objects.values_list("id_number_encrypted", flat=True)) == before


@pytest.mark.django_db
def test_rotate_keys_moves_every_member_to_the_new_key(county, settings):
    """After a new key is put first and rotate_keys runs, the old keys can be dropped."""
    numbers = {m.pk: m.id_number for m in Member.objects.all()}
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [NEW_KEY, KEY_ONE, KEY_TWO]
    audit_before = AuditEvent.objects.count()
    out = StringIO()
    call_command("rotate_keys", "--yes", stdout=out)
    assert str(len(numbers)) in out.getvalue()
    assert AuditEvent.objects.count() == audit_before + 1
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert {m.pk: m.id_number for m in Member.objects.all()} == numbers


@pytest.mark.django_db
def test_rotate_keys_recomputes_lookup_hashes(county, settings):
    """After the lookup key changes and rotate_keys runs, search by ID number works again."""
    settings.DANGJIAN_LOOKUP_KEY = "a-new-lookup-key"
    number = county.sun.id_number

    def found() -> list[str]:
        filters = selectors.MemberFilters(q=number)
        return [m.name for m in selectors.member_list(user=county.county_admin, filters=filters)]

    assert found() == []
    call_command("rotate_keys", "--yes", stdout=StringIO())
    assert found() == ["孙八"]


@pytest.mark.parametrize(
    ("value", "masked"),
    [("张三", "张*"), ("欧阳诸葛明", "欧****"), (" 李四 ", "李*"), ("王", "王"), ("", "")],
)
def test_mask_name(value, masked):
    """A name on a public page keeps its first character only."""
    assert crypto.mask_name(value) == masked


# --- many at once (exports) ----------------------------------------------------------------


@given(values=st.lists(st.text(max_size=40), max_size=20))
@hyp_settings(max_examples=60, deadline=None)
def test_decrypt_many_gives_what_decrypt_text_gives_under_either_key(values: list[str]) -> None:
    """Tokens made under the older key and under the current one, mixed, in their order."""
    older = Fernet(KEY_TWO.encode())
    tokens = [
        older.encrypt(v.encode()).decode() if i % 2 else crypto.encrypt_text(v)
        for i, v in enumerate(values)
    ]
    with override_settings(DANGJIAN_FIELD_ENCRYPTION_KEYS=[KEY_ONE, KEY_TWO]):
        assert crypto.decrypt_many(tokens) == [crypto.decrypt_text(t) for t in tokens] == values


def test_decrypt_many_refuses_a_tampered_token_or_a_removed_key(two_keys) -> None:
    token = Fernet(KEY_TWO.encode()).encrypt(NUMBER.encode()).decode()
    assert crypto.decrypt_many([token]) == [NUMBER]
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[30] ^= 1  # one bit of the ciphertext
    for bad in (base64.urlsafe_b64encode(bytes(raw)).decode(), "not a token", ""):
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt_many([crypto.encrypt_text("甲"), bad])
    two_keys.DANGJIAN_FIELD_ENCRYPTION_KEYS = [KEY_ONE]
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_many([token])
