"""Shared fixtures. CLI helpers live in fixtures_cli.py, the demo OCPI server in
fixtures_demo.py; both are plain modules imported here so every test sees them."""

from fixtures_cli import *  # noqa: F401,F403
from fixtures_demo import *  # noqa: F401,F403
from fixtures_sftp import sshd  # noqa: F401
from fixtures_s3 import s3_server  # noqa: F401
