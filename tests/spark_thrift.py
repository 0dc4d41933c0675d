"""A Spark Thrift server on this machine, standing in for a cluster's (`C360_SPARK_METHOD=thrift`): PySpark's
own HiveThriftServer2 (spark-hive-thriftserver ships in the pyspark wheel), with its warehouse and its
Derby metastore in a folder of the test's. The server owns the metastore, so any number of processes
(dbt's threads, Dagster's steps, a second run's reader) use it at once through the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 180
STOP_TIMEOUT_S = 30


@dataclass(frozen=True)
class ThriftServer:
    host: str
    port: int
    warehouse_dir: Path
    log: Path

    def environment(self) -> dict[str, str]:
        """What points the platform at this server, as it would at a cluster's."""
        return {
            "C360_ENGINE": "spark",
            "C360_SPARK_METHOD": "thrift",
            "C360_SPARK_HOST": self.host,
            "C360_SPARK_PORT": str(self.port),
            "C360_SPARK_WAREHOUSE_DIR": str(self.warehouse_dir),
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


@contextmanager
def thrift_server(root: Path) -> Iterator[ThriftServer]:
    root.mkdir(parents=True, exist_ok=True)
    host, port = "127.0.0.1", _free_port()
    server = ThriftServer(host, port, root / "warehouse", root / "thrift_server.log")
    command = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
        "--name", "c360-test-thrift", "--master", "local[2]", "--driver-memory", "2g",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=4",
        "--conf", f"spark.sql.warehouse.dir={server.warehouse_dir}",
        "--conf", f"spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "--conf", f"spark.driver.extraJavaOptions=-Dderby.system.home={root}",
        "--hiveconf", f"hive.server2.thrift.port={port}",
        "--hiveconf", f"hive.server2.thrift.bind.host={host}",
        "spark-internal",
    ]
    env = {**os.environ, "SPARK_HOME": str(spark_home())}
    with server.log.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _listening(host, port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Spark Thrift server did not start: {server.log.read_text()[-3000:]}")
            time.sleep(1)
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group; SIGKILL if its shutdown hooks hang on a client's session."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)
