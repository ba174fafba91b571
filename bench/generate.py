"""Generate a SYNTHETIC world-scale twinning graph in the project's vocabulary (deterministic).

Nothing in the output is real: the towns, their names, coordinates, Wikidata IDs (all above
Q9000000000, which no item has), partnerships, agreements, institutions and events are invented by
a seeded random generator, only shaped like ``data/siedlce``. Every file says so in its header and
every resource is ``prov:wasDerivedFrom`` a ``twin:Source`` labelled as synthetic.

The same size and seed always give byte-identical files. Sizes: S ≈ 10k, M ≈ 200k, L ≈ 2M triples.
One Turtle file per country block (its towns, and the partnerships, agreements, institutions and
events led by them) plus ``countries.ttl`` and ``sources.ttl``, so the loader makes named graphs.

    python -m bench.generate --size M --out var/bench/M
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

GENERATOR_VERSION: Final = 1
DEFAULT_SEED: Final = 20240601
BASE: Final = "https://twinning.example.org/"
#: Invented Wikidata IDs start here: far above any real item, so they never name a real place.
FAKE_QID_BASE: Final = 9_000_000_000


@dataclass(frozen=True)
class Scale:
    """How many of each kind of entity a size has."""

    towns: int
    partnerships: int
    events: int
    institutions: int


SIZES: Final[dict[str, Scale]] = {
    "S": Scale(towns=200, partnerships=275, events=450, institutions=75),
    "M": Scale(towns=4_000, partnerships=5_500, events=9_000, institutions=1_500),
    "L": Scale(towns=40_000, partnerships=55_000, events=90_000, institutions=15_000),
}

PREFIXES: Final = {
    "twin": BASE + "def/twinning/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "wd": "http://www.wikidata.org/entity/",
    "country": BASE + "id/country/",
    "municipality": BASE + "id/municipality/",
    "partnership": BASE + "id/partnership/",
    "agreement": BASE + "id/agreement/",
    "institution": BASE + "id/institution/",
    "event": BASE + "id/event/",
    "source": BASE + "id/source/",
    "domain": BASE + "id/domain/",
    "event-type": BASE + "id/event-type/",
    "institution-type": BASE + "id/institution-type/",
    "status": BASE + "id/status/",
    "municipality-type": BASE + "id/municipality-type/",
}


@dataclass(frozen=True)
class Country:
    """A country block: names, native language (BCP 47 tag), name style, centre and weight."""

    slug: str
    iso: str
    pl: str
    en: str
    lang: str
    style: str
    lat: float
    lon: float
    weight: int


COUNTRIES: Final = (
    Country("poland", "PL", "Polska", "Poland", "pl", "pl", 52.0, 19.4, 10),
    Country("germany", "DE", "Niemcy", "Germany", "de", "de", 51.1, 10.4, 14),
    Country("france", "FR", "Francja", "France", "fr", "fr", 46.6, 2.4, 14),
    Country("italy", "IT", "Włochy", "Italy", "it", "it", 42.8, 12.5, 9),
    Country("ukraine", "UA", "Ukraina", "Ukraine", "uk", "cyr", 49.0, 31.4, 5),
    Country("lithuania", "LT", "Litwa", "Lithuania", "lt", "lt", 55.2, 23.9, 2),
    Country("slovakia", "SK", "Słowacja", "Slovakia", "sk", "cs", 48.7, 19.7, 2),
    Country("czechia", "CZ", "Czechy", "Czechia", "cs", "cs", 49.8, 15.5, 4),
    Country("spain", "ES", "Hiszpania", "Spain", "es", "es", 40.4, -3.7, 5),
    Country("united-kingdom", "GB", "Wielka Brytania", "United Kingdom", "en", "en", 53.0, -1.5, 6),
    Country("netherlands", "NL", "Holandia", "Netherlands", "nl", "nl", 52.2, 5.3, 3),
    Country("belgium", "BE", "Belgia", "Belgium", "nl", "nl", 50.6, 4.6, 2),
    Country("austria", "AT", "Austria", "Austria", "de", "de", 47.6, 14.1, 3),
    Country("hungary", "HU", "Węgry", "Hungary", "hu", "hu", 47.2, 19.5, 3),
    Country("romania", "RO", "Rumunia", "Romania", "ro", "it", 45.9, 24.9, 2),
    Country("sweden", "SE", "Szwecja", "Sweden", "sv", "nordic", 62.0, 15.0, 2),
    Country("finland", "FI", "Finlandia", "Finland", "fi", "fi", 62.5, 25.7, 2),
    Country("denmark", "DK", "Dania", "Denmark", "da", "nordic", 56.0, 10.0, 1),
    Country("norway", "NO", "Norwegia", "Norway", "nb", "nordic", 61.0, 9.0, 1),
    Country("portugal", "PT", "Portugalia", "Portugal", "pt", "es", 39.6, -8.0, 1),
    Country("greece", "GR", "Grecja", "Greece", "el", "el", 39.0, 22.0, 1),
    Country("croatia", "HR", "Chorwacja", "Croatia", "hr", "cs", 45.1, 15.2, 1),
    Country("slovenia", "SI", "Słowenia", "Slovenia", "sl", "cs", 46.1, 14.8, 1),
    Country("belarus", "BY", "Białoruś", "Belarus", "be", "cyr", 53.7, 27.9, 1),
    Country("latvia", "LV", "Łotwa", "Latvia", "lv", "lt", 56.9, 24.6, 1),
    Country("estonia", "EE", "Estonia", "Estonia", "et", "fi", 58.6, 25.0, 1),
    Country("bulgaria", "BG", "Bułgaria", "Bulgaria", "bg", "cyr", 42.7, 25.5, 1),
    Country("serbia", "RS", "Serbia", "Serbia", "sr", "cyr", 44.0, 20.9, 1),
    Country("ireland", "IE", "Irlandia", "Ireland", "en", "en", 53.4, -8.2, 1),
    Country("japan", "JP", "Japonia", "Japan", "ja-Latn", "ja", 36.2, 138.3, 1),
    Country(
        "united-states", "US", "Stany Zjednoczone", "United States", "en", "en", 39.8, -98.6, 2
    ),
    Country("china", "CN", "Chiny", "China", "zh-Latn", "ja", 35.9, 104.2, 1),
)

#: Per name style: onsets, middles ("_" is none), endings and two-word prefixes ("+" is a space).
_STYLE_TEXT: Final = {
    "pl": (
        "Bia Brze Chełm Dą Gó Kra Łu Mi Nie Ostr Prze Ra Sie Sta Szcze Wie Zie Żu Ko Le",
        "_ ko ro li sz dl ni bo ża ść",
        "wo ów ice ec ek in owice ina no sk ań ew",
        "Nowe+ Stary+ Nowy+ Wielkie+ Dolne+",
    ),
    "de": (
        "Al Ber Dor Eb Fal Gro Ha Ilm Kö Lin Mü Neu Ober Ro Schön Tal Wal Zell Bür Fre",
        "_ en er el in ling ers au",
        "dorf berg hausen heim stadt bach burg feld ingen roda ß",
        "Bad+ Neu+ Groß+ Klein+ Sankt+",
    ),
    "fr": (
        "Beau Cha Dom Fon Gre Lan Mar Mon Pon Roche Sau Ver Vil Bel Cler Ang",
        "_ ti ri le ve no çon",
        "ville court mont ac ay es ières ange eil y",
        "Saint- Sainte- Le+ La+ Bourg-",
    ),
    "it": (
        "Ca Ce Fio Gra Lu Ma Mon Pe Ro San Ter Val Vi Bor Li",
        "_ sti ra gna le ne sco tu",
        "ano ino ello ona ate ago ica ella eto ina",
        "San+ Santa+ Castel+ Borgo+ Villa+",
    ),
    "cyr": (
        "Ber Bo Cher Do Hor Ko Lu Mo No Po Ro Sla Ter Vo Zhy Kra",
        "_ ro li vy ny ma ze",
        "iv sk ivka ets ograd ove ino yn ytsia opil",
        "Novo Staro Velyki+ Mali+",
    ),
    "lt": (
        "Al Bir Dau Jur Kai Kel Mar Pan Ras Šia Tau Ute Vil Žem",
        "_ ga ni ža ru ke",
        "iai ai ė as ys ava ene ininkai",
        "Nauji+ Seni+",
    ),
    "cs": (
        "Bra Bys Čes Hra Kre Lit Most Pra Ry Sla Tre Zla Žil Po",
        "_ ti no ko de ra",
        "ov ice any ín ec ava nik ina ovce",
        "Nové+ Staré+ Horní+ Dolní+",
    ),
    "es": (
        "Al Bar Cas Mon Pal Sal Tor Val Vi Zar Gua Ar Lo",
        "_ ca te ri ma lo",
        "ejo illa ón ares eda ena ueña ido al osa",
        "San+ Santa+ Villa Puerto+ Torre+",
    ),
    "en": (
        "Ash Brad Ches Dun Elm Farn Glen Hal King Lang Mil New Ox Ring Stan Wes",
        "_ ing ley ton bury ford",
        "ton field ham ford wick bridge wood port by mouth",
        "North+ South+ Great+ Little+ East+",
    ),
    "nl": (
        "Ap Bre Del Ein Gou Har Leeu Maas Oos Roos Ven Zwo Gen",
        "_ el er de ter",
        "dam hoven wijk drecht veen ssen lo sluis gem oord",
        "Oud- Nieuw- Sint-",
    ),
    "hu": (
        "Bala Deb Eger Győ Kecs Mis Pécs Sze Tata Vác Zala Sop",
        "_ ke ré ha lo",
        "háza vár falva egyháza szeg halom ke ős ény",
        "Nagy Kis Felső Alsó",
    ),
    "nordic": (
        "Ål Berg Fal Gäv Hel Kal Lund Mal Nor Ør Sand Skö Tor Vis",
        "_ er ne ke ing",
        "by sund vik holm köping strand dal stad rup øy",
        "Øvre+ Nedre+ Norr Sør-",
    ),
    "fi": (
        "Hä Joen Kuo Lah Mik Por Rau Sei Tam Vaa Ylö Pär",
        "_ ta ke ri na",
        "la nen joki järvi saari mäki lahti vesi koski ranta",
        "Uusi+ Vanha+",
    ),
    "el": (
        "Ka Ke Ko La Na Pa Ri Se Tri Vo Xa Ze",
        "_ la ri to me",
        "polis ni os ia ada iki ena ori",
        "Nea+ Ano+ Kato+",
    ),
    "ja": (
        "Ha Hi Ka Ki Ma Mi Na Ni Sa Shi Ta To Yo Fu",
        "_ ku ra shi mo zu",
        "gawa shima yama saki mura hara oka da no zhou",
        "Shin Kita Minami",
    ),
}
STYLES: Final = {
    style: tuple(
        tuple(w.replace("_", "").replace("+", " ") for w in words.split()) for words in parts
    )
    for style, parts in _STYLE_TEXT.items()
}
#: Latin-script name styles that alternative names (skos:altLabel) are drawn from, and their tags.
ALT_LANGUAGES: Final = {s: s for s in ("pl", "de", "fr", "it", "cs", "es", "en", "nl", "hu", "lt")}
#: Latin to Cyrillic and to Greek, longest match first (for native names: names, not spelling).


def _pairs(text: str) -> dict[str, str]:
    return dict(pair.split(":") for pair in text.split())


CYRILLIC: Final = _pairs(
    "shch:щ zh:ж kh:х ts:ц ch:ч sh:ш yu:ю ya:я a:а b:б v:в h:г g:ґ d:д e:е "  # noqa: RUF001
    "z:з y:и i:і k:к l:л m:м n:н o:о p:п r:р s:с t:т u:у f:ф j:й c:ц w:в "  # noqa: RUF001
    "x:кс q:к"
)
GREEK: Final = _pairs(
    "th:θ ch:χ ps:ψ ks:ξ a:α b:β g:γ d:δ e:ε z:ζ i:ι k:κ l:λ m:μ n:ν x:ξ "  # noqa: RUF001
    "o:ο p:π r:ρ s:σ t:τ y:υ f:φ v:β h:χ u:ου"  # noqa: RUF001
)
DASH: Final = "\u2013"
ASCII_FIXES: Final = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae"})

MUNICIPALITY_TYPES: Final = ("city", "town", "municipality", "gmina", "comune")
DOMAINS: Final = (
    ("culture", "kultura", "culture", 30),
    ("education", "oświata", "education", 22),
    ("youth-exchange", "wymiana młodzieży", "youth exchange", 14),
    ("sport", "sport", "sport", 12),
    ("economy", "gospodarka", "economy", 10),
    ("tourism", "turystyka", "tourism", 6),
    ("local-government", "samorząd", "local government", 5),
    ("social-activity", "działalność społeczna", "social activity", 3),
    ("health", "zdrowie", "health", 2),
    ("agriculture", "rolnictwo", "agriculture", 2),
    ("media", "media", "media", 1),
    ("recreation", "rekreacja", "recreation", 1),
)
EVENT_TYPES: Final = (
    ("delegation-visit", "Wizyta delegacji", "Delegation visit", 20),
    ("concert", "Koncert", "Concert", 14),
    ("youth-exchange", "Wymiana młodzieży", "Youth exchange", 12),
    ("school-exchange", "Wymiana szkolna", "School exchange", 10),
    ("sports-event", "Zawody sportowe", "Sports event", 9),
    ("exhibition", "Wystawa", "Exhibition", 7),
    ("festival", "Festiwal", "Festival", 6),
    ("city-festival", "Dni miasta", "Town festival", 5),
    ("fair", "Targi", "Fair", 4),
    ("conference", "Konferencja", "Conference", 4),
    ("anniversary", "Jubileusz partnerstwa", "Partnership anniversary", 3),
    ("language-camp", "Obóz językowy", "Language camp", 2),
    ("theatre-performance", "Spektakl", "Theatre performance", 2),
    ("tournament", "Turniej", "Tournament", 1),
    ("signing", "Podpisanie umowy", "Signing", 1),
)
PERFORMING: Final = frozenset({"concert", "festival", "theatre-performance", "city-festival"})
INSTITUTION_TYPES: Final = (
    ("school", "Szkoła", "School", 20),
    ("secondary-school", "Liceum", "Secondary school", 12),
    ("primary-school", "Szkoła podstawowa", "Primary school", 10),
    ("sports-club", "Klub sportowy", "Sports club", 10),
    ("choir", "Chór", "Choir", 8),
    ("culture-centre", "Dom kultury", "Culture centre", 8),
    ("association", "Stowarzyszenie", "Association", 8),
    ("orchestra", "Orkiestra", "Orchestra", 5),
    ("dance-group", "Zespół taneczny", "Dance group", 5),
    ("theatre", "Teatr", "Theatre", 3),
    ("chamber-of-commerce", "Izba gospodarcza", "Chamber of commerce", 3),
    ("library", "Biblioteka", "Library", 3),
    ("friendship-society", "Towarzystwo przyjaźni", "Friendship society", 3),
    ("city-office", "Urząd miasta", "City office", 2),
)
MONTHS_PL: Final = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
    "października", "listopada", "grudnia",
)  # fmt: skip


# --- small helpers -------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by ``-`` (the project's slug rule)."""
    plain = unicodedata.normalize("NFKD", text.translate(ASCII_FIXES))
    ascii_text = plain.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _transliterate(text: str, table: dict[str, str]) -> str:
    out: list[str] = []
    lower = text.lower()
    i = 0
    keys = sorted(table, key=len, reverse=True)
    while i < len(lower):
        for key in keys:
            if lower.startswith(key, i):
                chunk = table[key]
                out.append(chunk.upper() if text[i].isupper() else chunk)
                i += len(key)
                break
        else:
            out.append(text[i])
            i += 1
    result = "".join(out)
    if table is GREEK and result.endswith("\u03c3"):  # a final sigma
        result = result[:-1] + "\u03c2"
    return result


