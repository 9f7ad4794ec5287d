"""Passwords are stored with Argon2id at OWASP's parameters, and older hashes keep working."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test import override_settings

from tests.factories import UserFactory

HASHERS = ["accounts.hashers.ModoArgon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=HASHERS)
def test_new_passwords_use_argon2id_with_owasp_parameters():
    encoded = make_password("a long enough passphrase")

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=HASHERS)
def test_a_hash_with_the_old_parameters_signs_in_and_is_upgraded(client):
    user = UserFactory(email="old@example.com")
    user.password = Argon2PasswordHasher().encode("a long enough passphrase", Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert "m=102400" in user.password

    response = client.post("/login/", {"login": "old@example.com", "password": "a long enough passphrase"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
