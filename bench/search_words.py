"""A richer vocabulary for the search benchmark: common, ordinary and rare words per language.

Written for the benchmark, not taken from any document. bench/words.py draws every word
alike, so each word of its short lists is in a third of all comments and none is rare;
a search index is only tested by a spread like real prose's: a few words in most texts,
most words in a few percent, and a long tail of names and terms in a few dozen. So the
content words here are listed roughly most frequent first and drawn with Zipf-like
weights, several forms of a word listed apart (singular, plural, feminine, verb forms),
and each comment now and then takes one or two words of the rare list (places,
organisations, specialist terms).

The labelled quality set (bench/search_quality.py) plants its own words, none of which
is in these lists (tests/test_bench_search.py checks it), so what its queries must find
is decided by the plants, not by chance.
"""

from __future__ import annotations

import itertools
import random

from bench import words as basic

CONTENT: dict[str, str] = {
    "en": """
        migrants workers rights migration labour families employers work countries people
        government support access services protection women children community health
        recruitment skills data policy local national safe regular pathways integration jobs
        migrant worker employment visas wages programme cities housing training legal
        information communities employer family education schools language remittances
        costs fees contracts agencies standards agreements return cooperation evidence
        country review progress youth persons care municipalities regional global compact
        objectives borders reception shelters detention alternatives interpreters trust
        unions associations volunteers mayors seasonal domestic sector agriculture
        construction hospitality farms harvest permits residence citizenship asylum refugees
        trafficking smuggling victims exploitation abuse complaints justice courts lawyers
        consular passports documents identity registration undocumented irregular
        regularisation deportation safeguards oversight accountability transparency
        monitoring evaluation funding donors partnerships dialogue consultation
        participation inclusion cohesion discrimination racism xenophobia media journalists
        narratives opinion policies laws legislation reform implementation capacity
        institutions commitments pledges targets priorities challenges barriers solutions
        practices lessons examples pilot projects schemes portability pensions insurance
        security benefits contributions taxes income poverty inequality development growth
        economy shortages demand digital online platforms phones wallets corridors
        improve improved improving strengthen strengthened ensure ensuring protect protected
        protecting recognise recognised provide provided providing reduce reduced reducing
        share shared sharing invest investing build building listen listened listening
        employed hired hiring trained paid unpaid returned returning arrived arriving
        settled settling welcomed excluded included informed consulted funded
        visa wage contract agency standard agreement school city shelter border permit
        refugee victim complaint court lawyer passport document platform phone wallet
        corridor pension benefit tax project scheme pilot lesson example
        practice solution barrier challenge priority target pledge commitment institution
        reform law policy opinion narrative journalist union association volunteer mayor
        farm harvest interpreter counsellor counsellors caseworkers caseworker helpline
        helplines hotline apprenticeships apprenticeship certificates certificate diplomas
        qualifications qualification employability upskilling reskilling mentoring mentors
        mentor networks network neighbourhood neighbourhoods tenants landlords rent rents
        overcrowding eviction evictions clinics clinic vaccination nurses doctors midwives
        pharmacies insurance coverage enrolment enrolled pupils teachers classrooms
        scholarships universities students graduates interns internships
    """,
    "fr": """
        travailleurs migrants droits migration familles employeurs travail pays personnes
        gouvernement soutien accès services protection femmes enfants communauté santé
        recrutement compétences données politique locales nationale sûres régulières voies
        intégration emplois migrant travailleur emploi visas salaires programme villes
        logement formation juridique information communautés employeur famille éducation
        écoles langue envois coûts frais contrats agences normes accords retour
        coopération preuves jeunes soins communes régionale mondial pacte objectifs
        frontières accueil hébergement rétention alternatives interprètes confiance
        syndicats associations bénévoles maires saisonniers domestiques secteur agriculture
        bâtiment hôtellerie exploitations récolte titres séjour nationalité asile réfugiés
        traite passeurs victimes exploitation abus plaintes justice tribunaux avocats
        consulaires passeports documents identité enregistrement sans-papiers irrégulière
        régularisation expulsion garanties contrôle responsabilité transparence suivi
        évaluation financement bailleurs partenariats dialogue consultation participation
        inclusion cohésion discrimination racisme xénophobie médias journalistes récits
        opinion politiques lois législation réforme mise œuvre capacités institutions
        engagements promesses cibles priorités défis obstacles solutions pratiques leçons
        exemples projets dispositifs portabilité retraites assurance sécurité prestations
        cotisations impôts revenus pauvreté inégalités développement croissance économie
        pénuries demande numérique plateformes téléphones portefeuilles corridors
        améliorer amélioré améliorant renforcer renforcé garantir garantissant protéger
        protégé protégeant reconnaître reconnu reconnues fournir fourni fournissant réduire
        réduit réduisant partager partagé partageant investir investissant construire
        construisant écouter écouté écoutant employés embauchés embauche formés payés
        rentrés arrivés arrivant installés accueillis exclus inclus informés consultés
        financés visa salaire contrat agence norme accord école ville frontière titre
        réfugié victime plainte tribunal avocat passeport document plateforme téléphone
        corridor retraite prestation impôt projet dispositif leçon exemple pratique solution
        obstacle défi priorité cible promesse engagement institution réforme loi récit
        journaliste syndicat association bénévole maire récolte interprète conseillers
        conseiller assistantes assistante permanence apprentissage apprentis certificats
        certificat diplômes qualifications qualification employabilité tutorat tuteurs
        tuteur réseaux réseau quartier quartiers locataires propriétaires loyer loyers
        surpeuplement expulsions dispensaires dispensaire vaccination infirmières médecins
        sages-femmes pharmacies couverture inscription inscrits élèves enseignants classes
        bourses universités étudiants diplômés stagiaires stages travailleuses travailleuse
    """,
    "es": """
        trabajadores migrantes derechos migración familias empleadores trabajo países
        personas gobierno apoyo acceso servicios protección mujeres niños comunidad salud
        contratación competencias datos política locales nacional seguras regulares vías
        integración empleos migrante trabajador empleo visados salarios programa ciudades
        vivienda formación jurídica información comunidades empleador familia educación
        escuelas idioma remesas costos tasas contratos agencias normas acuerdos retorno
        cooperación pruebas jóvenes atención municipios regional mundial pacto objetivos
        fronteras acogida albergues detención alternativas intérpretes confianza sindicatos
        asociaciones voluntarios alcaldes temporeros domésticas sector agricultura
        construcción hostelería fincas cosecha permisos residencia ciudadanía asilo
        refugiados trata tráfico víctimas explotación abusos quejas justicia tribunales
        abogados consulares pasaportes documentos identidad registro indocumentados
        irregular regularización deportación garantías supervisión rendición transparencia
        seguimiento evaluación financiación donantes alianzas diálogo consulta
        participación inclusión cohesión discriminación racismo xenofobia medios
        periodistas relatos opinión políticas leyes legislación reforma aplicación
        capacidades instituciones compromisos promesas metas prioridades desafíos barreras
        soluciones prácticas lecciones ejemplos proyectos planes portabilidad pensiones
        seguro seguridad prestaciones cotizaciones impuestos ingresos pobreza desigualdad
        desarrollo crecimiento economía escasez demanda digital plataformas teléfonos
        billeteras corredores mejorar mejorado mejorando fortalecer fortalecido garantizar
        garantizando proteger protegido protegiendo reconocer reconocido reconocidas
        proporcionar proporcionado reducir reducido reduciendo compartir compartido
        compartiendo invertir invirtiendo construir construyendo escuchar escuchado
        escuchando empleados contratados contratando capacitados pagados retornados
        llegados llegando asentados acogidos excluidos incluidos informados consultados
        financiados visado salario contrato agencia norma acuerdo escuela ciudad albergue
        frontera permiso refugiado víctima queja tribunal abogado pasaporte documento
        plataforma teléfono corredor pensión prestación impuesto proyecto plan lección
        ejemplo práctica solución barrera desafío prioridad meta promesa compromiso
        institución ley relato periodista sindicato asociación voluntario alcalde finca
        intérprete consejeros consejero trabajadoras trabajadora orientadoras orientadora
        aprendizaje aprendices certificados certificado diplomas cualificaciones
        cualificación empleabilidad tutorías tutores tutor redes red barrio barrios
        inquilinos propietarios alquiler alquileres hacinamiento desalojos consultorios
        consultorio vacunación enfermeras médicos parteras farmacias cobertura matrícula
        matriculados alumnos docentes aulas becas universidades estudiantes egresados
        becarios pasantías
    """,
}

