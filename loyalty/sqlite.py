"""SQLite transactions that the ledger can make exclusive (`BEGIN IMMEDIATE`).

pysqlite normally issues BEGIN itself, lazily, before the first write. We take that over (the
SQLAlchemy recipe): the connect listener of the app sets `isolation_level = None` and the
"begin" listener below emits BEGIN when SQLAlchemy starts a transaction. A money transaction
asks for `BEGIN IMMEDIATE` with the execution option IMMEDIATE_OPTION: it takes the write lock
before reading any balance, so two tills can never both read the same balance then both spend
it; waiting for the lock is bounded by the busy timeout. Every other transaction (plain reads
included) gets a plain deferred BEGIN and is unaffected.
"""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

IMMEDIATE_OPTION = "loyalty_begin_immediate"


def take_over_transactions(dbapi_connection: sqlite3.Connection) -> None:
    """Called from the app's SQLite connect listener."""
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    if connection.get_execution_options().get(IMMEDIATE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")
