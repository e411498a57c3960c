"""The live server fixture is shared with the API tests."""

from tests.api.conftest import live  # noqa: F401
