"""Page chrome in Polish and English, and the choice of language for a request."""

from __future__ import annotations

from typing import Final

from werkzeug.datastructures import LanguageAccept

LANGUAGES: Final = ("en", "pl")
DEFAULT_LANGUAGE: Final = "en"

MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    # Nominative for "maj 1997", genitive for "26 lipca 1998".
    "pl": (
        "styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec",
        "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień",
    ),
    "pl-genitive": (
        "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
        "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
    ),
}  # fmt: skip

TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "site_title": "Town twinning knowledge graph",
        "skip": "Skip to content",
        "home": "Home",
        "search": "Search",
        "search_label": "Search places, institutions and events",
        "search_placeholder": "e.g. berdyczow",
        "no_results": "Nothing found.",
        "sparql": "SPARQL endpoint",
        "catalogue": "Data catalogue",
        "ontology": "Ontology",
        "shapes": "Shapes",
        "dumps": "Downloads",
        "language": "Language",
        "partnerships": "Partnerships",
        "partner": "Partner",
        "signed": "Agreement signed",
        "status": "Status",
        "map": "Map",
        "map_label": "Map of the municipalities and their partnerships",
        "timeline": "Timeline",
        "too_many": "This graph holds {count}, too many to show here. Search for a "
        "town and open its page (its map, partnerships and events), ask the SPARQL endpoint, or "
        "download the dumps below.",
        "links_here": "Linked from",
        "formats": "This page as data",
        "source": "Source",
        "wikidata": "Wikidata",
        "events": "Events",
        "not_found": "Not found",
        "error": "Something went wrong",
        "back_home": "Back to the home page",
        "about": (
            "Cities sign partnership (twinning) agreements; schools, ensembles, clubs and "
            "chambers carry them out through exchanges, concerts, fairs and visits. This site "
            "publishes those facts as linked data: every page here is also available as RDF, "
            "and the whole graph can be queried with SPARQL."
        ),
        "type": "Type",
        "iri": "IRI",
        "properties": "Properties",
        "members": "Resources described here",
        "run": "Run query",
        "queries": "Example queries",
        "queries_intro": (
            "Ready-made SPARQL queries for researchers. Each one declares its own prefixes and "
            "runs unchanged in any SPARQL client against this endpoint, whose default graph is "
            "the union of all named graphs (one per source file)."
        ),
        "open_in_editor": "Run in the query editor",
        "results_link": "Results",
        "query_text": "Query",
        "example_label": "Example query",
        "example_choose": "Choose an example…",
        "example_open": "Open",
        "sparql_intro": (
            "Write a SPARQL 1.1 query or start from an example; Ctrl+Enter runs it. The default "
            "graph is the union of all named graphs (one per source file)."
        ),
        "truncated": (
            "Only the first {limit} rows are shown: this endpoint returns at most {limit} rows "
            "per query. Narrow the query, or page through it with LIMIT and OFFSET."
        ),
        "graphs": "Source files (named graphs)",
    },
    "pl": {
        "site_title": "Graf wiedzy o miastach partnerskich",
        "skip": "Przejdź do treści",
        "home": "Strona główna",
        "search": "Szukaj",
        "search_label": "Szukaj miejsc, instytucji i wydarzeń",
        "search_placeholder": "np. berdyczow",
        "no_results": "Nic nie znaleziono.",
        "sparql": "Punkt dostępu SPARQL",
        "catalogue": "Katalog danych",
        "ontology": "Ontologia",
        "shapes": "Kształty SHACL",
        "dumps": "Pliki do pobrania",
        "language": "Język",
        "partnerships": "Partnerstwa",
        "partner": "Partner",
        "signed": "Podpisanie umowy",
        "status": "Status",
        "map": "Mapa",
        "map_label": "Mapa gmin i ich partnerstw",
        "timeline": "Oś czasu",
        "too_many": "Ten graf zawiera {count}, zbyt wiele, by pokazać je tutaj. "
        "Wyszukaj miasto i otwórz jego stronę (mapa, partnerstwa i wydarzenia), zapytaj punkt "
        "dostępowy SPARQL albo pobierz zrzuty poniżej.",
        "links_here": "Odwołują się tutaj",
        "formats": "Ta strona jako dane",
        "source": "Źródło",
        "wikidata": "Wikidane",
        "events": "Wydarzenia",
        "not_found": "Nie znaleziono",
        "error": "Coś poszło nie tak",
        "back_home": "Wróć na stronę główną",
        "about": (
            "Miasta podpisują umowy partnerskie, a szkoły, zespoły, kluby i izby realizują je "
            "poprzez wymiany, koncerty, targi i wizyty. Ta witryna publikuje te fakty jako dane "
            "powiązane: każda strona jest dostępna także jako RDF, a cały graf można odpytywać "
            "w języku SPARQL."
        ),
        "type": "Typ",
        "iri": "IRI",
        "properties": "Właściwości",
        "members": "Zasoby opisane tutaj",
        "run": "Wykonaj zapytanie",
        "queries": "Przykładowe zapytania",
        "queries_intro": (
            "Gotowe zapytania SPARQL dla badaczy. Każde deklaruje własne prefiksy i działa bez "
            "zmian w dowolnym kliencie SPARQL wobec tego punktu dostępu, którego graf domyślny "
            "to suma wszystkich grafów nazwanych (po jednym na plik źródłowy)."
        ),
        "open_in_editor": "Wykonaj w edytorze zapytań",
        "results_link": "Wyniki",
        "query_text": "Zapytanie",
        "example_label": "Przykładowe zapytanie",
        "example_choose": "Wybierz przykład…",
        "example_open": "Otwórz",
        "sparql_intro": (
            "Napisz zapytanie SPARQL 1.1 albo zacznij od przykładu; Ctrl+Enter je wykonuje. Graf "
            "domyślny to suma wszystkich grafów nazwanych (po jednym na plik źródłowy)."
        ),
        "truncated": (
            "Pokazano tylko pierwsze {limit} wierszy: ten punkt dostępu zwraca najwyżej {limit} "
            "wierszy na zapytanie. Zawęź zapytanie albo przeglądaj wyniki stronami za pomocą "
            "LIMIT i OFFSET."
        ),
        "graphs": "Pliki źródłowe (grafy nazwane)",
    },
}


def choose_language(lang_param: str | None, accept: LanguageAccept) -> str:
    """``?lang=`` first, then ``Accept-Language``, then English.

    >>> from werkzeug.http import parse_accept_header
    >>> choose_language(None, parse_accept_header("pl-PL,pl;q=0.9,en;q=0.8", LanguageAccept))
    'pl'
    >>> choose_language("xx", parse_accept_header("", LanguageAccept))
    'en'
    """
    if lang_param and lang_param.lower() in LANGUAGES:
        return lang_param.lower()
    best = accept.best_match(LANGUAGES)
    return best if best in LANGUAGES else DEFAULT_LANGUAGE
