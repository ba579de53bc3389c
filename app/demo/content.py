"""Demo consultation content: fictional people and texts, written for Roundtable."""

from __future__ import annotations

from dataclasses import dataclass, field

Lang = str  # "en" | "fr" | "es"


@dataclass(frozen=True)
class DemoUser:
    key: str  # stable handle used by the other records
    display_name: str
    email: str  # use the reserved domain example.org
    locale: Lang
    admin: bool = False


@dataclass(frozen=True)
class DemoComment:
    author: str  # DemoUser.key
    lang: Lang
    body: str  # Markdown
    days_ago: float  # how long before the demo is loaded it was posted
    translations: dict[Lang, str] = field(default_factory=dict)  # the author's own translations
    replies: tuple[DemoComment, ...] = ()


@dataclass(frozen=True)
class DemoQuestion:
    number: int
    author: str  # a moderator's DemoUser.key
    text: dict[Lang, str]  # the question in each language; text[original_lang] must exist
    original_lang: Lang
    days_ago: float
    replies: tuple[DemoComment, ...] = ()


@dataclass(frozen=True)
class DemoSpace:
    slug: str
    original_lang: Lang
    title: dict[Lang, str]  # per language; title[original_lang] must exist
    intro: dict[Lang, str]  # Markdown, per language, same keys as title
    moderators: tuple[str, ...]  # DemoUser.key
    opened_days_ago: float
    closes_in_days: float  # negative = already closed
    questions: tuple[DemoQuestion, ...] = ()
    posts: tuple[DemoComment, ...] = ()  # participants' own top-level comments or questions


USERS: tuple[DemoUser, ...] = (
    DemoUser("leila", "Leila Haddad", "leila.haddad@example.org", "en", admin=True),
    DemoUser("tomas", "Tomás Ibarra", "tomas.ibarra@example.org", "es"),
    DemoUser("claire", "Claire Ndiaye", "claire.ndiaye@example.org", "fr"),
    DemoUser("amara", "Amara Diallo", "amara.diallo@example.org", "fr"),
    DemoUser("priya", "Priya Raman", "priya.raman@example.org", "en"),
    DemoUser("joseph", "Joseph Mwangi", "joseph.mwangi@example.org", "en"),
    DemoUser("lucia", "Lucía Fernández", "lucia.fernandez@example.org", "es"),
    DemoUser("marc", "Marc Dubois", "marc.dubois@example.org", "fr"),
    DemoUser("anasofia", "Ana Sofía Rojas", "ana.rojas@example.org", "es"),
    DemoUser("kwame", "Kwame Boateng", "kwame.boateng@example.org", "en"),
    DemoUser("nadia", "Nadia Benali", "nadia.benali@example.org", "fr"),
    DemoUser("daniel", "Daniel Ortiz", "daniel.ortiz@example.org", "es"),
)

_C = DemoComment

