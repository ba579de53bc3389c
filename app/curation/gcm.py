"""The built-in taxonomy: the 23 objectives of the Global Compact for Migration.

Labels are short working titles in each UI language, written for tagging (not the
official wording); the code is the objective's number. `suggest` finds the objectives a
text names ("objective 3", "objectives 3, 7 and 17", "objetivo 1", "objectif 17").
"""

from __future__ import annotations

import re

TAXONOMY = "gcm"

OBJECTIVES: dict[int, dict[str, str]] = {
    1: {
        "en": "Accurate data as a basis for policy",
        "fr": "Des données fiables pour fonder les politiques",
        "es": "Datos fiables como base de las políticas",
    },
    2: {
        "en": "Reduce the adverse drivers of migration",
        "fr": "Réduire les facteurs négatifs de migration",
        "es": "Reducir los factores adversos que impulsan la migración",
    },
    3: {
        "en": "Timely information at every stage",
        "fr": "Une information à jour à chaque étape",
        "es": "Información oportuna en cada etapa",
    },
    4: {
        "en": "Proof of identity and documents for all",
        "fr": "Preuve d'identité et documents pour tous",
        "es": "Prueba de identidad y documentos para todas las personas",
    },
    5: {
        "en": "More and more flexible regular pathways",
        "fr": "Des voies régulières plus nombreuses et plus souples",
        "es": "Vías regulares más numerosas y flexibles",
    },
    6: {
        "en": "Fair recruitment and decent work",
        "fr": "Recrutement équitable et travail décent",
        "es": "Contratación equitativa y trabajo decente",
    },
    7: {
        "en": "Reduce vulnerabilities in migration",
        "fr": "Réduire les vulnérabilités liées à la migration",
        "es": "Reducir las vulnerabilidades en la migración",
    },
    8: {
        "en": "Save lives; coordinate on missing migrants",
        "fr": "Sauver des vies ; coordonner la recherche des disparus",
        "es": "Salvar vidas; coordinar la búsqueda de personas desaparecidas",
    },
    9: {
        "en": "Counter the smuggling of migrants",
        "fr": "Lutter contre le trafic de migrants",
        "es": "Combatir el tráfico ilícito de migrantes",
    },
    10: {
        "en": "End trafficking in persons",
        "fr": "Éliminer la traite des personnes",
        "es": "Erradicar la trata de personas",
    },
    11: {
        "en": "Manage borders in a coordinated way",
        "fr": "Gérer les frontières de façon coordonnée",
        "es": "Gestionar las fronteras de forma coordinada",
    },
    12: {
        "en": "Predictable screening and referral procedures",
        "fr": "Des procédures d'examen et d'orientation prévisibles",
        "es": "Procedimientos previsibles de evaluación y derivación",
    },
    13: {
        "en": "Detention only as a last resort",
        "fr": "La détention en dernier recours seulement",
        "es": "La detención solo como último recurso",
    },
    14: {
        "en": "Consular protection and assistance",
        "fr": "Protection et assistance consulaires",
        "es": "Protección y asistencia consulares",
    },
    15: {
        "en": "Access to basic services",
        "fr": "Accès aux services de base",
        "es": "Acceso a los servicios básicos",
    },
    16: {
        "en": "Inclusion and social cohesion",
        "fr": "Inclusion et cohésion sociale",
        "es": "Inclusión y cohesión social",
    },
    17: {
        "en": "End discrimination; evidence-based public debate",
        "fr": "Éliminer la discrimination ; un débat public fondé sur les faits",
        "es": "Eliminar la discriminación; un debate público basado en datos",
    },
    18: {
        "en": "Skills development and recognition",
        "fr": "Développer et reconnaître les compétences",
        "es": "Desarrollo y reconocimiento de competencias",
    },
    19: {
        "en": "Migrants and diasporas contributing to development",
        "fr": "Migrants et diasporas acteurs du développement",
        "es": "Migrantes y diásporas que contribuyen al desarrollo",
    },
    20: {
        "en": "Cheaper, faster, safer remittances",
        "fr": "Des envois de fonds moins chers, plus rapides et plus sûrs",
        "es": "Remesas más baratas, rápidas y seguras",
    },
    21: {
        "en": "Safe and dignified return and reintegration",
        "fr": "Retour et réintégration dans la sécurité et la dignité",
        "es": "Retorno y reintegración seguros y dignos",
    },
    22: {
        "en": "Portable social security and earned benefits",
        "fr": "Portabilité de la sécurité sociale et des droits acquis",
        "es": "Portabilidad de la seguridad social y de las prestaciones",
    },
    23: {
        "en": "International cooperation and partnerships",
        "fr": "Coopération et partenariats internationaux",
        "es": "Cooperación y alianzas internacionales",
    },
}


def label(code: int, lang: str) -> str:
    titles = OBJECTIVES[code]
    return titles.get(lang) or titles["en"]


# "objective(s)", "objectif(s)", "objetivo(s)", optionally "GCM"/"PMM" before them, then
# a list of numbers joined by commas, "and", "et", "y", "e", "&" or "-" (ranges count too).
_WORD = r"(?:objectives?|objectifs?|objetivos?|obj\.)"
_JOIN = r"(?:\s*(?:,|and|et|y|e|&|-|–|to|à|a)\s*)+"
_NUMBERS = rf"(?:n[°ºo]\s*)?\d{{1,2}}(?:{_JOIN}(?:n[°ºo]\s*)?\d{{1,2}})*"
_MENTION = re.compile(rf"\b{_WORD}\s*{_NUMBERS}", re.IGNORECASE)
_RANGE = re.compile(r"(\d{1,2})\s*(?:-|–|to|à|a)\s*(\d{1,2})", re.IGNORECASE)


def suggest(text: str) -> list[int]:
    """Objectives the text names, in ascending order, without duplicates."""
    found: set[int] = set()
    for mention in _MENTION.finditer(text):
        chunk = mention.group(0)
        for low, high in _RANGE.findall(chunk):
            start, end = int(low), int(high)
            if start < end <= start + 22:
                found.update(range(start, end + 1))
        found.update(int(n) for n in re.findall(r"\d{1,2}", chunk))
    return sorted(n for n in found if n in OBJECTIVES)
