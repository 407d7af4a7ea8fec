"""Time to deliver a file of a given size to a real SFTP server (OpenSSH `sshd`) and a
real S3-compatible server (moto's server mode), both on 127.0.0.1, with the steps
ocpispec takes: upload under a temporary name, read it back for size and sha256, rename
(SFTP) or copy and delete (S3). Uses the servers the tests start
(tests/fixtures_sftp.py, tests/fixtures_s3.py).

    .venv/bin/python benchmarks/bench_delivery.py [--megabytes 64]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=64)
    args = parser.parse_args()
    from fixtures_s3 import ACCESS_KEY, SECRET_KEY, start_moto
    from fixtures_sftp import start_sshd

    from ocpispec import deliver as delivery
    from ocpispec.deliver import sftp
    from ocpispec.formats import parse_remote

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        local = base / "x.csv"
        local.write_bytes(os.urandom(args.megabytes << 20))
        ssh = start_sshd(base / "sftp")
        moto = start_moto()
        try:
            os.environ["OCPISPEC_CONFIG_DIR"] = str(base / "config")
            os.environ.update(TEST_S3_ACCESS_KEY=ACCESS_KEY, TEST_S3_SECRET_KEY=SECRET_KEY)
            ssh.profile(base / "config")
            moto.profile(base / "config")
            for url in (f"sftp://127.0.0.1:{ssh.port}{ssh.root}/x.csv",
                        "s3://consumer-drop/x.csv"):
                remote = parse_remote(url)
                login = delivery.resolve(remote)
                started = time.perf_counter()
                box = delivery.upload([(remote, login, [(local, "x.csv")])])
                uploaded = time.perf_counter()
                box.publish()
                box.close()
                done = time.perf_counter()
                size, _ = sftp.digest_of(local)
                print(f"{remote.scheme:5} {size / 2**20:6.0f} MiB: upload and verify "
                      f"{uploaded - started:6.2f} s ({size / 2**20 / (uploaded - started):5.1f} "
                      f"MiB/s), rename {done - uploaded:5.2f} s")
        finally:
            ssh.stop()
            moto.stop()


if __name__ == "__main__":
    main()
