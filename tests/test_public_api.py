"""The package's public API stays small and deliberate."""

import socialcredit


def test_public_api_is_exactly_this() -> None:
    assert sorted(socialcredit.__all__) == [
        "Actor",
        "Application",
        "Settings",
        "SocialCreditError",
        "__version__",
    ]
    for name in socialcredit.__all__:
        assert hasattr(socialcredit, name)