# Names and specialist terms: each comment takes one of these now and then, so each is
# in a few dozen comments of its language (the "rare" words of the latency mix).
RARE: dict[str, str] = {
    "en": """
        kafala hawala overstayers stopover sponsorship microinsurance onboarding geofencing
        biometric biometrics e-visa gig couriers ridehailing warehouse warehouses fishers
        trawlers abattoirs meatpacking orchards vineyards greenhouses shearing dairy
        caregiving eldercare nannies au-pairs chaperones ombudsman ombudsperson tribunals
        arbitration mediation affidavits notarised apostille transcripts equivalence
        Rotterdam Antwerp Marseille Genoa Valencia Lisbon Casablanca Tunis Tripoli Cairo
        Amman Beirut Doha Riyadh Muscat Kuwait Karachi Lahore Colombo Chittagong Yangon
        Jakarta Surabaya Cebu Davao Hanoi Penang Johor Perth Auckland Suva Apia Lagos
        Accra Abidjan Bamako Niamey Khartoum Juba Kampala Kigali Harare Maputo Durban
        Windhoek Gaborone Bogota Medellin Quito Lima Arica Cucuta Tapachula Monterrey
        Houston Toronto Winnipeg Calgary Montreal Halifax Reykjavik Oslo Gothenburg
        Tampere Tallinn Riga Vilnius Krakow Brno Bratislava Debrecen Cluj Varna Thessaloniki
        Palermo Catania Bari Naples Bologna Munich Leipzig Hamburg Bremen Ghent Lille Lyon
        Seville Murcia Almeria Bilbao Porto Faro Dublin Cork Belfast Glasgow Cardiff
        Leeds Bristol Dover Folkestone Harwich Tilbury
    """,
    "fr": """
        kafala hawala sous-traitance intérim intérimaires saisonnalité microassurance
        biométrie biométriques e-visa livreurs plateformisation entrepôts pêcheurs
        chalutiers abattoirs vergers vignobles serres tonte laiterie aidants auxiliaires
        nounous au-pair médiateur médiatrice défenseur prud'hommes arbitrage médiation
        attestations légalisation apostille relevés équivalence Rotterdam Anvers Marseille
        Gênes Valence Lisbonne Casablanca Tunis Tripoli Caire Amman Beyrouth Doha Riyad
        Mascate Karachi Lahore Colombo Chittagong Rangoun Jakarta Cebu Hanoï Perth Lagos
        Accra Abidjan Bamako Niamey Khartoum Djouba Kampala Kigali Harare Maputo Durban
        Bogota Medellin Quito Lima Arica Cucuta Tapachula Monterrey Toronto Winnipeg
        Montréal Halifax Oslo Göteborg Tallinn Riga Vilnius Cracovie Brno Bratislava
        Debrecen Cluj Varna Thessalonique Palerme Catane Bari Naples Bologne Munich
        Leipzig Hambourg Brême Gand Lille Séville Murcie Almería Bilbao Porto Faro
        Dublin Glasgow Douvres Mayotte Guyane Cayenne Mamoudzou Saint-Laurent-du-Maroni
        Briançon Menton Vintimille Hendaye Irun Ouistreham Cherbourg Dunkerque Grande-Synthe
        Perpignan Montpellier Nîmes Avignon Valence-sur-Rhône Grenoble Chambéry Besançon
        Mulhouse Strasbourg Metz Nancy Reims Amiens Rouen Caen Rennes Nantes Angers Tours
        Poitiers Limoges Clermont-Ferrand Toulouse Pau Bayonne Biarritz Ajaccio Bastia
    """,
    "es": """
        kafala hawala subcontratación temporalidad microseguros biometría biométricos
        visado-electrónico repartidores plataformización almacenes pescadores arrastreros
        mataderos huertos viñedos invernaderos esquila lechería cuidadores internas
        niñeras au-pair defensoría mediadora arbitraje mediación certificaciones
        legalización apostilla expedientes convalidación homologación Rotterdam Amberes
        Marsella Génova Valencia Lisboa Casablanca Túnez Trípoli Cairo Amán Beirut Doha
        Riad Mascate Karachi Lahore Colombo Chittagong Yakarta Cebú Hanói Perth Lagos
        Acra Abiyán Bamako Niamey Jartum Yuba Kampala Kigali Harare Maputo Durban Bogotá
        Medellín Quito Lima Arica Cúcuta Tapachula Monterrey Houston Toronto Montreal
        Reikiavik Oslo Tallin Riga Vilna Cracovia Bratislava Varna Tesalónica Palermo
        Catania Bari Nápoles Bolonia Múnich Leipzig Hamburgo Gante Lille Lyon Sevilla
        Murcia Almería Bilbao Oporto Faro Dublín Glasgow Ceuta Algeciras Tarifa Motril
        Cartagena Lorca Elche Alicante Castellón Lleida Girona Zaragoza Logroño Pamplona
        Burgos León Salamanca Cáceres Badajoz Córdoba Granada Málaga Cádiz Jerez Arrecife
        Fuerteventura Lanzarote Tenerife Gomera Hierro Mallorca Ibiza Menorca Cúcuta
        Barranquilla Cali Pasto Ipiales Rumichaca Tumbes Tacna Iquique Antofagasta Oruro
        Tarija Asunción Encarnación Rosario Córdoba Salta Jujuy Mendocino Neuquén
    """,
}

