from tests.integration.setup.account import setup_world  # noqa: F401 - the fixture
