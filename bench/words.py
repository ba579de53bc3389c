"""Word lists and a seeded text maker for generated comments (English, French, Spanish).

Written for the benchmarks: consultation vocabulary, not text from any real document.
The lists are long enough that compressed sizes stay near those of real prose (a few
dozen words repeated would compress far better than anything people write).
"""

from __future__ import annotations

import random

WORDS: dict[str, str] = {
    "en": """
        migration migrants mobility labour pathways skills recognition workers employers
        visas regular safe orderly rights protection families recruitment fees decent work
        wages contracts agencies inspection remittances savings banks transfer costs
        diaspora return reintegration communities municipalities cities regions ministries
        governments parliament budget data statistics evidence survey census indicators
        children youth women older persons disability health care housing schools language
        training apprenticeships certificates diplomas qualifications standards mutual
        agreements bilateral regional global compact objectives review forum progress
        climate drought floods disaster displacement borders screening reception shelters
        detention alternatives case management legal aid interpreters counsellors trust
        employers unions associations civil society faith groups volunteers mayors
        the of and to in a is that for on with as by at from this we should could would
        must can may not more less each every their our these those between across
        within without before after because although while where when how which also
        already still often rarely always clearly quickly fairly openly together
    """,
    "fr": """
        migration migrants mobilité main-d'œuvre voies compétences reconnaissance
        travailleurs employeurs visas régulière sûre ordonnée droits protection familles
        recrutement frais travail décent salaires contrats agences inspection envois
        épargne banques transferts coûts diaspora retour réintégration communautés
        communes villes régions ministères gouvernements parlement budget données
        statistiques preuves enquête recensement indicateurs enfants jeunes femmes
        personnes âgées handicap santé soins logement écoles langue formation apprentissage
        certificats diplômes qualifications normes accords bilatéraux régionaux pacte
        mondial objectifs examen forum progrès climat sécheresse inondations catastrophes
        déplacements frontières accueil hébergement rétention solutions gestion aide
        juridique interprètes conseillers confiance syndicats associations société civile
        bénévoles maires le la les des du de et à en un une est que qui pour sur avec par
        dans ce cette nous devrions pourrions doit peut pas plus moins chaque leurs nos
        entre au-delà sans avant après parce que bien où quand comment aussi déjà encore
        souvent rarement toujours clairement rapidement équitablement ensemble
    """,
    "es": """
        migración migrantes movilidad laboral vías competencias reconocimiento
        trabajadores empleadores visados regular segura ordenada derechos protección
        familias contratación tasas trabajo decente salarios contratos agencias inspección
        remesas ahorro bancos transferencias costos diáspora retorno reintegración
        comunidades municipios ciudades regiones ministerios gobiernos parlamento
        presupuesto datos estadísticas pruebas encuesta censo indicadores niñas niños
        jóvenes mujeres personas mayores discapacidad salud atención vivienda escuelas
        idioma formación aprendizaje certificados diplomas cualificaciones normas acuerdos
        bilaterales regionales pacto mundial objetivos examen foro progreso clima sequía
        inundaciones desastres desplazamiento fronteras acogida albergues detención
        alternativas gestión asistencia jurídica intérpretes consejeros confianza
        sindicatos asociaciones sociedad civil voluntarios alcaldes el la los las de del y
        en un una es que para con por este esta nosotros deberíamos podríamos debe puede
        no más menos cada sus nuestros entre sin antes después porque aunque donde cuando
        cómo también ya todavía a menudo rara vez siempre claramente rápidamente juntos
    """,
}
# Short, frequent words: about half the words of ordinary prose. Drawn at that rate,
# generated comments weigh what written ones do per word (the hand-written 150-word
# comment in tests/spaces/test_performance.py is 6.3 bytes of HTML a word); drawn only as
# often as the long lists above offer them, comments came out a third heavier.
_FUNCTION_TEXT = {
    "en": "the of and to in a is that for on with as by at from this we it be are not or our "
    "their have has will can should",
    "fr": "le la les des du de et à en un une est que qui pour sur avec par dans ce nous ne pas "
    "il se au aux son sont plus",
    "es": "el la los las de del y en un una es que para con por se no su sus al lo como más "
    "pero nos ha son",
}
FUNCTION_WORDS: dict[str, list[str]] = {lang: t.split() for lang, t in _FUNCTION_TEXT.items()}
FUNCTION_SHARE = 0.5
PUNCTUATION = (",", ",", ",", ";", ":", " —", " (objective 18)")
SENTENCE_ENDS = (".", ".", ".", "?", "!")
VOCABULARY: dict[str, list[str]] = {lang: text.split() for lang, text in WORDS.items()}


def sentence(rng: random.Random, lang: str, words: int) -> str:
    tokens = [
        rng.choice(FUNCTION_WORDS[lang] if rng.random() < FUNCTION_SHARE else VOCABULARY[lang])
        for _ in range(words)
    ]
    for i in range(rng.randint(4, 9), words - 2, rng.randint(6, 11)):
        tokens[i] += rng.choice(PUNCTUATION)
    text = " ".join(tokens)
    return text[0].upper() + text[1:] + rng.choice(SENTENCE_ENDS)


def paragraphs(rng: random.Random, lang: str, words: int) -> str:
    """About `words` words of Markdown: a few paragraphs, now and then emphasis or a list."""
    parts: list[str] = []
    remaining = words
    while remaining > 0:
        size = min(remaining, rng.randint(35, 70))
        sentences: list[str] = []
        left = size
        while left > 0:
            length = min(left, rng.randint(8, 22))
            sentences.append(sentence(rng, lang, max(length, 2)))
            left -= length
        parts.append(" ".join(sentences))
        remaining -= size
    roll = rng.random()
    if roll < 0.1:
        parts.append(
            f"- *{rng.choice(VOCABULARY[lang])}* {rng.choice(VOCABULARY[lang])}\n"
            f"- **{rng.choice(VOCABULARY[lang])}** {rng.choice(VOCABULARY[lang])}"
        )
    elif roll < 0.15:
        parts.append(f"[{rng.choice(VOCABULARY[lang])}](https://example.org/report)")
    return "\n\n".join(parts)