CONTENT_WORDS: dict[str, list[str]] = {
    lang: list(dict.fromkeys(text.split())) for lang, text in CONTENT.items()
}
RARE_WORDS: dict[str, list[str]] = {
    lang: list(dict.fromkeys(text.split())) for lang, text in RARE.items()
}
FUNCTION_WORDS = basic.FUNCTION_WORDS
FUNCTION_SHARE = 0.45
# Zipf-like: the word of rank r weighs 1 / (r + OFFSET) ** EXPONENT. With ~300 words
# a language the first is in most comments, the 30th in about a fifth, the last in a few
# percent (a thousand comments or so of 33,000): see `frequencies` in the tests.
OFFSET = 4
EXPONENT = 1.0
RARE_CHANCE = 0.2  # a comment takes rare words with this chance, one or two of them
# How many of the first words of each list count as "common" in the latency mix.
COMMON_RANKS = 25


def _cumulative(count: int) -> list[float]:
    return list(itertools.accumulate(1 / (r + OFFSET) ** EXPONENT for r in range(count)))


_CUMULATIVE = {lang: _cumulative(len(ws)) for lang, ws in CONTENT_WORDS.items()}


def draw(rng: random.Random, lang: str, count: int) -> list[str]:
    """`count` words of running text: function words, content words by rank, in turn."""
    content = rng.choices(CONTENT_WORDS[lang], cum_weights=_CUMULATIVE[lang], k=count)
    function = FUNCTION_WORDS[lang]
    return [rng.choice(function) if rng.random() < FUNCTION_SHARE else w for w in content]