LABOUR_MOBILITY = DemoSpace(
    slug="labour-mobility-roundtable",
    original_lang="en",
    title={
        "en": "Regional roundtable on labour mobility: consultation",
        "fr": "Table ronde régionale sur la mobilité de la main-d’œuvre : consultation",
        "es": "Mesa redonda regional sobre movilidad laboral: consulta",
    },
    intro={
        "en": (
            "This space gathers inputs from governments, local authorities, trade unions, "
            "employers, migrants' associations and researchers for the regional roundtable "
            "on **safe and regular pathways for labour mobility**.\n\n"
            "What you write here will inform the roundtable's background note: a short "
            "paper of about 1,000 words setting out the background, the objectives and the "
            "guiding questions for the discussion.\n\n"
            "Reply to the numbered questions below, or ask your own question to the "
            "moderators and other participants. Contributions are welcome in English, "
            "French and Spanish; you may attach a position paper to your comment."
        ),
        "fr": (
            "Cet espace recueille les contributions des gouvernements, des autorités "
            "locales, des syndicats, des employeurs, des associations de migrants et des "
            "chercheurs pour la table ronde régionale sur les **voies sûres et régulières de "
            "mobilité de la main-d’œuvre**.\n\n"
            "Vos contributions nourriront la note d’information de la table ronde : un "
            "document d’environ 1 000 mots présentant le contexte, les objectifs et les "
            "questions directrices de la discussion.\n\n"
            "Répondez aux questions numérotées ci-dessous ou posez vos propres questions aux "
            "modérateurs et aux autres participants. Les contributions sont les bienvenues en "
            "anglais, en français et en espagnol ; vous pouvez joindre un document de position."
        ),
        "es": (
            "Este espacio reúne aportes de gobiernos, autoridades locales, sindicatos, "
            "empleadores, asociaciones de migrantes e investigadores para la mesa redonda "
            "regional sobre **vías seguras y regulares de movilidad laboral**.\n\n"
            "Lo que escriba aquí servirá para redactar la nota de antecedentes de la mesa "
            "redonda: un documento breve, de unas 1.000 palabras, con el contexto, los "
            "objetivos y las preguntas orientadoras del debate.\n\n"
            "Responda a las preguntas numeradas o plantee sus propias preguntas a los "
            "moderadores y a otros participantes. Se aceptan aportes en español, francés e "
            "inglés; puede adjuntar un documento de posición a su comentario."
        ),
    },
    moderators=("leila", "tomas"),
    opened_days_ago=30,
    closes_in_days=21,
    questions=(
        DemoQuestion(
            number=1,
            author="leila",
            original_lang="en",
            days_ago=29,
            text={
                "en": "Which labour mobility schemes in the region have worked well for "
                "workers and employers alike, and why?",
                "fr": "Quels dispositifs de mobilité de la main-d’œuvre dans la région ont "
                "bien fonctionné, tant pour les travailleurs que pour les employeurs, et "
                "pourquoi ?",
                "es": "¿Qué programas de movilidad laboral de la región han funcionado bien "
                "tanto para los trabajadores como para los empleadores, y por qué?",
            },
            replies=(
                _C(
                    "joseph",
                    "en",
                    "The seasonal agriculture agreement between our union and two growers' "
                    "associations worked because the contract was signed **before** departure, "
                    "in a language the workers read, and a union contact was named on it. "
                    "When wages were withheld, workers knew exactly whom to call. Schemes "
                    "without that named contact produced far more complaints and far fewer "
                    "resolved cases. This is objective 6 in practice: fair recruitment starts "
                    "with a contract people can understand and enforce.",
                    27.5,
                    replies=(
                        _C(
                            "marc",
                            "fr",
                            "Du côté des employeurs, nous confirmons : le contrat signé avant le "
                            "départ réduit les litiges. Mais il faut reconnaître son coût pour "
                            "les petites exploitations, qui n’ont pas de service juridique. Une "
                            "plateforme publique de modèles de contrats bilingues, validés par "
                            "les partenaires sociaux, aiderait beaucoup. Nous serions prêts à "
                            "contribuer à son élaboration.",
                            26.0,
                            replies=(
                                _C(
                                    "joseph",
                                    "en",
                                    "A shared model contract is a good idea, provided unions "
                                    "sit on the body that validates it. Would employers "
                                    "accept that the model includes a clause on the free "
                                    "choice of accommodation?",
                                    25.2,
                                    replies=(
                                        _C(
                                            "marc",
                                            "fr",
                                            "Sur le principe, oui, à condition que l’offre de "
                                            "logement de l’employeur reste possible lorsque le "
                                            "marché local est saturé. C’est un point que la "
                                            "table ronde pourrait explicitement mettre à "
                                            "l’ordre du jour.",
                                            24.8,
                                        ),
                                    ),
                                ),
                            ),
                        ),
                        _C(
                            "leila",
                            "en",
                            "Thank you, Joseph. Could you say how the named contact was "
                            "funded, and whether it continued once the pilot ended? Several "
                            "contributions mention pilots that did not survive their first "
                            "budget cycle.",
                            26.5,
                        ),
                    ),
                ),
                _C(
                    "lucia",
                    "es",
                    "Desde la ciudad, destacamos el programa de movilidad circular para el "
                    "sector de cuidados: combinó reconocimiento de títulos con cursos de idioma "
                    "pagados durante la jornada laboral. La clave fue que el municipio, y no "
                    "solo el empleador, acompañó a las trabajadoras en el acceso a vivienda y "
                    "a la escuela para sus hijos. Sin esa coordinación local, el programa "
                    "habría fracasado en el primer año.",
                    25.0,
                    translations={
                        "en": "From the city's side, we would highlight the circular mobility "
                        "programme for the care sector: it combined recognition of diplomas "
                        "with language courses paid during working hours. The key was that the "
                        "municipality, not only the employer, helped the workers find housing "
                        "and school places for their children. Without that local "
                        "coordination, the programme would have failed in its first year.",
                    },
                    replies=(
                        _C(
                            "priya",
                            "en",
                            "This matches what we found in a comparison of eleven care-sector "
                            "schemes: retention after two years was roughly twice as high "
                            "where a local authority was a formal partner. The effect was "
                            "strongest for workers who came with children.",
                            23.0,
                        ),
                    ),
                ),
                _C(
                    "daniel",
                    "es",
                    "Nuestra delegación considera que los acuerdos bilaterales funcionan "
                    "cuando incluyen un comité mixto de seguimiento que se reúne al menos dos "
                    "veces al año y publica sus conclusiones. La transparencia sobre cuántas "
                    "personas participaron, en qué sectores y con qué salarios permite "
                    "corregir a tiempo. Sugerimos que la nota de antecedentes mencione el "
                    "objetivo 5 y la importancia de datos públicos sobre estos programas.",
                    20.0,
                ),
            ),
        ),
        DemoQuestion(
            number=2,
            author="tomas",
            original_lang="es",
            days_ago=29,
            text={
                "es": "¿Qué obstáculos impiden que las personas trabajadoras migrantes "
                "cambien de empleador o hagan valer sus derechos?",
                "en": "What stops migrant workers from changing employers or asserting "
                "their rights?",
                "fr": "Qu’est-ce qui empêche les travailleurs migrants de changer "
                "d’employeur ou de faire valoir leurs droits ?",
            },
            replies=(
                _C(
                    "amara",
                    "fr",
                    "Le premier obstacle est le permis de séjour lié à un seul employeur. "
                    "Quand quitter son emploi signifie perdre son titre de séjour, personne ne "
                    "porte plainte. Dans notre association, nous voyons chaque mois des "
                    "travailleurs qui acceptent des heures non payées plutôt que de risquer "
                    "l’expulsion. Nous demandons une période de recherche d’emploi d’au moins "
                    "trois mois, comme le prévoient déjà certains pays.",
                    24.0,
                    replies=(
                        _C(
                            "nadia",
                            "fr",
                            "J’ajoute une dimension juridique : même lorsque le changement "
                            "d’employeur est permis, la procédure administrative prend souvent "
                            "plus de temps que la durée du permis restant. Les travailleurs "
                            "se retrouvent en situation irrégulière pendant l’instruction de "
                            "leur dossier. Un récépissé valant autorisation de travail "
                            "réglerait une grande partie du problème (objectif 7).",
                            22.5,
                            replies=(
                                _C(
                                    "tomas",
                                    "es",
                                    "Gracias, Nadia. ¿Conoce algún país donde ese "
                                    "resguardo con autorización de trabajo ya se aplique? Un "
                                    "ejemplo concreto sería muy útil para la nota.",
                                    21.0,
                                    replies=(
                                        _C(
                                            "nadia",
                                            "fr",
                                            "Oui : deux pays de la région délivrent un "
                                            "récépissé dès le dépôt du dossier complet. Je "
                                            "joindrai une note comparative à un commentaire "
                                            "séparé cette semaine.",
                                            20.5,
                                        ),
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
                _C(
                    "kwame",
                    "en",
                    "Recruitment debt is the other chain. Many workers in our diaspora "
                    "network paid fees equal to six months' wages before leaving. With that "
                    "debt at home, changing employer or complaining feels impossible. "
                    "Enforcing the employer-pays principle, and publishing the names of "
                    "agencies that charge workers, would change behaviour quickly.",
                    19.0,
                    replies=(
                        _C(
                            "joseph",
                            "en",
                            "Agreed. We would add: let workers recover unlawful fees through "
                            "the labour inspectorate, not only through the courts, which few "
                            "can afford.",
                            18.0,
                        ),
                    ),
                ),
            ),
        ),
        DemoQuestion(
            number=3,
            author="leila",
            original_lang="en",
            days_ago=28,
            text={
                "en": "How should skills be recognised, and by whom, so that migrants work "
                "at the level of their qualifications?",
                "fr": "Comment les compétences devraient-elles être reconnues, et par qui, "
                "pour que les migrants travaillent au niveau de leurs qualifications ?",
                "es": "¿Cómo y por quién deberían reconocerse las competencias para que las "
                "personas migrantes trabajen según su nivel de cualificación?",
            },
            replies=(
                _C(
                    "priya",
                    "en",
                    "Three findings from our fieldwork:\n\n"
                    "- recognition takes **14 months** on average for nurses, during which "
                    "most take unskilled jobs;\n"
                    "- partial recognition with supervised practice is faster and safer than "
                    "all-or-nothing decisions;\n"
                    "- employers trust assessments made jointly by the sector and the "
                    "education ministry more than either alone.\n\n"
                    "A summary is available at [example.org/skills-study]"
                    "(https://example.org/skills-study).",
                    22.0,
                    replies=(
                        _C(
                            "anasofia",
                            "es",
                            "Coincidimos con la idea del reconocimiento parcial. En nuestra "
                            "organización acompañamos a enfermeras venezolanas que llevan dos "
                            "años esperando una homologación completa. Con una práctica "
                            "supervisada ya podrían estar trabajando en hospitales que tienen "
                            "vacantes sin cubrir.",
                            17.0,
                        ),
                    ),
                ),
                _C(
                    "marc",
                    "fr",
                    "Les branches professionnelles doivent être associées dès la conception "
                    "des référentiels. Un certificat reconnu par l’État mais ignoré par les "
                    "entreprises ne sert à rien. Nous proposons des jurys mixtes, avec une "
                    "évaluation en situation de travail plutôt que sur dossier.",
                    16.0,
                ),
            ),
        ),
        DemoQuestion(
            number=4,
            author="tomas",
            original_lang="es",
            days_ago=15,
            text={
                "es": "¿Qué deberían acordar los Estados en la mesa redonda, de forma "
                "concreta y medible?",
                "en": "What should States agree on at the roundtable, in concrete and "
                "measurable terms?",
                "fr": "Sur quoi les États devraient-ils s’accorder lors de la table ronde, "
                "de manière concrète et mesurable ?",
            },
            replies=(
                _C(
                    "lucia",
                    "es",
                    "Proponemos tres compromisos medibles:\n\n"
                    "1. reducir a la mitad el tiempo de reconocimiento de títulos en sectores "
                    "con escasez;\n"
                    "2. garantizar que ningún permiso de trabajo dependa de un solo empleador;\n"
                    "3. incluir a las ciudades en los comités de seguimiento de los acuerdos "
                    "bilaterales.",
                    12.0,
                    translations={
                        "fr": "Nous proposons trois engagements mesurables :\n\n"
                        "1. réduire de moitié le délai de reconnaissance des diplômes dans les "
                        "secteurs en pénurie ;\n"
                        "2. garantir qu’aucun permis de travail ne dépende d’un seul "
                        "employeur ;\n"
                        "3. associer les villes aux comités de suivi des accords bilatéraux.",
                    },
                ),
                _C(
                    "kwame",
                    "en",
                    "A public register of recruitment agencies, with a shared blacklist "
                    "across the region, within two years. It is simple to measure and would "
                    "show workers that the commitments are real.",
                    9.0,
                ),
            ),
        ),
    ),
    posts=(
        _C(
            "anasofia",
            "es",
            "Pregunta para los moderadores: ¿la nota de antecedentes tendrá en cuenta la "
            "situación específica de las mujeres migrantes en el trabajo doméstico, que "
            "quedan fuera de muchos programas de movilidad laboral?",
            14.0,
            replies=(
                _C(
                    "leila",
                    "en",
                    "Yes. Several contributions raise domestic work, and we intend to treat "
                    "it explicitly in the background section. Examples of schemes that "
                    "include domestic workers would be especially welcome.",
                    13.0,
                ),
            ),
        ),
        _C(
            "nadia",
            "fr",
            "Comme annoncé en réponse à la question 2, voici les grandes lignes de notre note "
            "comparative sur les récépissés valant autorisation de travail :\n\n"
            "- délivrance dès le dépôt d’un dossier complet ;\n"
            "- validité jusqu’à la décision, renouvelable sans nouvelle démarche ;\n"
            "- mention explicite du droit de changer d’employeur.\n\n"
            "La note complète couvre cinq pays et propose une clause type.",
            11.0,
        ),
        _C(
            "priya",
            "en",
            "A question to everyone: has anyone evaluated portable social security "
            "agreements in the region? We find very little published evidence on whether "
            "workers actually receive their pensions after returning home.",
            6.0,
            replies=(
                _C(
                    "daniel",
                    "es",
                    "Nuestro ministerio publicó una evaluación del convenio con dos países "
                    "vecinos; menos de un tercio de los trabajadores que regresaron pidió su "
                    "pensión. La principal causa fue la falta de información.",
                    5.0,
                ),
            ),
        ),
    ),
)

CLIMATE_DATA = DemoSpace(
    slug="donnees-mobilite-climat",
    original_lang="fr",
    title={
        "fr": "Mobilité humaine et changement climatique : quelles données pour agir ?",
        "es": "Movilidad humana y cambio climático: ¿qué datos para actuar?",
    },
    intro={
        "fr": (
            "Cet espace prépare une session de la table ronde consacrée aux **données sur "
            "les déplacements liés aux catastrophes et au changement climatique**.\n\n"
            "Nous cherchons des exemples concrets : quelles données existent, qui les "
            "produit, et qu’est-ce qui manque pour que les autorités locales puissent "
            "anticiper plutôt que réagir ? Les contributions en français, en anglais et en "
            "espagnol sont bienvenues."
        ),
        "es": (
            "Este espacio prepara una sesión de la mesa redonda dedicada a los **datos sobre "
            "desplazamientos vinculados a desastres y al cambio climático**.\n\n"
            "Buscamos ejemplos concretos: ¿qué datos existen, quién los produce y qué falta "
            "para que las autoridades locales puedan anticiparse en lugar de reaccionar? Se "
            "aceptan aportes en francés, inglés y español."
        ),
    },
    moderators=("claire",),
    opened_days_ago=12,
    closes_in_days=45,
    questions=(
        DemoQuestion(
            number=1,
            author="claire",
            original_lang="fr",
            days_ago=11.5,
            text={
                "fr": "Quelles données sur les déplacements liés au climat utilisez-vous "
                "aujourd’hui, et quelles sont leurs limites ?",
                "es": "¿Qué datos sobre desplazamientos vinculados al clima utiliza hoy y "
                "cuáles son sus límites?",
                "en": "Which data on climate-related displacement do you use today, and what "
                "are their limits?",
            },
            replies=(
                _C(
                    "amara",
                    "fr",
                    "Au Sénégal, nous nous appuyons surtout sur les relevés des communes "
                    "côtières après chaque tempête. Ils comptent les maisons détruites, pas "
                    "les personnes parties. Nous ne savons donc presque rien des familles qui "
                    "s’installent chez des proches en ville.",
                    10.0,
                    replies=(
                        _C(
                            "priya",
                            "en",
                            "Mobile network data can fill part of that gap, with strict "
                            "anonymisation. We used aggregated phone records after floods and "
                            "could see where people went within a week, at district level.",
                            8.5,
                            replies=(
                                _C(
                                    "claire",
                                    "fr",
                                    "Merci, Priya. Quelles garanties de protection des "
                                    "données aviez-vous mises en place avec l’opérateur ? "
                                    "C’est une question que plusieurs villes nous posent.",
                                    8.0,
                                ),
                            ),
                        ),
                    ),
                ),
                _C(
                    "anasofia",
                    "es",
                    "En Colombia los registros de víctimas de desastres no distinguen entre "
                    "desplazamiento temporal y definitivo. Eso dificulta planificar vivienda "
                    "y escuelas en los municipios de acogida.",
                    7.0,
                ),
            ),
        ),
        DemoQuestion(
            number=2,
            author="claire",
            original_lang="fr",
            days_ago=11.0,
            text={
                "fr": "Comment associer les communautés concernées à la collecte et à "
                "l’usage de ces données ?",
                "es": "¿Cómo involucrar a las comunidades afectadas en la recopilación y el "
                "uso de estos datos?",
            },
            replies=(
                _C(
                    "nadia",
                    "fr",
                    "En leur rendant les résultats, d’abord. Les enquêtes répétées sans "
                    "retour découragent la participation. Nous recommandons des restitutions "
                    "publiques dans les villages, dans les langues locales.",
                    6.0,
                ),
                _C(
                    "kwame",
                    "en",
                    "Diaspora associations often know within hours who has left a coastal "
                    "village, because families call them first. They could be formal "
                    "partners in early-warning systems.",
                    4.0,
                ),
            ),
        ),
    ),
)

REGULARISATION = DemoSpace(
    slug="regularizacion-acceso-servicios",
    original_lang="es",
    title={
        "es": "Regularización y acceso a servicios básicos: consulta previa",
        "en": "Regularisation and access to basic services: preliminary consultation",
        "fr": "Régularisation et accès aux services de base : consultation préalable",
    },
    intro={
        "es": (
            "Esta consulta, ya cerrada, recogió experiencias sobre **procesos de "
            "regularización** y sobre el acceso de las personas migrantes a salud, educación "
            "y vivienda, con independencia de su situación migratoria.\n\n"
            "Los aportes sirvieron para preparar la nota de antecedentes de la mesa redonda. "
            "Puede seguir leyendo el debate."
        ),
        "en": (
            "This consultation, now closed, gathered experience of **regularisation "
            "processes** and of migrants' access to health care, education and housing, "
            "whatever their status.\n\n"
            "The contributions were used to prepare the roundtable's background note. You "
            "can still read the discussion."
        ),
        "fr": (
            "Cette consultation, désormais close, a recueilli des expériences sur les "
            "**processus de régularisation** et sur l’accès des migrants à la santé, à "
            "l’éducation et au logement, quel que soit leur statut.\n\n"
            "Les contributions ont servi à préparer la note d’information de la table ronde. "
            "Vous pouvez toujours lire la discussion."
        ),
    },
    moderators=("tomas", "claire"),
    opened_days_ago=70,
    closes_in_days=-10,
    questions=(
        DemoQuestion(
            number=1,
            author="tomas",
            original_lang="es",
            days_ago=69,
            text={
                "es": "¿Qué hizo que un proceso de regularización fuera accesible en la práctica?",
                "en": "What made a regularisation process accessible in practice?",
                "fr": "Qu’est-ce qui a rendu un processus de régularisation accessible dans "
                "la pratique ?",
            },
            replies=(
                _C(
                    "lucia",
                    "es",
                    "Las oficinas móviles en los barrios y la posibilidad de presentar la "
                    "solicitud sin pasaporte vigente, con otros documentos de identidad. "
                    "Cuando exigimos el pasaporte, la mitad de las personas no pudo "
                    "presentarse.",
                    60,
                    replies=(
                        _C(
                            "daniel",
                            "es",
                            "Confirmamos esa experiencia a nivel nacional. También ayudó "
                            "que las tasas fueran bajas y se pudieran pagar en cuotas.",
                            55,
                        ),
                    ),
                ),
                _C(
                    "amara",
                    "fr",
                    "La présence de médiateurs issus des communautés a tout changé : les "
                    "gens n’osaient pas se présenter à un guichet administratif par peur "
                    "d’être signalés. Avec un médiateur, le taux de dépôt a doublé.",
                    50,
                ),
            ),
        ),
        DemoQuestion(
            number=2,
            author="claire",
            original_lang="fr",
            days_ago=68,
            text={
                "fr": "Comment garantir l’accès aux soins et à l’école sans crainte de "
                "signalement aux autorités migratoires ?",
                "es": "¿Cómo garantizar el acceso a la salud y a la escuela sin temor a ser "
                "denunciado ante las autoridades migratorias?",
                "en": "How can access to health care and school be guaranteed without fear "
                "of being reported to immigration authorities?",
            },
            replies=(
                _C(
                    "nadia",
                    "fr",
                    "Par des « pare-feu » inscrits dans la loi : les hôpitaux et les écoles "
                    "ne transmettent aucune donnée aux services migratoires. Une simple "
                    "circulaire ne suffit pas ; les familles doivent pouvoir s’y fier "
                    "(objectif 15).",
                    45,
                    replies=(
                        _C(
                            "joseph",
                            "en",
                            "The same firewall should apply to labour inspections. Workers "
                            "will not report abuse if the inspector may pass their details "
                            "to immigration enforcement.",
                            40,
                        ),
                    ),
                ),
            ),
        ),
        DemoQuestion(
            number=3,
            author="tomas",
            original_lang="es",
            days_ago=40,
            text={
                "es": "¿Qué lecciones deberían retomarse en la nota de antecedentes?",
                "en": "Which lessons should the background note take up?",
                "fr": "Quelles leçons la note d’information devrait-elle reprendre ?",
            },
            replies=(
                _C(
                    "anasofia",
                    "es",
                    "Que la regularización no es un favor sino una política que mejora la "
                    "recaudación y la salud pública. Los datos fiscales de los primeros dos "
                    "años lo muestran claramente.",
                    30,
                    translations={
                        "en": "That regularisation is not a favour but a policy that improves "
                        "tax revenue and public health. Tax data from the first two years "
                        "show it clearly.",
                    },
                ),
                _C(
                    "priya",
                    "en",
                    "That eligibility rules should be simple enough to explain on one page. "
                    "Every additional condition excluded more people than it was meant to.",
                    25,
                ),
            ),
        ),
    ),
)

SPACES: tuple[DemoSpace, ...] = (LABOUR_MOBILITY, CLIMATE_DATA, REGULARISATION)

_LANGS = {"en", "fr", "es"}


def _walk(comments: tuple[DemoComment, ...]) -> list[tuple[DemoComment, DemoComment | None]]:
    pairs: list[tuple[DemoComment, DemoComment | None]] = []
    for comment in comments:
        pairs.append((comment, None))
        stack = [(reply, comment) for reply in comment.replies]
        while stack:
            reply, parent = stack.pop()
            pairs.append((reply, parent))
            stack.extend((child, reply) for child in reply.replies)
    return pairs


def validate() -> None:
    """Raise ValueError on any broken invariant of the demo content."""
    keys = [u.key for u in USERS]
    emails = [u.email for u in USERS]
    if len(set(keys)) != len(keys) or len(set(emails)) != len(emails):
        raise ValueError("duplicate user keys or e-mails")
    if any(u.locale not in _LANGS for u in USERS):
        raise ValueError("user locale outside en/fr/es")
    slugs = [s.slug for s in SPACES]
    if len(set(slugs)) != len(slugs):
        raise ValueError("duplicate space slugs")
    known = set(keys)
    for space in SPACES:
        if space.original_lang not in space.title or set(space.title) != set(space.intro):
            raise ValueError(f"{space.slug}: titles and intros must match, original first")
        if not set(space.title) <= _LANGS or not set(space.moderators) <= known:
            raise ValueError(f"{space.slug}: unknown language or moderator")
        closed_ago = -space.closes_in_days
        for question in space.questions:
            if question.original_lang not in question.text or not set(question.text) <= _LANGS:
                raise ValueError(f"{space.slug} q{question.number}: texts")
            if question.author not in space.moderators:
                raise ValueError(f"{space.slug} q{question.number}: not a moderator")
            if not question.days_ago < space.opened_days_ago:
                raise ValueError(f"{space.slug} q{question.number}: before opening")
        roots: list[tuple[DemoComment, float]] = [
            (reply, q.days_ago) for q in space.questions for reply in q.replies
        ] + [(post, space.opened_days_ago) for post in space.posts]
        for root, parent_days in roots:
            for comment, parent in _walk((root,)):
                limit = parent.days_ago if parent else parent_days
                if comment.author not in known or comment.lang not in _LANGS:
                    raise ValueError(f"{space.slug}: unknown author or language")
                if not comment.days_ago < limit:
                    raise ValueError(f"{space.slug}: a reply is not newer than its parent")
                if closed_ago > 0 and comment.days_ago <= closed_ago:
                    raise ValueError(f"{space.slug}: posted after closing")
                if comment.lang in comment.translations or not set(comment.translations) <= _LANGS:
                    raise ValueError(f"{space.slug}: translation into the original language")