def literal(text: str, lang: str) -> str:
    """A Turtle language-tagged string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}'


def typed(value: str, datatype: str) -> str:
    """A Turtle typed literal with an ``xsd:`` datatype."""
    return f'"{value}"^^xsd:{datatype}'


class Weighted:
    """Draw items by fixed weights (bisect on cumulative weights: deterministic, O(log n))."""

    def __init__(self, items: Sequence[object], weights: Iterable[float]) -> None:
        self.items = items
        self.cumulative: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> object:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]


# --- the world -----------------------------------------------------------------------------------


@dataclass
class Town:
    """A synthetic municipality."""

    gid: int
    slug: str
    name: str
    native: str
    country: Country
    lat: float
    lon: float
    kind: str
    alt: tuple[str, str] | None = None
    degree: int = 0


@dataclass
class Institution:
    """A synthetic school, club, ensemble… based in a town and carrying out one partnership."""

    slug: str
    kind: tuple[str, str, str, int]
    number: int
    town: Town


@dataclass
class Partnership:
    """A synthetic partnership of two towns (``a`` leads: its country's file holds it)."""

    index: int
    a: Town
    b: Town
    year: int = 0
    start: str = ""
    signing: str = ""
    status: str = "active"
    end: str | None = None
    domains: list[str] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    events: int = 0

    @property
    def slug(self) -> str:
        return f"{self.a.slug}-{self.b.slug}"


def _name(rng: random.Random, style: str) -> str:
    onsets, middles, endings, prefixes = STYLES[style]
    base = rng.choice(onsets) + rng.choice(middles) + rng.choice(endings)
    base = base[0].upper() + base[1:]
    if rng.random() < 0.08:
        prefix = rng.choice(prefixes)
        return prefix + base if prefix.endswith(("-", " ")) else f"{prefix} {base}"
    return base


def _native(name: str, country: Country) -> str:
    if country.style == "cyr":
        return _transliterate(name, CYRILLIC)
    if country.style == "el":
        return _transliterate(name, GREEK)
    return name


def _date(rng: random.Random, year: int, weights: tuple[float, float]) -> tuple[str, str]:
    """``(turtle literal, full xsd:date string)`` of a date in ``year`` of a random precision."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    full = f"{year:04d}-{month:02d}-{day:02d}"
    u = rng.random()
    if u < weights[0]:
        return typed(full, "date"), full
    if u < weights[1]:
        return typed(full[:7], "gYearMonth"), full
    return typed(f"{year:04d}", "gYear"), full


class World:
    """The synthetic world of one size and seed."""

    def __init__(self, size: str, seed: int = DEFAULT_SEED) -> None:
        self.size = size
        self.seed = seed
        self.scale = SIZES[size]
        self.rng = random.Random(  # noqa: S311  # reproducible, not secret
            f"twinning-kg-bench/{seed}/{size}"
        )
        self.towns: list[Town] = []
        self.partnerships: list[Partnership] = []
        self.institutions = 0
        self._make_towns()
        self._make_partnerships()
        self._make_institutions()
        self._plan_events()

    def _make_towns(self) -> None:
        rng = self.rng
        total_weight = sum(c.weight for c in COUNTRIES)
        counts = [max(1, self.scale.towns * c.weight // total_weight) for c in COUNTRIES]
        i = 0
        while sum(counts) < self.scale.towns:
            counts[i % len(counts)] += 1
            i += 1
        used: set[str] = set()
        for country, count in zip(COUNTRIES, counts, strict=True):
            for n in range(count):
                if country.slug == "poland" and n == 0:
                    name = "Nowe Siedlisko"  # the hub the queries ask about
                elif country.slug == "germany" and n == 0:
                    name = "Neustadt am Testbach"  # the hub's first partner
                else:
                    name = _name(rng, country.style)
                slug = f"{slugify(name)}-{country.iso.lower()}{n}"
                assert slug not in used  # noqa: S101  # iso + running number keeps them apart
                used.add(slug)
                spread = 3.0 if country.slug not in ("united-states", "china") else 12.0
                town = Town(
                    gid=len(self.towns),
                    slug=slug,
                    name=name,
                    native=_native(name, country),
                    country=country,
                    lat=max(-89.0, min(89.0, country.lat + rng.uniform(-spread, spread) / 2)),
                    lon=country.lon + rng.uniform(-spread, spread),
                    kind=rng.choice(MUNICIPALITY_TYPES),
                )
                if rng.random() < 0.1:
                    style = rng.choice(tuple(ALT_LANGUAGES))
                    town.alt = (_name(rng, style), ALT_LANGUAGES[style])
                self.towns.append(town)

    def _make_partnerships(self) -> None:
        rng = self.rng
        hub = self.towns[0]
        second = next(t for t in self.towns if t.country.slug == "germany")
        others = [t for t in self.towns if t is not hub and t is not second]
        rng.shuffle(others)
        ranked = [hub, second, *others]  # rank 0 is the most twinned
        popularity = Weighted(ranked, ((r + 10) ** -0.8 for r in range(len(ranked))))
        rank_of = {t.gid: r for r, t in enumerate(ranked)}
        pairs: set[tuple[int, int]] = set()

        def link(a: Town, b: Town) -> bool:
            key = (min(a.gid, b.gid), max(a.gid, b.gid))
            if a is b or key in pairs:
                return False
            pairs.add(key)
            first, other = (a, b) if rank_of[a.gid] < rank_of[b.gid] else (b, a)
            self.partnerships.append(Partnership(len(self.partnerships), first, other))
            a.degree += 1
            b.degree += 1
            return True

        link(hub, second)
        # Every town has at least one partner; the partner is drawn by popularity, mostly abroad.
        for town in rng.sample(others, len(others)):
            if town.degree or len(self.partnerships) >= self.scale.partnerships:
                continue
            for _ in range(50):
                partner = popularity.draw(rng)
                assert isinstance(partner, Town)  # noqa: S101
                if partner.country is town.country and rng.random() < 0.9:
                    continue
                if link(town, partner):
                    break
        # The rest: both ends drawn by popularity (a power law of partner counts).
        while len(self.partnerships) < self.scale.partnerships:
            a, b = popularity.draw(rng), popularity.draw(rng)
            assert isinstance(a, Town) and isinstance(b, Town)  # noqa: S101
            if a.country is b.country and rng.random() < 0.9:
                continue
            link(a, b)
        for p in self.partnerships:
            self._date_partnership(p)

    def _date_partnership(self, p: Partnership) -> None:
        rng = self.rng
        p.year = min(2024, int(rng.triangular(1950, 2025, 1998)))
        p.start, p.signing = _date(rng, p.year, (0.55, 0.8))
        u = rng.random()
        if u < 0.06:
            p.status = "suspended"
        elif u < 0.18:
            p.status = "ended"
            end_year = rng.randint(min(p.year + 1, 2024), 2024)
            p.end = _date(rng, end_year, (0.5, 0.5))[0]
        weighted = Weighted([d[0] for d in DOMAINS], [d[3] for d in DOMAINS])
        count = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
        while len(p.domains) < count:
            domain = weighted.draw(rng)
            assert isinstance(domain, str)  # noqa: S101
            if domain not in p.domains:
                p.domains.append(domain)

    def _make_institutions(self) -> None:
        rng = self.rng
        kinds = Weighted(INSTITUTION_TYPES, [k[3] for k in INSTITUTION_TYPES])
        numbers: dict[tuple[int, str], int] = {}
        for _ in range(self.scale.institutions):
            p = self.partnerships[rng.randrange(len(self.partnerships))]
            town = p.a if rng.random() < 0.5 else p.b
            kind = kinds.draw(rng)
            assert isinstance(kind, tuple)  # noqa: S101
            number = numbers.get((town.gid, kind[0]), 0) + 1
            numbers[(town.gid, kind[0])] = number
            slug = f"{kind[0]}-{town.slug}-{number}"
            p.institutions.append(Institution(slug, kind, number, town))
            self.institutions += 1

    def _plan_events(self) -> None:
        rng = self.rng
        order = self.partnerships[1:]
        rng.shuffle(order)
        ranked = [self.partnerships[0], *order]
        busy = Weighted(ranked, ((r + 20) ** -0.7 for r in range(len(ranked))))
        for _ in range(self.scale.events):
            p = busy.draw(rng)
            assert isinstance(p, Partnership)  # noqa: S101
            p.events += 1


# --- writing Turtle ------------------------------------------------------------------------------


class TurtleFile:
    """One Turtle document, built as lines; counts the triples it holds."""

    def __init__(self, title: str, world: World) -> None:
        self.triples = 0
        self.lines = [
            f"# SYNTHETIC benchmark data: {title}.",
            "# Generated by bench/generate.py "
            f"(size {world.size}, seed {world.seed}, generator version {GENERATOR_VERSION}).",
            "# Nothing here is real: towns, names, coordinates, Wikidata IDs (all above "
            f"Q{FAKE_QID_BASE}), partnerships and events are invented.",
            "",
            *(f"@prefix {p}: <{iri}> ." for p, iri in PREFIXES.items()),
            "",
        ]

    def block(self, subject: str, rdf_type: str | None, pairs: list[tuple[str, list[str]]]) -> None:
        """``subject a rdf_type ; p o , o ; …`` for the pairs whose object list is not empty."""
        body = [(p, objs) for p, objs in pairs if objs]
        lines = [subject]
        if rdf_type:
            body.insert(0, ("a", [rdf_type]))
        for i, (predicate, objects) in enumerate(body):
            end = " ." if i == len(body) - 1 else " ;"
            lines.append(f"    {predicate} {' , '.join(objects)}{end}")
            self.triples += len(objects)
        self.lines.extend(lines)
        self.lines.append("")

    def triple(self, s: str, p: str, o: str) -> None:
        """A one-line triple."""
        self.lines.append(f"{s} {p} {o} .")
        self.triples += 1

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


DATASET_SOURCE: Final = "source:synthetic-benchmark"


def _source_of(country: Country) -> str:
    return f"source:synthetic-register-{country.slug}"


def _town_block(out: TurtleFile, town: Town) -> None:
    c = town.country
    labels = [literal(town.name, "pl"), literal(town.name, "en")]
    out.block(
        f"municipality:{town.slug}",
        "twin:Municipality",
        [
            ("rdfs:label", labels),
            ("twin:nativeName", [literal(town.native, c.lang)]),
            ("skos:altLabel", [literal(*town.alt)] if town.alt else []),
            ("twin:municipalityType", [f"municipality-type:{town.kind}"]),
            ("twin:country", [f"country:{c.slug}"]),
            ("owl:sameAs", [f"wd:Q{FAKE_QID_BASE + town.gid}"]),
            ("geo:lat", [f"{town.lat:.5f}"]),
            ("geo:long", [f"{town.lon:.5f}"]),
            ("prov:wasDerivedFrom", [_source_of(c)]),
        ],
    )


def _partnership_blocks(out: TurtleFile, p: Partnership, rng: random.Random) -> None:
    a, b = p.a, p.b
    source = [_source_of(a.country)]
    pair_pl, pair_en = f"{a.name} {DASH} {b.name}", f"{a.name} {DASH} {b.name}"
    agreement = f"agreement:{p.slug}-{p.signing[:4]}"
    out.block(
        f"partnership:{p.slug}",
        "twin:Partnership",
        [
            (
                "rdfs:label",
                [literal(f"Partnerstwo {pair_pl}", "pl"), literal(f"{pair_en} partnership", "en")],
            ),
            ("twin:partner", [f"municipality:{a.slug}", f"municipality:{b.slug}"]),
            ("twin:status", [f"status:{p.status}"]),
            ("twin:startDate", [p.start]),
            ("twin:endDate", [p.end] if p.end else []),
            ("twin:agreement", [agreement]),
            ("twin:domain", [f"domain:{d}" for d in p.domains]),
            ("twin:carriedOutBy", [f"institution:{i.slug}" for i in p.institutions]),
            ("prov:wasDerivedFrom", source),
        ],
    )
    out.triple(f"municipality:{a.slug}", "twin:twinnedWith", f"municipality:{b.slug}")
    out.triple(f"municipality:{b.slug}", "twin:twinnedWith", f"municipality:{a.slug}")
    out.lines.append("")
    year, month, day = p.signing.split("-")
    out.block(
        agreement,
        "twin:Agreement",
        [
            (
                "rdfs:label",
                [
                    literal(f"Umowa partnerska {pair_pl} ({year})", "pl"),
                    literal(f"{pair_en} twinning agreement ({year})", "en"),
                ],
            ),
            ("twin:signingDate", [typed(p.signing, "date")]),
            ("twin:party", [f"municipality:{a.slug}", f"municipality:{b.slug}"]),
            (
                "dcterms:description",
                [
                    literal(
                        f"Umowa podpisana {int(day)} {MONTHS_PL[int(month) - 1]} {year} r.", "pl"
                    ),
                    literal(f"Agreement signed on {p.signing}.", "en"),
                ],
            )
            if rng.random() < 0.1
            else ("dcterms:description", []),
            ("prov:wasDerivedFrom", source),
        ],
    )
    for inst in p.institutions:
        _, kind_pl, kind_en, _ = inst.kind
        out.block(
            f"institution:{inst.slug}",
            "twin:Institution",
            [
                (
                    "rdfs:label",
                    [
                        literal(f"{kind_pl} nr {inst.number} {DASH} {inst.town.name}", "pl"),
                        literal(f"{kind_en} No. {inst.number}, {inst.town.name}", "en"),
                    ],
                ),
                ("twin:institutionType", [f"institution-type:{inst.kind[0]}"]),
                ("twin:basedIn", [f"municipality:{inst.town.slug}"]),
                ("twin:country", [f"country:{inst.town.country.slug}"]),
                ("twin:partnership", [f"partnership:{p.slug}"]),
                ("prov:wasDerivedFrom", [_source_of(inst.town.country)]),
            ],
        )
    _event_blocks(out, p, rng, source)


def _event_blocks(out: TurtleFile, p: Partnership, rng: random.Random, source: list[str]) -> None:
    types = Weighted(EVENT_TYPES, [t[3] for t in EVENT_TYPES])
    for k in range(1, p.events + 1):
        kind = types.draw(rng)
        assert isinstance(kind, tuple)  # noqa: S101
        kinds = [kind]
        if rng.random() < 0.15:
            extra = types.draw(rng)
            assert isinstance(extra, tuple)  # noqa: S101
            if extra is not kind:
                kinds.append(extra)
        year = rng.randint(p.year, 2024)
        place = p.a if rng.random() < 0.5 else p.b
        u = rng.random()
        dates: list[tuple[str, list[str]]]
        if u < 0.05:
            dates = [
                ("twin:startDate", [typed(str(year), "gYear")]),
                ("twin:endDate", [typed(str(min(2024, year + rng.randint(1, 3))), "gYear")]),
                ("twin:recurrence", [literal("co roku", "pl"), literal("every year", "en")]),
            ]
        else:
            dates = [("twin:date", [_date(rng, year, (0.45, 0.8))[0]])]
        organizer: list[str] = []
        performer: list[str] = []
        if p.institutions and rng.random() < 0.3:
            organizer.append(f"institution:{rng.choice(p.institutions).slug}")
        elif rng.random() < 0.3:
            organizer.append(f"municipality:{place.slug}")
        if kind[0] in PERFORMING and p.institutions:
            performer.append(f"institution:{rng.choice(p.institutions).slug}")
        domain = [f"domain:{rng.choice(p.domains)}"] if rng.random() < 0.5 else []
        out.block(
            f"event:{p.slug}-{k}",
            "twin:Event",
            [
                (
                    "rdfs:label",
                    [
                        literal(f"{kind[1]}: {p.a.name} {DASH} {p.b.name} ({year})", "pl"),
                        literal(f"{kind[2]}: {p.a.name} {DASH} {p.b.name} ({year})", "en"),
                    ],
                ),
                ("twin:eventType", [f"event-type:{t[0]}" for t in kinds]),
                *dates,
                ("twin:place", [f"municipality:{place.slug}"]),
                ("twin:organizer", organizer),
                ("twin:performer", performer),
                ("twin:partnership", [f"partnership:{p.slug}"]),
                ("twin:domain", domain),
                ("prov:wasDerivedFrom", source),
            ],
        )


def render(world: World) -> dict[str, TurtleFile]:
    """Every file of the world, by file name, in a fixed order."""
    files: dict[str, TurtleFile] = {}
    sources = TurtleFile("the synthetic sources", world)
    sources.block(
        DATASET_SOURCE,
        "twin:Source",
        [
            (
                "rdfs:label",
                [
                    literal("Syntetyczne dane testowe (nieprawdziwe)", "pl"),
                    literal("Synthetic benchmark data (not real)", "en"),
                ],
            ),
            (
                "dcterms:description",
                [
                    literal(
                        "Wygenerowane przez bench/generate.py do pomiarów wydajności; "
                        "żadne miasto ani partnerstwo nie jest prawdziwe.",
                        "pl",
                    ),
                    literal(
                        "Generated by bench/generate.py for performance measurements; "
                        "no town or partnership in it is real.",
                        "en",
                    ),
                ],
            ),
        ],
    )
    countries = TurtleFile("the countries of the synthetic world", world)
    for c in COUNTRIES:
        sources.block(
            _source_of(c),
            "twin:Source",
            [
                (
                    "rdfs:label",
                    [
                        literal(f"Syntetyczny rejestr: {c.pl}", "pl"),
                        literal(f"Synthetic register: {c.en}", "en"),
                    ],
                ),
                ("prov:wasDerivedFrom", [DATASET_SOURCE]),
            ],
        )
        countries.block(
            f"country:{c.slug}",
            "twin:Country",
            [
                ("rdfs:label", [literal(c.pl, "pl"), literal(c.en, "en")]),
                ("twin:iso3166Code", [f'"{c.iso}"']),
                (
                    "twin:wikidataNote",
                    [
                        literal("Dane syntetyczne: bez identyfikatora Wikidata.", "pl"),
                        literal("Synthetic data: no Wikidata ID.", "en"),
                    ],
                ),
                ("geo:lat", [f"{c.lat:.5f}"]),
                ("geo:long", [f"{c.lon:.5f}"]),
                ("prov:wasDerivedFrom", [_source_of(c)]),
            ],
        )
    files["sources.ttl"] = sources
    files["countries.ttl"] = countries
    blocks = {c.slug: TurtleFile(f"towns and partnerships of {c.en}", world) for c in COUNTRIES}
    for town in world.towns:
        _town_block(blocks[town.country.slug], town)
    rng = random.Random(  # noqa: S311  # reproducible, not secret
        f"twinning-kg-bench/{world.seed}/{world.size}/text"
    )
    for p in world.partnerships:
        _partnership_blocks(blocks[p.a.country.slug], p, rng)
    for slug, block in blocks.items():
        files[f"{slug}.ttl"] = block
    return files


def _samples(world: World, count: int = 200) -> dict[str, list[str]]:
    rng = random.Random(  # noqa: S311  # reproducible, not secret
        f"twinning-kg-bench/{world.seed}/{world.size}/samples"
    )
    towns = rng.sample(world.towns, min(count, len(world.towns)))
    partnerships = rng.sample(world.partnerships, min(count, len(world.partnerships)))
    return {
        "municipality": [f"id/municipality/{t.slug}" for t in towns],
        "partnership": [f"id/partnership/{p.slug}" for p in partnerships],
    }


def generate(size: str, out: Path, *, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Write the world's Turtle files to ``out/data/`` and ``out/manifest.json``; return the latter.

    Files already there from an earlier run of another size or seed are removed.
    """
    world = World(size, seed)
    files = render(world)
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for stale in data.glob("*.ttl"):
        if stale.name not in files:
            stale.unlink()
    digest = hashlib.sha256()
    triples = 0
    for name, turtle in files.items():
        body = turtle.text().encode("utf-8")
        digest.update(name.encode() + b"\0" + body)
        (data / name).write_bytes(body)
        triples += turtle.triples
    hub = world.towns[0]
    first = world.partnerships[0]
    manifest: dict[str, object] = {
        "synthetic": True,
        "size": size,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "sha256": digest.hexdigest(),
        "triples": triples,
        "files": len(files),
        "counts": {
            "municipalities": len(world.towns),
            "partnerships": len(world.partnerships),
            "agreements": len(world.partnerships),
            "institutions": world.institutions,
            "events": sum(p.events for p in world.partnerships),
            "countries": len(COUNTRIES),
            "hub_partners": hub.degree,
            "max_partners": max(t.degree for t in world.towns),
            "first_partnership_events": first.events,
        },
        "hub": f"id/municipality/{hub.slug}",
        "first_partnership": f"id/partnership/{first.slug}",
        "samples": _samples(world),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="folder to write (default var/bench/SIZE)")
    args = parser.parse_args(argv)
    out = args.out or Path("var") / "bench" / args.size
    manifest = generate(args.size, out, seed=args.seed)
    counts = manifest["counts"]
    print(f"{out}/data: {manifest['triples']} triples in {manifest['files']} files, {counts}")
    print(f"sha256 {manifest['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
