"""SQLite transactions that the ledger can make exclusive (`BEGIN IMMEDIATE`).

pysqlite opens transactions itself, lazily, just before the first write: reads that come
before it run outside any transaction, so a request that reads then writes simply waits (busy
timeout) for the write lock. The rest of the app keeps that behaviour. A money transaction
asks for `BEGIN IMMEDIATE` with the execution option IMMEDIATE_OPTION: the "begin" listener
below issues it, so the transaction holds the write lock before reading any balance and two
tills can never both read the same balance then both spend it.
"""
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

IMMEDIATE_OPTION = "loyalty_begin_immediate"


@event.listens_for(Engine, "begin")
def _begin(connection: Connection) -> None:
    if connection.dialect.name == "sqlite" and connection.get_execution_options().get(IMMEDIATE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
