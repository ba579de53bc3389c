"""The search benchmark's labelled set: comments planted in the data, and what must find them.

Each query names the planted comments it must find (anywhere in its pages, as an
anonymous reader sees them) and those it must not: the other half of a phrase test, a
word left out with a minus, a hidden comment. Every query holds at least one word that
only plants use (a place name, mostly; tests/test_bench_search.py checks it against the
generator's vocabulary), so its results are the plants plus, at most, a few generated
comments, whatever the size of the data.

The same set runs in bench/search.py on 100,000 generated comments (planted by
bench/search_data.py's bulk inserts) and in tests/test_bench_search.py on the suite's
own database (planted through the posting services), so a regression fails CI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.policy import ANONYMOUS, Purpose, read_as
from app.search import params, service


@dataclass(frozen=True)
class Plant:
    key: str
    lang: str
    body: str  # Markdown, as its author typed it
    translation: tuple[str, str] | None = None  # the author's own: (lang, Markdown)
    hidden: bool = False  # hidden by a moderator: no anonymous search may find it


@dataclass(frozen=True)
class Labelled:
    q: str
    find: tuple[str, ...]  # plant keys
    avoid: tuple[str, ...] = ()
    what: str = ""  # what the query tests
    # The plants must be found through their author's translation (the entry that matched).
    via_translation: bool = False


PLANTS: tuple[Plant, ...] = (
    # English
    Plant(
        "en-mombasa",
        "en",
        "Remittances sent home through the Mombasa corridor still lose close to nine "
        "percent to fees and poor exchange rates. Families told us they wait days for a "
        "cash pickup; mobile wallets could cut that cost if regulators let them work together.",
    ),
    Plant(
        "en-huelva",
        "en",
        "Seasonal workers picking **strawberries** near Huelva were housed in containers far "
        "from town. The employer deducted rent from their wages without any written "
        "contract, and nobody checked.",
    ),
    Plant(
        "en-kisumu-shop",
        "en",
        "Returning migrants in Kisumu asked for a one-stop shop where they can register "
        "their skills, find training and get advice on starting a business, instead of "
        "visiting five offices in turn.",
    ),
    Plant(
        "en-kisumu-apart",
        "en",
        "In Kisumu the bus makes one more stop before the market, so anyone who wants to "
        "shop there loses an hour: transport is a barrier to jobs for people who come back.",
    ),
    Plant(
        "en-dhaka-agents",
        "en",
        "Recruitment fees charged in Dhaka by licensed agents can reach a year of wages. "
        "Employers should pay them, as the standards already say.",
    ),
    Plant(
        "en-dhaka-brokers",
        "en",
        "Recruitment in Dhaka often runs through informal brokers who collect fees twice: "
        "once before departure and again on arrival.",
    ),
    Plant(
        "en-manila",
        "en",
        "Qualifications obtained in Manila are rarely recognised abroad, so trained nurses "
        "end up working as carers for years before anyone looks at their diplomas.",
    ),
    Plant(
        "en-lusaka",
        "en",
        "Low-income households in Lusaka depend on money from relatives abroad more than on "
        "any public programme; the transfer fees fall hardest on them.",
    ),
    Plant(
        "en-nairobi",
        "en",
        "By 2031 the county of Nairobi plans to open three migrant resource centres with "
        "legal aid and language courses, if the national budget follows.",
    ),
    Plant(
        "en-kathmandu",
        "en",
        "Kathmandu agencies advertise visas for jobs that do not exist; a public register "
        "of licensed agencies would help families check before they pay.",
    ),
    Plant(
        "en-tromso",
        "en",
        "Fish processing plants around Tromsø employ many women from abroad on short "
        "contracts with night shifts and little say over their hours.",
        translation=(
            "fr",
            "Les usines de poisson autour de Tromsø emploient beaucoup de femmes venues de "
            "l'étranger : ces transformatrices travaillent de nuit, avec des contrats courts.",
        ),
    ),
    Plant(
        "en-lampedusa",
        "en",
        "Rescue at sea near Lampedusa must never be treated as a crime; the volunteers who "
        "brought people ashore deserve protection, not trials.",
    ),
    Plant(
        "en-lampedusa-hidden",
        "en",
        "Rescue boats near Lampedusa are a business for smugglers and everyone knows who "
        "runs them (a moderator hid this comment).",
        hidden=True,
    ),
    # Spanish
    Plant(
        "es-oaxaca",
        "es",
        "La migración desde Oaxaca hacia el norte ha vaciado pueblos enteros; las remesas "
        "sostienen las escuelas pero no crean empleo local.",
    ),
    Plant(
        "es-tijuana",
        "es",
        # Typed without accents, as many people write on a phone.
        "La educacion de los hijos en Tijuana se interrumpe cada vez que la familia espera "
        "una cita de asilo, a veces durante meses.",
    ),
    Plant(
        "es-valparaiso",
        "es",
        "Una trabajadora del hogar en Valparaíso nos contó que su empleadora guardaba su "
        "pasaporte en un cajón con llave.",
    ),
    Plant(
        "es-jaen",
        "es",
        "Las trabajadoras agrícolas de Jaén recogen aceituna sin baños ni sombra en los "
        "olivares, y cobran por kilo.",
    ),
    Plant(
        "es-huelva",
        "es",
        "Las temporeras de Huelva denunciaron acoso en las fincas de fresa y nadie les "
        "explicó cómo presentar una queja.",
    ),
    Plant(
        "es-guayaquil-phrase",
        "es",
        "Sin permiso de trabajo en Guayaquil, los recién llegados aceptan cualquier jornal "
        "que les ofrezcan.",
    ),
    Plant(
        "es-guayaquil-apart",
        "es",
        "En Guayaquil el trabajo informal no pide permiso a nadie, y de eso viven miles de "
        "familias.",
    ),
    Plant(
        "es-melilla-adults",
        "es",
        "Los albergues de Melilla para adultos están llenos desde el verano y faltan "
        "intérpretes en todos los turnos.",
    ),
    Plant(
        "es-melilla-minors",
        "es",
        "Los albergues de Melilla que acogen a menores no separan a los niños de los adultos.",
    ),
    Plant(
        "es-chiapas",
        "es",
        "La migración temporal entre Chiapas y Guatemala depende de permisos que caducan "
        "antes de que termine la cosecha.",
    ),
    Plant(
        "es-cochabamba",
        "es",
        "Las cuidadoras de Cochabamba que trabajan en Madrid envían casi todo su sueldo a "
        "sus hijos.",
        translation=(
            "en",
            "The caregivers from Cochabamba who work in Madrid send almost all their pay to "
            "their children.",
        ),
    ),
    # French
    Plant(
        "fr-agadir",
        "fr",
        "Les travailleurs saisonniers d'Agadir partent chaque printemps vers les champs du "
        "nord, sans savoir s'ils seront logés.",
    ),
    Plant(
        "fr-gdansk",
        "fr",
        "Un travailleur détaché à Gdańsk touche moins que ses collègues pour le même "
        "chantier, et personne ne vérifie ses heures.",
    ),
    Plant(
        "fr-ouagadougou",
        "fr",
        "La société civile de Ouagadougou demande à être consultée avant chaque accord de "
        "réadmission.",
    ),
    Plant(
        "fr-dakar",
        "fr",
        "L'intégration des familles à Dakar passe par l'école et par la reconnaissance des "
        "diplômes obtenus ailleurs.",
    ),
    Plant(
        "fr-nouakchott",
        "fr",
        "La main-d'œuvre de Nouakchott vient en grande partie des pays voisins, presque "
        "toujours sans contrat écrit.",
    ),
    Plant(
        "fr-annecy-phrase",
        "fr",
        "Sans titre de séjour à Annecy, impossible de signer un bail ou d'ouvrir un compte.",
    ),
    Plant(
        "fr-annecy-apart",
        "fr",
        "À Annecy, le séjour des saisonniers dépend souvent d'un titre de transport payé "
        "par l'employeur.",
    ),
    Plant(
        "fr-calais-men",
        "fr",
        "La rétention administrative à Calais touche surtout des hommes seuls arrêtés près "
        "du port.",
    ),
    Plant(
        "fr-calais-children",
        "fr",
        "La rétention à Calais concerne aussi des familles avec enfants, ce que la loi "
        "devrait interdire.",
    ),
    Plant(
        "fr-mendoza",
        "fr",
        "Les vendangeurs venus de Mendoza sont logés par l'exploitant, qui retient le loyer "
        "sur leur paie.",
        translation=(
            "es",
            "Los vendimiadores que vienen de Mendoza se alojan con el productor, que "
            "descuenta el alquiler de su paga.",
        ),
    ),
)

QUERIES: tuple[Labelled, ...] = (
    Labelled("remittance mombasa", ("en-mombasa",), what="singular finds plural"),
    Labelled("Remittances MOMBASA", ("en-mombasa",), what="case"),
    Labelled("strawberry huelva", ("en-huelva",), what="plural in the text (-ies)"),
    Labelled("huelva", ("en-huelva", "es-huelva"), what="one word, texts in two languages"),
    Labelled(
        '"one-stop shop" kisumu',
        ("en-kisumu-shop",),
        ("en-kisumu-apart",),
        what="phrase in quotes (the same words apart do not match)",
    ),
    Labelled(
        "one-stop kisumu",
        ("en-kisumu-shop",),
        ("en-kisumu-apart",),
        what="hyphenated word typed bare: its parts in order",
    ),
    Labelled(
        "recruitment dhaka -brokers",
        ("en-dhaka-agents",),
        ("en-dhaka-brokers",),
        what="excluded word",
    ),
    Labelled(
        'recruitment dhaka -"informal brokers"',
        ("en-dhaka-agents",),
        ("en-dhaka-brokers",),
        what="excluded phrase",
    ),
    Labelled("recognising qualification manila", ("en-manila",), what="verb and noun forms"),
    Labelled("low-income lusaka", ("en-lusaka",), what="hyphenated word as typed"),
    Labelled("low income lusaka", ("en-lusaka",), what="hyphenated word typed as two"),
    Labelled("nairobi 2031", ("en-nairobi",), what="a number"),
    Labelled("visa kathmandu", ("en-kathmandu",), what="singular finds plural"),
    Labelled(
        "lampedusa rescue",
        ("en-lampedusa",),
        ("en-lampedusa-hidden",),
        what="a hidden comment is not found",
    ),
    Labelled(
        "caregiver cochabamba",
        ("es-cochabamba",),
        what="Spanish comment found by its author's English translation",
        via_translation=True,
    ),
    Labelled("migracion oaxaca", ("es-oaxaca",), what="accent left out in the search"),
    Labelled("MIGRACIÓN Oaxaca", ("es-oaxaca",), what="accent and capitals in the search"),
    Labelled("educación tijuana", ("es-tijuana",), what="accent left out in the text"),
    Labelled("trabajadoras valparaiso", ("es-valparaiso",), what="plural finds singular"),
    Labelled("trabajadora jaen", ("es-jaen",), what="singular finds plural, accent left out"),
    Labelled(
        '"permiso de trabajo" guayaquil',
        ("es-guayaquil-phrase",),
        ("es-guayaquil-apart",),
        what="phrase in quotes",
    ),
    Labelled(
        "albergue melilla -menores",
        ("es-melilla-adults",),
        ("es-melilla-minors",),
        what="excluded word",
    ),
    Labelled("migraciones chiapas", ("es-chiapas",), what="plural finds singular (-ones)"),
    Labelled(
        "vendimiador mendoza",
        ("fr-mendoza",),
        what="French comment found by its author's Spanish translation",
        via_translation=True,
    ),
    Labelled("travailleur agadir", ("fr-agadir",), what="singular finds plural"),
    Labelled("travailleurs gdansk", ("fr-gdansk",), what="plural finds singular; ń typed n"),
    Labelled("societe ouagadougou", ("fr-ouagadougou",), what="accents left out"),
    Labelled("integration dakar", ("fr-dakar",), what="word after an elision (l')"),
    Labelled("oeuvre nouakchott", ("fr-nouakchott",), what="œ typed oe"),
    Labelled(
        '"main-d\'oeuvre" nouakchott',
        ("fr-nouakchott",),
        what="phrase with a hyphen and an apostrophe",
    ),
    Labelled(
        '"titre de séjour" annecy',
        ("fr-annecy-phrase",),
        ("fr-annecy-apart",),
        what="phrase in quotes",
    ),
    Labelled(
        "rétention calais -enfants",
        ("fr-calais-men",),
        ("fr-calais-children",),
        what="excluded word",
    ),
    Labelled(
        "transformatrices tromso",
        ("en-tromso",),
        what="English comment found by its author's French translation; ø typed o",
        via_translation=True,
    ),
)


@dataclass
class Outcome:
    query: Labelled
    total: int = 0
    pages: int = 0
    # Planted keys found, with their rank (1 = first result) and whether by a translation.
    found: dict[str, tuple[int, bool]] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [
            key
            for key in self.query.find
            if key not in self.found or (self.query.via_translation and not self.found[key][1])
        ]

    @property
    def unwanted(self) -> list[str]:
        return [key for key in self.query.avoid if key in self.found]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unwanted

    def describe(self) -> str:
        problems = []
        if self.missing:
            problems.append("missing " + ", ".join(self.missing))
        if self.unwanted:
            problems.append("found " + ", ".join(self.unwanted))
        return f"{self.query.q!r} ({self.query.what}): " + (
            "; ".join(problems) if problems else "ok"
        )


def run(db: Session, query: Labelled, plants: dict[str, int], *, lang: str = "en") -> Outcome:
    """Search as an anonymous reader, every page, and see which plants came back."""
    keys = {comment_id: key for key, comment_id in plants.items()}
    outcome = Outcome(query)
    read_as(db, ANONYMOUS)
    try:
        page, rank = 1, 0
        while True:
            asked = params.read({"q": query.q, "page": str(page)})
            results = service.search(db, ANONYMOUS, asked, lang=lang)
            outcome.total, outcome.pages = results.total, results.pages
            for hit in results.hits:
                rank += 1
                key = keys.get(hit.comment_id)
                if key is not None and key not in outcome.found:
                    outcome.found[key] = (rank, hit.translated)
            if page >= results.pages:
                return outcome
            page += 1
    finally:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)


def run_all(db: Session, plants: dict[str, int]) -> list[Outcome]:
    return [run(db, query, plants) for query in QUERIES]


def recall(outcomes: list[Outcome]) -> tuple[int, int]:
    """Must-find plants found, out of all the must-find plants of the set."""
    wanted = sum(len(o.query.find) for o in outcomes)
    return wanted - sum(len(o.missing) for o in outcomes), wanted
