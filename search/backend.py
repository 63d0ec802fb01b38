"""The interface every search backend implements, so that callers never depend on one.

The default backend is Whoosh (search.whoosh_backend): an index in files, written by one
indexer at a time. The PostgreSQL backend (search.postgres_backend) reads the database
directly: triggers keep its table in step, `apply` is a no-op, `rebuild` recomputes the table
and `fingerprints` compares it with the catalogue.
"""
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from search.documents import ProductDocument
from search.query import SearchQuery, SearchResults
from search.reference import Reference


class SearchBackend(ABC):
    #: False for a backend that reads the database itself and needs no indexer.
    uses_outbox: bool = True

    @abstractmethod
    def needs_rebuild(self) -> bool:
        """True when there is no index yet or it was built with another schema version."""

    @abstractmethod
    def apply(self, upserts: list[ProductDocument], removals: Iterable[int]) -> None:
        """Index these documents and remove these product ids (one writer at a time)."""

    @abstractmethod
    def rebuild(self, documents: Iterable[ProductDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index by these documents; returns how many were indexed."""

    @abstractmethod
    def search(self, query: SearchQuery, ref: Reference) -> SearchResults:
        """Answer a search (text, geography, filters, facets, sort, page)."""

    @abstractmethod
    def complete(self, text: str, limit: int) -> list[str]:
        """Product names completing what the resident is typing (last word as a prefix)."""

    @abstractmethod
    def fingerprints(self) -> dict[int, str]:
        """{product id: fingerprint} of everything in the index (for `check`)."""

    def optimize(self) -> None:
        """Merge the index into as few parts as possible (nightly); nothing to do by default."""

    def warm_up(self, ref: Reference) -> None:
        """Read now what a process's first searches would read (a new web worker); nothing by default."""

    def close(self) -> None:
        """Release files and caches (tests, worker shutdown)."""