def _sentence(tokens: list[str], rng: random.Random) -> str:
    for i in range(rng.randint(4, 9), len(tokens) - 2, rng.randint(6, 11)):
        tokens[i] += rng.choice(basic.PUNCTUATION)
    text = " ".join(tokens)
    return text[0].upper() + text[1:] + rng.choice(basic.SENTENCE_ENDS)


def body(rng: random.Random, lang: str, count: int) -> str:
    """About `count` words of Markdown: paragraphs of sentences, now and then a list or link."""
    tokens = draw(rng, lang, count)
    if rng.random() < RARE_CHANCE:
        for _ in range(rng.randint(1, 2)):
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(RARE_WORDS[lang]))
    paragraphs: list[str] = []
    at = 0
    while at < len(tokens):
        size = rng.randint(35, 70)
        paragraph, end = [], min(len(tokens), at + size)
        while at < end:
            length = max(2, min(end - at, rng.randint(8, 22)))
            paragraph.append(_sentence(tokens[at : at + length], rng))
            at += length
        paragraphs.append(" ".join(paragraph))
    roll = rng.random()
    vocabulary = CONTENT_WORDS[lang]
    if roll < 0.1:
        a, b, c, d = (rng.choice(vocabulary) for _ in range(4))
        paragraphs.append(f"- *{a}* {b}\n- **{c}** {d}")
    elif roll < 0.15:
        paragraphs.append(f"[{rng.choice(vocabulary)}](https://example.org/report)")
    return "\n\n".join(paragraphs)


def common(lang: str) -> list[str]:
    return CONTENT_WORDS[lang][:COMMON_RANKS]


def ordinary(lang: str) -> list[str]:
    """Words past the common head: each in a few percent of its language's comments."""
    return CONTENT_WORDS[lang][COMMON_RANKS * 4 :]


def rare(lang: str) -> list[str]:
    return RARE_WORDS[lang]
