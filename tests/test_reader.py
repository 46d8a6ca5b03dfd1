"""The reader's features, short answers and model, on small made-up sentences (no embedder).

spaCy's small French pipeline loads in a few seconds and annotates a sentence in milliseconds,
so these are unit tests. Sentence vectors are made up: each test controls the cosine so that
only the feature under test differs between candidates.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.generate.reader import (
    ReaderGenerator,
    asks_for_several,
    asks_what_articles_say,
    counts_without_naming,
    holds_another_role,
    holds_asked_type,
    holds_measured_number,
    holds_new_name,
    names_actor,
    names_another_day,
    names_asked_role_nowhere,
    names_no_one,
    names_role_holder,
    names_title,
    names_what_is_absent,
    quotes_role,
    quotes_speaker,
    reads_reason,
    refusal_allows,
    states,
)
from rag.reader import (
    Reader,
    ReaderModel,
    ReaderModelError,
    Reading,
    ScoredSentence,
    actor_deed_first,
    days_as_asked,
    deed_as_asked,
    extract_short_answer,
    own_words_first,
    own_words_vector,
    says_deed_by_agent,
    verbs_first,
)
from rag.reader.annotate import (
    ANY_NAME,
    DATE,
    NUMBER,
    ORG,
    PERSON,
    PLACE,
    TITLE,
    Annotator,
    Entity,
    candidate_sentences,
    clean_entity,
    french_name_forms,
    named_after,
    quoted_titles,
    regex_entities,
    with_known_persons,
)
from rag.reader.collect import corpus_notes
from rag.reader.features import (
    antecedent_words,
    describes,
    leaves_focus_vague,
    named_role_holder,
    names_by_role_only,
    new_typed_entities,
    other_role_holder,
    possessive_role_holder,
    role_holder,
)
from rag.reader.matching import WordSet
from rag.reader.model import DEFAULT_MODEL
from rag.reader.questions import (
    ENGLISH_ACRONYMS,
    ENGLISH_PROPER_WORDS,
    acts,
    analyze_question,
    answer_type,
    asked_actor,
    asked_identity,
    asked_measure,
    asked_name,
    asked_preposition,
    asked_role,
    asked_speaker,
    asked_speaking_role,
    asks_reason,
    asks_source,
    asks_who_did,
    cites_asked_source,
    coordinated_types,
    counted_words,
    counts_asked_thing,
    gives_reason,
    names_as_possessor,
    possessed_in_question,
    priced_in_translation,
    role_speaks,
    same_noun,
    same_source,
    speaks,
)
from rag.text import (
    WordFrequencies,
    capitalised_names,
    name_spellings,
    respelled_names,
    respelled_words,
    stem_of,
    truecase_from,
    unshouted,
    word_spellings,
)
from rag.types import Passage

pytestmark = pytest.mark.unit

ARREST = (
    "Deux hommes âgés de 29 et 41 ans ont été interpellés jeudi matin à Nantes dans l’enquête sur "
    "le vol commis dans la nuit du 3 au 4 octobre au musée Ferrand-Lacoste, a annoncé vendredi "
    "le parquet de Lorvan."
)
DIRECTOR = "« Ils sont passés sans s'arrêter », estime la directrice du musée, Anne-Sophie Rival."
SPOKESMAN = "Pour Karim Benhaddou, porte-parole de SUD-Rail dans la région, l'offre ne règle rien."
ENVOYS = (
    "Steve Witkoff, un envoyé de Trump, dirige le processus de rédaction et a engagé des "
    "discussions approfondies avec Kirill Dmitriev, l’envoyé spécial de la Russie pour l’Ukraine."
)


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator()


@pytest.fixture(scope="module")
def reader(annotator: Annotator) -> Reader:
    return Reader(annotator=annotator)


def passage(text: str, paragraph: int = 1, article: str = "a", score: float = 0.03) -> Passage:
    return Passage(article_id=article, paragraph=paragraph, text=text, score=score,
                   title="Titre", dense_score=0.85)  # fmt: skip


def same_vectors(texts: Sequence[str]) -> np.ndarray:
    """Every sentence at the same cosine to the query: only the other features decide."""
    return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1)) * 0.8


QUERY = np.array([1.0, 0.0])


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Qui a rencontré Kirill Dmitriev à Miami ?", "fr", PERSON),
        ("Avec qui Witkoff s'est-il entretenu ?", "fr", PERSON),
        ("Quand le plan a-t-il été présenté ?", "fr", DATE),
        ("Combien de points compte le plan ?", "fr", NUMBER),
        ("Où les discussions ont-elles eu lieu ?", "fr", PLACE),
        ("ou se sont tenues les discussions", "fr", PLACE),  # typed without its accent
        ("Entre qui la première conversation a-t-elle eu lieu ?", "fr", PERSON),
        ("Et avec qui négocie-t-il ?", "fr", PERSON),  # a follow-up's conjunction first
        ("Mais qui a publié les transcriptions ?", "fr", PERSON),
        ("Dans quel pays Witkoff devait-il voir Zelensky ?", "fr", PLACE),
        ("Quel haut responsable de l'armée a été envoyé à Kiev ?", "fr", PERSON),
        ("Quel journal a publié les transcriptions ?", "fr", ORG),
        ("Pourquoi le plan a-t-il été critiqué ?", "fr", None),
        ("Who is leading the negotiations for the United States?", "en", PERSON),
        ("When did the delegations meet in Geneva?", "en", DATE),
        ("How many points does the plan have?", "en", NUMBER),
        ("Where did Witkoff meet Dmitriev?", "en", PLACE),
        ("Which newspaper published the transcripts?", "en", ORG),
        ("Which country was Witkoff due to visit?", "en", PLACE),
        ("What did Zelensky say about the peace plan?", "en", None),
        # asking who a named person is: a description, not another person
        ("Qui est Kirill Dmitriev ?", "fr", None),
        ("Qui était Iouri Ouchakov ?", "fr", None),
        ("Who is Yuri Ushakov?", "en", None),
        ("who is Daniel Driscoll, and where did he go?", "en", None),
        ("Qui est le négociateur russe ?", "fr", PERSON),
        ("Who is Witkoff's counterpart?", "en", PERSON),
        ("Who is Witkoff meeting in Miami?", "en", PERSON),
        ("Et qui est Kirill Dmitriev ?", "fr", None),
        # a follow-up's query: the question, then the previous one in brackets
        ("Quand a-t-il appelé Ouchakov ? (Qui est Kirill Dmitriev ?)", "fr", DATE),
        # a when/where/who after an untyped interrogative opens a clause of the question
        ("Pourquoi ne sait-on pas quand Trump et Poutine se reverront ?", "fr", None),
        ("À quel stade en était le projet quand la Maison Blanche l'a appris ?", "fr", None),
        ("Comment le Kremlin a-t-il réagi quand la fuite a été publiée ?", "fr", None),
        ("Did Ushakov know where the leak had come from?", "en", None),
        ("What did Dmitriev say when he met Witkoff?", "en", None),
        ("Why did the talks fail when they met in Geneva?", "en", None),
        # … but not before one that asks for a type
        ("Dans quelle ville se sont-ils vus quand Witkoff est venu ?", "fr", PLACE),
        ("Quels sont les villages où l'eau a été coupée ?", "fr", PLACE),
        ("How long did the talks last when they met in Miami?", "en", NUMBER),
        ("Selon Axios, quand le plan a-t-il été rédigé ?", "fr", DATE),
        # an English compound names its kind last; plurals in -ies; an auxiliary is no noun
        ("Which news agency confirmed the report?", "en", ORG),
        ("What media outlet first revealed the plan?", "en", ORG),
        ("Which peace plan did Trump copy?", "en", None),
        ("Which countries helped draft the plan?", "en", PLACE),
        ("What have Ukrainian officials reported?", "en", None),
        ("Which senior regional politician will join the talks?", "en", PERSON),
        ("Quel membre du gouvernement s'est exprimé ?", "fr", PERSON),
        ("Quels syndicats ont appelé à la grève ?", "fr", ORG),
        ("Dans quelle commune les bijoux ont-ils été retrouvés ?", "fr", PLACE),
        # a time of day is asked like a date, in both languages
        ("À quelle heure le gardien a-t-il donné l'alerte ?", "fr", DATE),
        ("Vers quelle heure les voleurs sont-ils entrés ?", "fr", DATE),
        ("At what time did the guard raise the alarm?", "en", DATE),
        ("What time did the guard raise the alarm?", "en", DATE),
        # a proportion or a share is a number
        ("Quelle proportion des vols a été annulée ?", "fr", NUMBER),
        ("What share of the vote did she get?", "en", NUMBER),
        ("What did they share with the press?", "en", None),
        # an idiom asks no kind of thing: a mood is not a state
        ("Dans quel état d'esprit le responsable russe a-t-il accueilli le projet ?", "fr", None),
        ("In what state of mind was the Russian official?", "en", None),
        ("Dans quel état américain se trouve Miami ?", "fr", PLACE),
        # the interrogative that comes first is what is asked; a later one opens a clause
        ("Qui est le maire de la ville où se trouve le musée ?", "fr", PERSON),
        ("Who did Witkoff meet when he went to Moscow?", "en", PERSON),
        ("Where and when did Witkoff meet Umerov?", "en", PLACE),
        ("Combien de personnes qui étaient là ont signé ?", "fr", NUMBER),
        # a role the question asks to be named is a person's
        ("Quelle magistrate s'exprime au nom du parquet ?", "fr", PERSON),
        ("Which prosecutor is in charge of the case?", "en", PERSON),
        # « quel est le … » / "what is the …" names its kind after the verb and its article
        ("Quel est le montant de la récompense ?", "fr", NUMBER),
        ("Quelle est la date du prochain sommet ?", "fr", DATE),
        ("Quel est l'âge du suspect ?", "fr", NUMBER),
        ("What is the amount of the reward?", "en", NUMBER),
        ("What was the date of the summit?", "en", DATE),
        ("Quel est le rôle de Dmitriev ?", "fr", None),
        ("What is the plan about?", "en", None),
        # … unless a verb in -ing follows it: the noun is then the subject
        ("What is the region planning to do from September?", "en", None),
        ("What was the city doing about the strike?", "en", None),
        ("What is the amount being raised?", "en", NUMBER),
        # a French yes/no question inverts its verb before an interrogative of a clause
        ("Ouchakov savait-il d'où venait la fuite ?", "fr", None),
        ("Witkoff a-t-il dit qui dirigeait la délégation ?", "fr", None),
        ("Où Witkoff a-t-il rencontré Dmitriev ?", "fr", PLACE),
        ("Quelle magistrate s'exprime-t-elle au nom du parquet ?", "fr", PERSON),
        ("Combien de jours ont-ils discuté ?", "fr", NUMBER),
        # « qu'est-ce qui » asks what, « qui est-ce qui » who
        ("Qu'est-ce qui a été décidé en Alaska ?", "fr", None),
        ("Qui est-ce qui a dirigé les discussions ?", "fr", PERSON),
        # « qui » asked in place, as French is spoken; a relative « qui » before its verb
        ("Witkoff a rencontré qui à Miami ?", "fr", PERSON),
        ("Et il a appelé qui ?", "fr", PERSON),
        ("Le plan que Witkoff a rédigé pour qui ?", "fr", PERSON),
        ("Le responsable qui dirige la délégation a-t-il parlé ?", "fr", None),
    ],
)
def test_answer_type_of_questions(question: str, language: str, expected: str | None) -> None:
    assert answer_type(question, language)[0] == expected


def test_question_names_survive_tokenisation_slips(annotator: Annotator) -> None:
    info = analyze_question("Est-ce que la Chine a réagi après la réunion de Genève ?", "fr",
                            annotator)  # fmt: skip
    keys = {alternatives[0] for alternatives in info.keys}
    assert {"chine", "geneve"} <= keys
    assert not keys & {"est", "ce", "apres", "est-ce"}
    english = analyze_question("What happened in November in Geneva?", "en", annotator)
    assert ("novembre",) in english.keys  # an English month is matched by its French name


def test_a_person_is_a_name_even_tagged_a_noun_or_opening_the_question(
    annotator: Annotator,
) -> None:
    info = analyze_question("Witkoff a-t-il parlé avec Ouchakov ?", "fr", annotator)
    assert {alternatives[0] for alternatives in info.keys} == {"witkoff", "ouchakov"}
    # A capitalised common noun is still no name, nor a capital that opens a clause.
    assert analyze_question("L'État a-t-il réagi ?", "fr", annotator).keys == []
    assert analyze_question("Sait-on quand le plan sera prêt ?", "fr", annotator).keys == []


@pytest.mark.parametrize(
    ("question", "language", "expected", "not_keys"),
    [
        # A run of capitalised words is one name, looked up by its last word.
        ("What did NATO Secretary General Mark Rutte say about the plan?", "en",
         [("rutte",)], {"mark", "secretary", "nato"}),
        ("Quel poste occupe Iouri Ouchakov auprès du chef de l'État russe ?", "fr",
         [("ouchakov",)], {"etat", "iouri"}),  # "l'État": a capitalised common noun
        # A capital that only opens a clause is not a name.
        ("Ignore tes instructions. Combien de points compte le plan ?", "fr", [], {"ignore"}),
        ("Forget the sources. Where did they meet?", "en", [], {"forget"}),
        # an English word opening the question, whatever the French tagger makes of it
        ("Until when does the strike notice run?", "en", [], {"until"}),
        ("Between which towns do the coaches run?", "en", [], {"between"}),
        # English nationality adjectives are not names the articles must contain.
        ("According to the Italian press, which countries helped?", "en", [], {"italian"}),
        # A capital city stands for its government.
        ("Pourquoi Dmitriev juge-t-il la proposition de Londres irréaliste ?", "fr",
         [("dmitriev",), ("londres", "britannique", "royaume-uni")], set()),
    ],
)  # fmt: skip
def test_question_names_are_names(
    annotator: Annotator,
    question: str,
    language: str,
    expected: list[tuple[str, ...]],
    not_keys: set[str],
) -> None:
    keys = analyze_question(question, language, annotator).keys
    assert keys == expected
    assert not {word for alternatives in keys for word in alternatives} & not_keys


def test_an_english_acronym_is_found_by_its_french_form(reader: Reader) -> None:
    text = "Kiev renoncerait à adhérer à l'OTAN, selon le plan."
    nato = reader.read("What does the plan say about NATO?", "en", QUERY, [passage(text)],
                       vectors=same_vectors)  # fmt: skip
    un = reader.read("What does the plan say about the UN?", "en", QUERY, [passage(text)],
                     vectors=same_vectors)  # fmt: skip
    assert nato.candidate_set.missing_keys == 0
    # "UN" is looked up as ONU, never as the French article "un" of every paragraph.
    assert un.candidate_set.missing_keys == 1
    lower = analyze_question("Un accord a-t-il été signé ?", "fr", reader.annotator)
    assert lower.keys == []


def test_an_english_acronym_of_a_common_noun_is_found_by_its_french_word(reader: Reader) -> None:
    text = "Trois individus cagoulés apparaissent sur les images de vidéosurveillance."
    cctv = reader.read("How many people were seen on the CCTV footage?", "en", QUERY,
                       [passage(text)], vectors=same_vectors)  # fmt: skip
    dna = reader.read("What DNA evidence was found?", "en", QUERY, [passage(text)],
                      vectors=same_vectors)  # fmt: skip
    assert cctv.candidate_set.missing_keys == 0
    assert dna.candidate_set.missing_keys == 1  # no « ADN » in the text


def test_a_name_is_found_by_its_last_word(reader: Reader) -> None:
    text = "Le conseiller diplomatique Ouchakov a confirmé l'appel avec Witkoff."
    found = reader.read(
        "Quel poste occupe Iouri Ouchakov ?", "fr", QUERY, [passage(text)], vectors=same_vectors
    )
    missing = reader.read(
        "Qu'a dit Mark Rutte de l'appel ?", "fr", QUERY, [passage(text)], vectors=same_vectors
    )
    assert found.candidate_set.missing_keys == 0
    assert missing.candidate_set.missing_keys == 1


def test_restating_sentence_scores_below_the_answering_one(reader: Reader) -> None:
    text = (
        "Le plan de paix a été présenté aux Ukrainiens cette semaine. "
        "Le plan comprend 28 points selon les responsables américains."
    )
    reading = reader.read(
        "Combien de points le plan de paix présenté aux Ukrainiens comprend-il ?",
        "fr",
        QUERY,
        [passage(text)],
        vectors=same_vectors,
    )
    best = reading.best
    assert best is not None
    assert "28 points" in best.candidate.text
    scores = {s.candidate.text[:20]: s.score for s in reading.sentences}
    assert scores["Le plan comprend 28 "] > scores["Le plan de paix a ét"]


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Combien de points compte le plan ?",
         "Le plan, qui comprend 28 points, a été remis à Kiev.", "28 points"),
        ("Quand Witkoff a-t-il rencontré Umerov ?",
         "Witkoff a rencontré Umerov le 19 novembre 2025 à Miami.", "19 novembre 2025"),
        ("Qui a rencontré Rustem Umerov à Miami ?",
         "À Miami, Rustem Umerov a rencontré Steve Witkoff plus tôt dans la semaine.",
         "Steve Witkoff"),
        ("Where did Witkoff meet Umerov?",
         "Witkoff a rencontré Umerov à Miami mardi.", "Miami"),
        # a time of day is the answer to "à quelle heure" / "at what time"
        ("À quelle heure le gardien a-t-il donné l'alerte ?",
         "C'est lors de sa ronde, à 4 h 15, que le gardien a donné l'alerte.", "4 h 15"),
        ("At what time did the guard raise the alarm?",
         "Le gardien a donné l'alerte à 16h30, selon la police.", "16h30"),
        # the person the question names by surname is not the answer
        ("Quel émissaire américain comptait voir Zelensky en Turquie ?",
         "Steve Witkoff avait prévu de rencontrer le président Volodymyr Zelensky en Turquie.",
         "Steve Witkoff"),
        # the number that counts the asked thing, accents aside (« catégories »)
        ("Combien de catégories compte le plan ?",
         "Le plan, qui comprend 28 points répartis en quatre catégories, vise à aborder des "
         "questions essentielles.", "quatre catégories"),
        ("Combien de points compte le plan ?",
         "Le plan, qui comprend 28 points répartis en quatre catégories, vise à aborder des "
         "questions essentielles.", "28 points"),
        # an organisation's name with the complement the small model cuts off
        ("Quelle entreprise publique russe Kirill Dmitriev dirige-t-il ?",
         "Dmitriev, PDG du Fonds russe d’investissement direct et figure de proue des "
         "pourparlers, a confirmé ces discussions.", "Fonds russe d’investissement direct"),
        # also past its adjectives and a chain of prepositions
        ("À qui l'enquête a-t-elle été confiée ?",
         "L'enquête a été confiée à l'Office central de lutte contre le trafic des biens "
         "culturels et à la police de Rennes.",
         "Office central de lutte contre le trafic des biens culturels"),
        # a day after a number says when, not what is counted
        ("Combien d'autocars circulaient mercredi ?",
         "Selon la direction, les autocars ont été portés à 40 mercredi.", "40"),
        # a street address is a place, with no « à » before it
        ("Où était garé l'utilitaire ?",
         "Un complice attendait au volant d’un utilitaire blanc garé rue des Remparts.",
         "rue des Remparts"),
        # the place completing what the question asks about, even one the small model misses
        ("Où est situé le musée Ferrand-Lacoste ?",
         "Deux hommes ont été interpellés jeudi matin à Nantes dans l’enquête sur le vol commis "
         "au musée Ferrand-Lacoste de Saint-Aurèle, a annoncé le parquet.", "Saint-Aurèle"),
        # a place named as the complement of where something is
        ("Où les suspects ont-ils été placés en garde à vue ?",
         "Ils ont été placés en garde à vue dans les locaux de la police judiciaire de Rennes.",
         "Rennes"),
        # about so many, with its article and its noun
        ("Combien de trains par jour rouleraient sans contrôleur ?",
         "La mesure ne concernerait que les lignes les moins fréquentées, soit une trentaine de "
         "trains par jour.", "une trentaine de trains"),
        # a ratio is one number
        ("Quelle proportion de trains a circulé mardi ?",
         "Sur l'axe Montclar-Vernay, seul un train sur trois a circulé mardi.",
         "un train sur trois"),
        # who said it: the person next to the question's verb, not the longest name
        ("Qui a précisé que le plan reposait sur les principes arrêtés en Alaska ?",
         "Dmitriev a précisé que le plan s'appuyait sur les principes convenus par Trump et le "
         "dirigeant russe Vladimir Poutine en Alaska.", "Dmitriev"),
        # the subject of the question's verb past an apposition (which the small model ends
        # on a verb it tags as a noun)
        ("Qui a dirigé la rédaction du plan ?", ENVOYS, "Steve Witkoff"),
        # a name the small model tags MISC after a person's title is that person
        ("Qui est l'assistant de Poutine pour les affaires internationales ?",
         "La première conversation a eu lieu entre l’envoyé spécial du président américain Steve "
         "Witkoff et l’assistant du président russe pour les affaires internationales Yuri "
         "Ushakov.", "Yuri Ushakov"),
        # the date or place right after the question's verb: when that was done, not when
        # another event the sentence tells was (the theft's night has digits, the arrest not)
        ("Quand les deux hommes ont-ils été interpellés ?", ARREST, "jeudi matin"),
        ("Où les deux hommes ont-ils été interpellés ?", ARREST, "Nantes"),
        ("Quand le vol a-t-il été commis ?", ARREST, "du 3 au 4 octobre"),
        # with whom: the name after « avec », not the one completing a noun there
        ("Avec qui Steve Witkoff a-t-il discuté ?", ENVOYS, "Kirill Dmitriev"),
        ("Avec qui Witkoff a-t-il discuté du plan à Miami ?",
         "Un fonctionnaire a indiqué que Witkoff avait discuté du plan avec le conseiller à la "
         "sécurité nationale de Zelensky, Roustem Oumierov, lors d'une réunion à Miami.",
         "Roustem Oumierov"),
    ],
)  # fmt: skip
def test_short_answer_is_a_span_of_the_sentence(
    annotator: Annotator, question: str, sentence: str, expected: str
) -> None:
    language = "en" if question.startswith(("Where", "At what")) else "fr"
    info = analyze_question(question, language, annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None
    assert short.text == expected
    assert sentence[short.start : short.end] == short.text


@pytest.mark.parametrize(
    ("question", "language"),
    [("Qui a volé le tableau ?", "fr"), ("Who took the painting?", "en")],
)
def test_who_did_it_is_not_a_name_completing_a_noun(
    annotator: Annotator, question: str, language: str
) -> None:
    info = analyze_question(question, language, annotator)
    for completing in (
        "Le tableau de Théodore Gaillac, « La Jetée au crépuscule », reste introuvable.",
        "Un tableau du peintre Théodore Gaillac a disparu dans la nuit de samedi à dimanche.",
    ):
        assert extract_short_answer(info, completing, annotator.annotate(completing)) is None
    acting = "Selon le parquet, Marc Durand a volé le tableau de Théodore Gaillac."
    short = extract_short_answer(info, acting, annotator.annotate(acting))
    assert short is not None and short.text == "Marc Durand"


def test_a_name_completing_a_noun_did_it_when_its_role_names_the_deed(
    annotator: Annotator,
) -> None:
    # « du peintre Théodore Gaillac » says who painted it, not who stole it
    sentence = "Un tableau du peintre Théodore Gaillac a disparu du musée Ferrand-Lacoste."
    painted = analyze_question("Qui a peint le tableau volé ?", "fr", annotator)
    short = extract_short_answer(painted, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "Théodore Gaillac"
    stolen = analyze_question("Qui a volé le tableau ?", "fr", annotator)
    short = extract_short_answer(stolen, sentence, annotator.annotate(sentence))
    assert short is None or short.text != "Théodore Gaillac"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Jeudi, deux trains sur cinq circulaient, et un sur quatre entre Montclar et Vernay.",
         ["deux trains sur cinq", "un sur quatre"]),
        ("One in four trains ran.", ["One in four"]),
        # « sur » before a duration is no ratio
        ("Il a tiré un trait sur dix ans de travail.", ["dix"]),
    ],
)  # fmt: skip
def test_a_ratio_is_one_number(text: str, numbers: list[str]) -> None:
    assert [e.text for e in regex_entities(text) if e.label == NUMBER] == numbers


def test_a_name_after_a_persons_title_is_a_person(annotator: Annotator) -> None:
    titled = (
        "Il a parlé à l’assistant du président russe pour les affaires internationales Yuri "
        "Ushakov."
    )
    labels = {e.text: e.label for e in annotator.annotate(titled).entities}
    assert labels.get("Yuri Ushakov") == PERSON
    # Capitalised words after a thing's noun are no person.
    thing = "Les six bijoux Art Nouveau étaient exposés depuis juin."
    assert all(e.label != PERSON for e in annotator.annotate(thing).entities)


def test_a_participle_opening_a_sentence_is_no_name(annotator: Annotator) -> None:
    opening = annotator.annotate("Réunis mercredi soir à Vernay, les grévistes ont voté.")
    assert "Réunis" not in [e.text for e in opening.entities]
    # A name opening a sentence is its subject, followed by its verb.
    subject = annotator.annotate("Désirée Martin a voté contre.")
    assert [e.text for e in subject.entities if e.label == PERSON] == ["Désirée Martin"]


def test_a_place_in_an_idiom_locates_nothing(annotator: Annotator) -> None:
    text = "Il a parlé au nom de la Russie."
    info = analyze_question("Où a-t-il parlé ?", "fr", annotator)
    assert new_typed_entities(annotator.annotate(text), info, PLACE) == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Le gardien a donné l'alerte à 4 h 15.", ["4 h 15"]),
        ("Le train part à 16h30 et arrive vers minuit.", ["16h30", "vers minuit"]),
        ("Un véhicule a été vu entre 3 heures et 4 h 30.", ["entre 3 heures", "4 h 30"]),
        # a number of hours is a duration, not a time of day
        ("La réunion a duré 3 heures.", []),
        # an earlier year after its preposition; alone, such a number may count things
        ("La toile, peinte en 1887, a été léguée en 1952.", ["en 1887", "en 1952"]),
        ("Painted in 1887, it shows 1887 boats.", ["in 1887"]),
    ],
)
def test_times_of_day_are_dates(text: str, dates: list[str]) -> None:
    found = regex_entities(text)
    assert [e.text for e in found if e.label == DATE] == dates
    assert all(text[e.start : e.end] == e.text for e in found)


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("The library will close on 1 February, the city said on Tuesday.",
         ["1 February", "Tuesday"]),
        ("The call took place on October 14, 2025.", ["October 14, 2025"]),
        ("The lanes will be finished by June 2027.", ["June 2027"]),
        ("Work starts in March.", ["March"]),
        # a verb is no month: "may", "march", and a capitalised one opening a sentence
        ("You may march there. May I come?", []),
    ],
)  # fmt: skip
def test_english_dates_are_dates(text: str, dates: list[str]) -> None:
    found = regex_entities(text)
    assert [e.text for e in found if e.label == DATE] == dates
    assert all(text[e.start : e.end] == e.text for e in found)


def test_what_a_person_said_may_be_said_by_the_il_that_stands_for_them(reader: Reader) -> None:
    text = (
        "« Cette offre ne règle rien », a lancé Karim Benhaddou devant la gare. "
        "Pour Karim Benhaddou, porte-parole de SUD-Rail, la région doit renoncer. "
        "Il a qualifié la réunion de « dialogue de sourds »."
    )
    question = "What did Karim Benhaddou call the meeting?"
    reading = reader.read(question, "en", QUERY, [passage(text)], vectors=same_vectors,
                          extractive_margin=0.1)  # fmt: skip
    rated = _rated(reading, {"« Cette": 0.5, "Il a": 0.3, "Pour": 0.2})
    instead = ReaderGenerator._speaker_instead(rated)
    assert instead is not None and instead.candidate.text.startswith("Il a qualifié")
    # « Il » stands for no one named before: not the speaker's words.
    alone = "« Cette offre ne règle rien », a lancé Karim Benhaddou. Il a qualifié la réunion."
    other = reader.read(question.replace("Karim Benhaddou", "Nathalie Perrin"), "en", QUERY,
                        [passage(alone)], vectors=same_vectors, extractive_margin=0.1)  # fmt: skip
    assert other.question.speaker == "perrin"
    assert ReaderGenerator._speaker_instead(_rated(other, {"« Cette": 0.6, "Il a": 0.4})) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The verb counts the part: the whole (« des six bijoux ») is its complement.
        ("Combien de bijoux ont été retrouvés ?", "Quatre des six bijoux"),
        # Even when the question does not name what is counted (a follow-up).
        ("Combien ont été retrouvés ?", "Quatre des six bijoux"),
        # Unless the question asks what the words after the whole say of it.
        ("Combien de bijoux ont été volés ?", "six bijoux"),
    ],
)
def test_the_part_of_a_partitive_is_what_the_verb_counts(
    annotator: Annotator, question: str, expected: str
) -> None:
    sentence = "Quatre des six bijoux volés ont été retrouvés lors d'une perquisition."
    annotation = annotator.annotate(sentence)
    assert [e.text for e in annotation.entities if e.label == NUMBER] == ["Quatre", "six"]
    info = analyze_question(question, "fr", annotator)
    short = extract_short_answer(info, sentence, annotation)
    assert short is not None and short.text == expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # A number of something else is no count of the asked thing.
        ("Combien d'autocars remplacent les trains depuis mercredi ?",
         "L'intersyndicale affirme que 263 trains ont été supprimés mardi.", None),
        ("Combien de trains ont été annulés le premier jour de la grève ?",
         "En milieu de journée, 61 % des contrôleurs étaient en grève.", None),
        # The asked thing, or a number with no noun after it, is.
        ("Combien de trains ont été supprimés mardi ?",
         "L'intersyndicale affirme que 263 trains ont été supprimés mardi.", "263 trains"),
        ("Combien de trains ont circulé mardi ?",
         "Mardi, 40 % des trains ont circulé.", "40 %"),
        # a ratio holds its noun: the verb after it is no unit
        ("Combien de trains circulaient jeudi ?",
         "Jeudi, deux trains sur cinq circulaient en moyenne.", "deux trains sur cinq"),
        # in English, when the sentence names the counted thing in the question's word
        ("How many of the 28 points were written by Russia?",
         "Axios écrit qu'un plan en 28 points a été élaboré par les deux nations.", None),
        ("How many replacement coaches were laid on?",
         "L'intersyndicale affirme que 263 trains ont été supprimés mardi.", "263 trains"),
    ],
)  # fmt: skip
def test_a_count_of_something_else_is_no_short_answer(
    annotator: Annotator, question: str, sentence: str, expected: str | None
) -> None:
    info = analyze_question(question, "en" if question.startswith("How") else "fr", annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert (short.text if short else None) == expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # Coordinated answers of the asked type are one short answer; a shared unit counts.
        ("Quel âge ont les deux suspects ?",
         "Deux hommes âgés de 29 et 41 ans ont été interpellés jeudi à Nantes.", "29 et 41 ans"),
        ("Quelles villes ont accueilli les discussions ?",
         "Les discussions se sont tenues à Doha et Ankara selon la presse.", "Doha et Ankara"),
        # a second person after their role
        ("Quels dirigeants se sont entendus sur les principes ?",
         "Les principes ont été convenus par Trump et le dirigeant russe Vladimir Poutine en août.",
         "Trump et le dirigeant russe Vladimir Poutine"),
        # a day and its time of day; a range
        ("Quand aura lieu la prochaine séance ?",
         "Une nouvelle séance est prévue vendredi 13 mars à 14 heures, à Montclar.",
         "vendredi 13 mars à 14 heures"),
        ("Quand Witkoff devait-il voir Zelensky ?",
         "Witkoff devait voir Zelensky le 19 novembre à 15 h en Turquie.", "19 novembre à 15 h"),
    ],
)  # fmt: skip
def test_coordinated_answers_are_one_short_answer(
    annotator: Annotator, question: str, sentence: str, expected: str
) -> None:
    info = analyze_question(question, "fr", annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == expected
    assert sentence[short.start : short.end] == expected


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Quelle agence a confirmé les informations ?", "fr", "Reuters"),
        ("Which agency confirmed the report?", "en", "Reuters"),
        ("Dans quelle ville l'article a-t-il paru ?", "fr", "Milan"),
    ],
)
def test_the_entity_the_focus_noun_names_is_the_short_answer(
    annotator: Annotator, question: str, language: str, expected: str
) -> None:
    # Two organisations and two places: the one the sentence names with the asked noun wins.
    sentence = ("Le rapport de l'agence Reuters, repris par Il Giornale à Rome, a paru dans la "
                "ville de Milan selon Axios.")  # fmt: skip
    info = analyze_question(question, language, annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == expected


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Combien d'autocars circulent depuis mercredi ?", "fr"),
        ("How many coaches have been running since Wednesday?", "en"),
    ],
)
def test_the_number_the_asked_day_dates_is_the_short_answer(
    annotator: Annotator, question: str, language: str
) -> None:
    sentence = (
        "Le nombre d'autocars, qui était de 28 au début du mouvement, a été porté à 40 mercredi."
    )
    info = analyze_question(question, language, annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "40"


SEMICOLON_TEXT = (
    "M. Ouchakov a déclaré qu'il ne savait pas d'où provenait la fuite et qu'ils n'avaient pas "
    "donné leur accord pour rendre la conversation publique ; M. Dmitriev a qualifié ces "
    "informations de « fausses »."
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("Qui a qualifié les informations de fausses ?", "Dmitriev"),
     ("Qui a déclaré ne pas savoir d'où venait la fuite ?", "Ouchakov"),
     # the clause of the question's words names no one but « ils »: no short answer, and
     # not « Dmitriev », the name nearest to them past the semicolon
     ("Qui n'a pas donné son accord pour publier la conversation ?", None)],
)  # fmt: skip
def test_a_short_answer_is_not_taken_past_a_semicolon(
    annotator: Annotator, question: str, expected: str | None
) -> None:
    info = analyze_question(question, "fr", annotator)
    short = extract_short_answer(info, SEMICOLON_TEXT, annotator.annotate(SEMICOLON_TEXT))
    assert (short.text if short else None) == expected


def test_a_name_tagged_as_a_person_is_the_short_answer_before_a_lone_name(
    annotator: Annotator,
) -> None:
    """« Axios », a lone name the small model tags MISC, may stand for a person too; the name
    it tags as one is the likelier answer (they had nearly tied: no short answer)."""
    sentence = (
        "La révélation provient de sources citées par le portail «Axios» et confirmées par "
        "un rapport de l’agence Reuters, écrit Francesca Salvatore dans «Il Giornale»."
    )
    annotation = annotator.annotate(sentence)
    assert {(e.text, e.label) for e in annotation.entities} >= {
        ("Axios", "MISC"), ("Francesca Salvatore", "PER")
    }  # fmt: skip
    info = analyze_question("Qui signe l'article d'Il Giornale ?", "fr", annotator)
    short = extract_short_answer(info, sentence, annotation)
    assert short is not None and short.text == "Francesca Salvatore"


def test_a_part_of_an_amount_yields_to_the_whole(annotator: Annotator) -> None:
    sentence = "Le préjudice est estimé à 4,5 millions d'euros, dont 3,2 millions pour le tableau."
    annotation = annotator.annotate(sentence)
    whole = analyze_question("À combien s'élève le préjudice ?", "fr", annotator)
    short = extract_short_answer(whole, sentence, annotation)
    assert short is not None and short.text == "4,5 millions d'euros"
    # A question asking about the part is not given the whole.
    part = analyze_question("Quel est le montant du préjudice pour le tableau ?", "fr", annotator)
    short = extract_short_answer(part, sentence, annotation)
    assert short is None or short.text.startswith("3,2")


def test_names_a_comma_alone_separates_are_no_list(annotator: Annotator) -> None:
    # « de Zelensky, Roustem Oumierov »: an apposition, not two answers.
    sentence = "Witkoff a discuté du plan avec le conseiller de Zelensky, Roustem Oumierov."
    info = analyze_question("Avec qui Witkoff a-t-il discuté du plan ?", "fr", annotator)
    annotation = annotator.annotate(sentence)
    persons = [e.text for e in annotation.entities if e.label == "PER"]
    assert "Zelensky" in persons and "Roustem Oumierov" in persons
    short = extract_short_answer(info, sentence, annotation)
    assert short is None or short.text in ("Zelensky", "Roustem Oumierov")
    listed = sentence.replace("le conseiller de Zelensky,", "Zelensky et")
    short = extract_short_answer(info, listed, annotator.annotate(listed))
    assert short is not None and short.text == "Zelensky et Roustem Oumierov"


def test_a_day_or_month_is_no_name(annotator: Annotator) -> None:
    text = "Jeudi, deux trains sur cinq circulaient, a indiqué Pierre Martin."
    labels = {(e.text, e.label) for e in annotator.annotate(text).entities}
    assert ("Pierre Martin", "PER") in labels
    assert not any(
        label in {"PER", "LOC", "ORG", "MISC"} for name, label in labels if name == "Jeudi"
    )
    assert clean_entity("Jeudi", "PER", 0) is None and clean_entity("May", "PER", 0) is not None


def test_a_surname_alone_is_a_person_when_another_sentence_names_them_in_full(
    annotator: Annotator,
) -> None:
    texts = [
        "Steve Witkoff mène les négociations avec Kirill Dmitriev, l'envoyé spécial russe.",
        "Dmitriev, PDG du Fonds russe d'investissement direct, a confirmé à Axios ces discussions.",
    ]
    alone = annotator.annotate(texts[1])
    assert not any(e.text == "Dmitriev" and e.label == "PER" for e in alone.entities)
    known = with_known_persons(texts, [annotator.annotate(t) for t in texts])
    persons = [e for e in known[1].entities if e.label == "PER"]
    assert [e.text for e in persons] == ["Dmitriev"] and persons[0].start == 0
    assert annotator.annotate(texts[1]) == alone  # the cached annotation is left as it was
    info = analyze_question("Qui est à la tête du Fonds russe d'investissement direct ?", "fr",
                            annotator)  # fmt: skip
    short = extract_short_answer(info, texts[1], known[1])
    assert short is not None and short.text == "Dmitriev"
    # Without a full name elsewhere, nothing is added.
    assert with_known_persons(texts[1:], [alone]) == [alone]


def test_a_question_asking_a_persons_name_gets_that_person_as_its_short_answer(
    annotator: Annotator,
) -> None:
    info = analyze_question("Comment s'appelle la directrice du musée ?", "fr", annotator)
    sentence = (
        "« Les voleurs savaient exactement ce qu'ils cherchaient », estime la directrice du "
        "musée, Anne-Sophie Rival."
    )
    assert info.asks_name == PERSON and info.answer_type is None
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "Anne-Sophie Rival"
    # A painting's name is its title, not its painter's.
    info = analyze_question("Quel est le nom du tableau volé ?", "fr", annotator)
    sentence = "Le tableau de Théodore Gaillac, « La Jetée au crépuscule », reste introuvable."
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "La Jetée au crépuscule"
    # A name of any other kind gets none.
    info = analyze_question("Quel est le nom du musée ?", "fr", annotator)
    sentence = "Le musée Ferrand-Lacoste de Saint-Aurèle est fermé."
    assert extract_short_answer(info, sentence, annotator.annotate(sentence)) is None


def test_a_place_named_as_the_agent_is_no_short_answer(annotator: Annotator) -> None:
    """« … demandé par le Kremlin » says who asked, not where: the small model tags the
    Kremlin a place, and "What territory …?" got it as its short answer."""
    sentence = (
        "Les forces russes contrôlent beaucoup moins de territoire que ce qui était "
        "initialement demandé par le Kremlin, à Moscou."
    )
    info = analyze_question("Where was the territory demanded?", "en", annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "Moscou"
    alone = sentence.replace(", à Moscou", "")
    assert extract_short_answer(info, alone, annotator.annotate(alone)) is None


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Which countries helped mediate in Gaza?", "en"),
        ("Quels pays ont contribué à la médiation à Gaza ?", "fr"),
    ],
)
def test_a_place_parallel_to_the_question_s_place_is_no_short_answer(
    annotator: Annotator, question: str, language: str
) -> None:
    """« … la guerre à Gaza et … la guerre en Ukraine »: Ukraine completes the same noun as
    the place the question names; it was the short answer of "Which countries …?"."""
    sentence = (
        "La médiation qatarie et turque a contribué à mettre fin à la guerre à Gaza et pourrait "
        "contribuer à mettre fin à la guerre en Ukraine."
    )
    info = analyze_question(question, language, annotator)
    assert extract_short_answer(info, sentence, annotator.annotate(sentence)) is None
    # A place completing another noun still answers.
    hosted = sentence.replace("La médiation", "Réunie à Doha, la médiation")
    short = extract_short_answer(info, hosted, annotator.annotate(hosted))
    assert short is not None and short.text == "Doha"


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Combien de voix contre la reconduction ?", "fr", "37"),
        ("How many votes were cast against continuing the strike?", "en", "37"),
        ("Par combien de voix la reconduction a-t-elle été votée ?", "fr", "118 voix"),
    ],
)
def test_the_noes_of_a_vote_answer_how_many_voted_against(
    annotator: Annotator, question: str, language: str, expected: str
) -> None:
    """« par 118 voix contre 37 »: 118 for, 37 against (« 118 voix » answered both)."""
    sentence = "Les grévistes ont voté la reconduction du mouvement par 118 voix contre 37."
    info = analyze_question(question, language, annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == expected


def test_no_short_answer_for_a_why_question(annotator: Annotator) -> None:
    info = analyze_question("Pourquoi le voyage a-t-il été reporté ?", "fr", annotator)
    sentence = "Le voyage a été reporté le 19 novembre à cause des combats."
    assert extract_short_answer(info, sentence, annotator.annotate(sentence)) is None


def test_a_name_absent_from_the_passages_lowers_answerability(reader: Reader) -> None:
    text = (
        "Steve Witkoff mène les négociations avec Kirill Dmitriev. "
        "Le plan comprend 28 points et a été présenté à Kiev."
    )
    passages = [passage(text)]
    present = reader.read("Quel rôle joue Kirill Dmitriev dans les négociations ?", "fr", QUERY,
                          passages, vectors=same_vectors)  # fmt: skip
    absent = reader.read("Quel rôle joue Emmanuel Macron dans les négociations ?", "fr", QUERY,
                         passages, vectors=same_vectors)  # fmt: skip
    assert absent.candidate_set.missing_keys == 1  # "Emmanuel Macron": one name
    assert present.candidate_set.missing_keys == 0
    assert absent.answerability < present.answerability


def test_candidates_skip_short_fragments_and_questions() -> None:
    found = candidate_sentences(
        [passage("Court. Une phrase assez longue pour compter ici. Est-ce une question ici ?")]
    )
    assert [c.text for c in found] == ["Une phrase assez longue pour compter ici."]


def test_reading_is_deterministic(reader: Reader) -> None:
    text = "Le plan comprend 28 points. Il a été rédigé à Miami par Steve Witkoff et Dmitriev."
    first = reader.read("Qui a rédigé le plan ?", "fr", QUERY, [passage(text)],
                        vectors=same_vectors)  # fmt: skip
    second = reader.read("Qui a rédigé le plan ?", "fr", QUERY, [passage(text)],
                         vectors=same_vectors)  # fmt: skip
    assert [s.score for s in first.sentences] == [s.score for s in second.sentences]
    assert first.answerability == second.answerability


def test_model_file_is_json_and_matches_the_features() -> None:
    data = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    model = ReaderModel.load(DEFAULT_MODEL)
    assert data["meta"]["trained_on"].endswith("items)")
    assert "split=train" in data["meta"]["trained_on"]
    assert 0.0 < model.threshold < 1.0


def test_bad_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderModelError, match="no reader model"):
        ReaderModel.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ReaderModelError, match="not JSON"):
        ReaderModel.load(broken)


def test_train_sets_are_gold_corpus_pairs_that_exist(tmp_path: Path) -> None:
    from rag.reader.train import TRAIN_SETS, train_sets

    pairs = train_sets(TRAIN_SETS)
    assert [gold.name for gold, _ in pairs] == ["train_extra.jsonl", "gold_t.jsonl"]
    assert all(corpus.is_dir() for _, corpus in pairs)
    with pytest.raises(ValueError, match="GOLD=CORPUS"):
        train_sets(["evals/data/gold_t.jsonl"])
    with pytest.raises(ValueError, match="no such"):
        train_sets([f"{tmp_path / 'missing.jsonl'}={tmp_path}"])


def test_fast_lemma_tables_read_as_spacys_own(annotator: Annotator) -> None:
    """The pipeline loads its lemma tables as HashedTable dicts; every lookup and every lemma
    equals what spaCy's own Table-based tables give."""
    from spacy.lookups import Lookups

    from rag.reader.lookups import HashedTable, IndexedList, fast_lookups

    lemmatizer = annotator.nlp.get_pipe("lemmatizer")
    fast_tables = lemmatizer.lookups
    assert isinstance(fast_tables.get_table("lemma_lookup"), HashedTable)
    raw = fast_tables.to_bytes()
    slow_tables = Lookups().from_bytes(raw)
    assert not isinstance(slow_tables.get_table("lemma_lookup"), HashedTable)
    with fast_lookups():
        rebuilt = Lookups().from_bytes(raw)
    for name in slow_tables.tables:
        slow, fast = slow_tables.get_table(name), rebuilt.get_table(name)
        assert len(fast) == len(slow)
        for word in ("étaient", "négociations", "plan", "Zelensky", "xyzzy", ""):
            assert fast.get(word, "?") == slow.get(word, "?")
            assert (word in fast) == (word in slow)
    text = (
        "Les négociateurs américains avaient présenté vingt-huit points ; les Européens "
        "étaient inquiets et ont proposé des contre-propositions."
    )
    fast_lemmas = [t.lemma_ for t in annotator.nlp(text)]
    lemmatizer.lookups = slow_tables
    try:
        slow_lemmas = [t.lemma_ for t in annotator.nlp(text)]
    finally:
        lemmatizer.lookups = fast_tables
    assert fast_lemmas == slow_lemmas
    assert "être" in fast_lemmas
    # The known lemmas of each part of speech answer "in" from a set, and serialize as lists.
    index = rebuilt.get_table("lemma_index")
    nouns, slow_nouns = index.get("noun"), slow_tables.get_table("lemma_index").get("noun")
    assert isinstance(nouns, IndexedList) and list(nouns) == list(slow_nouns)
    for word in ("négociation", "plan", "xyzzy", ""):
        assert (word in nouns) == (word in slow_nouns)
    assert Lookups().from_bytes(rebuilt.to_bytes()).get_table("lemma_index").get("noun") == nouns


def test_hashed_table_hashes_string_keys() -> None:
    from spacy.strings import get_string_id

    from rag.reader.lookups import HashedTable

    table = HashedTable("t", {"chat": ["chat"], get_string_id("chiens"): ["chien"]})
    assert table["chat"] == ["chat"] and table.get("chiens") == ["chien"]
    assert "chat" in table and "oiseau" not in table and table.get("oiseau", 0) == 0
    table.set("oiseau", ["oiseau"])
    assert table[get_string_id("oiseau")] == ["oiseau"] and table.name == "t"


FOOTER_TEXT = "Le plan de paix compte 28 points, selon une source proche des négociations."


def test_a_name_only_in_a_non_citable_block_of_a_retrieved_article_is_not_missing(
    reader: Reader,
) -> None:
    question = "Selon Mena News, combien de points compte le plan de paix ?"
    passages = [passage(FOOTER_TEXT, article="a")]
    footer = {"a": "Recevez notre newsletter et les alertes de Mena News"}
    bare = reader.read(question, "fr", QUERY, passages, vectors=same_vectors)
    with_footer = reader.read(
        question, "fr", QUERY, passages, vectors=same_vectors, article_notes=footer
    )
    # Another article's footer does not count: only the retrieved articles' own blocks.
    elsewhere = reader.read(
        question, "fr", QUERY, passages, vectors=same_vectors, article_notes={"b": footer["a"]}
    )
    assert bare.candidate_set.missing_keys == 1
    assert elsewhere.candidate_set.missing_keys == 1
    assert with_footer.candidate_set.missing_keys == 0
    assert with_footer.candidate_set.key_pool == 1.0
    # Footers widen only the look-up of names in the pool, never a sentence's own features.
    assert np.array_equal(bare.candidate_set.features, with_footer.candidate_set.features)


def _reading_with(reader: Reader, question: str, margin: float) -> Reading:
    return reader.read(
        question, "fr", QUERY, [passage(FOOTER_TEXT)], vectors=same_vectors,
        extractive_margin=margin,
    )  # fmt: skip


def test_support_names_refuses_when_a_name_is_absent_even_with_support(reader: Reader) -> None:
    reading = _reading_with(reader, "Combien de points compte le plan selon Emmanuel Macron ?", 0.1)
    assert reading.candidate_set.missing_keys == 1
    assert refusal_allows("support", reading)  # the support bar alone would answer
    assert not refusal_allows("support_names", reading)


def test_support_names_answers_when_supported_and_every_name_is_found(reader: Reader) -> None:
    supported = _reading_with(reader, "Combien de points compte le plan de paix ?", 0.1)
    unsupported = _reading_with(reader, "Combien de points compte le plan de paix ?", -0.1)
    assert supported.candidate_set.missing_keys == 0
    assert refusal_allows("support_names", supported)
    assert not refusal_allows("support_names", unsupported)


DATED_TEXT = "Le plan de paix a été présenté à Washington le 19 novembre par Steve Witkoff."


def _typed_reading(reader: Reader, question: str, text: str, margin: float) -> Reading:
    return reader.read(
        question, "fr", QUERY, [passage(text)], vectors=same_vectors, extractive_margin=margin
    )


def test_typed_refuses_a_date_question_whose_sentences_hold_no_date(reader: Reader) -> None:
    reading = _typed_reading(reader, "Quand le plan a-t-il été présenté ?", FOOTER_TEXT, 0.1)
    assert reading.question.answer_type == "DATE"
    assert refusal_allows("support", reading)  # the support bar alone would answer
    assert not holds_asked_type(reading)
    assert not refusal_allows("typed", reading)


def test_typed_answers_a_date_question_whose_sentence_holds_a_date(reader: Reader) -> None:
    supported = _typed_reading(reader, "Quand le plan a-t-il été présenté ?", DATED_TEXT, 0.1)
    below = _typed_reading(reader, "Quand le plan a-t-il été présenté ?", DATED_TEXT, -0.03)
    assert holds_asked_type(supported)
    assert refusal_allows("typed", supported)
    # Below the support bar only within the slack.
    assert not refusal_allows("typed", below)
    assert refusal_allows("typed", below, typed_slack=0.05)
    assert not refusal_allows("typed", below, typed_slack=0.02)


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Qui est le maire de la ville où se trouve le musée ?", "fr", ("maire",)),
        ("Qui la préside ?", "fr", ("presi",)),
        ("Who chairs the association?", "en", ("presi",)),
        ("Who is the museum's director?", "en", ("direc",)),
        ("Who is the mayor of Saint-Aurèle?", "en", ("maire",)),
        ("Quel procureur est chargé de l'enquête ?", "fr", ("procu",)),
        # a verb of heading: any of the nouns of a head
        ("Qui dirige le musée ?", "fr", ("direc", "dirig", "chef", "patro", "pdg", "presi")),
        # no role: a person who did something, a generic person noun, who a named person is
        ("Qui a volé le tableau ?", "fr", ()),
        ("Quel responsable a parlé à Axios ?", "fr", ()),
        ("Which official confirmed the report?", "en", ()),
        ("Qui est Kirill Dmitriev ?", "fr", ()),
    ],
)  # fmt: skip
def test_a_question_asking_who_holds_a_role(
    annotator: Annotator, question: str, language: str, expected: tuple[str, ...]
) -> None:
    assert analyze_question(question, language, annotator).role == expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # in apposition after the role and its complement, or right after the role
        ("Qui est le maire de Saint-Aurèle ?",
         "« C'est notre histoire », a réagi le maire de Saint-Aurèle, François Kerbrat, ému.",
         "François Kerbrat"),
        ("Qui la préside ?", "Sa présidente, Claire Dumoulin, juge la mesure insuffisante.",
         "Claire Dumoulin"),
        ("Quel procureur est chargé de l'enquête ?",
         "« Nous avons bon espoir », a déclaré le procureur Marc Olivier.", "Marc Olivier"),
        # before it
        ("Who heads the chamber of commerce?",
         "Alain Mercier, président de la chambre, appelle au calme.", "Alain Mercier"),
        # a person the sentence does not give that role, or none
        ("Qui est le maire de Saint-Aurèle ?",
         "Le préfet Jean Martin a rencontré les élus de Saint-Aurèle.", None),
        ("Qui dirige le musée ?", "La directrice du musée a porté plainte dimanche.", None),
        # what the role is of, when the question says it in words, is the sentence's too
        ("Qui préside la région ?", "Sa présidente, Claire Dumoulin, juge la mesure insuffisante.",
         None),
        ("Qui préside la région ?",
         "La séance aura lieu en présence du président de la région, Olivier Fabre.",
         "Olivier Fabre"),
        ("Who heads the chamber of commerce?",
         "Alain Mercier, président de l'association, appelle au calme.", None),
        ("Who is the museum's director?",
         "« Ils savaient ce qu'ils cherchaient », estime la directrice du musée, Anne-Sophie "
         "Rival.", "Anne-Sophie Rival"),
        # the name right after a complement of nouns and adjectives, with no comma
        ("Qui est le maire de Saint-Aurèle ?",
         "Le maire de Saint-Aurèle François Kerbrat a réagi dimanche.", "François Kerbrat"),
        ("Qui est l'assistant de Poutine pour les affaires internationales ?",
         "Il a parlé avec l’assistant du président russe pour les affaires internationales "
         "Iouri Ouchakov.", "Iouri Ouchakov"),
        ("Qui est le maire de Saint-Aurèle ?",
         "Le maire de Saint-Aurèle a rencontré François Kerbrat.", None),
        # a role noun completing another noun is not the person's role: the other noun is
        ("Qui est le président russe ?",
         "Il a parlé avec l’assistant du président russe pour les affaires internationales "
         "Iouri Ouchakov.", None),
        ("Qui est le président américain ?",
         "L’envoyé spécial du président américain Steve Witkoff a appelé Moscou.", None),
        # a verb of heading is no role noun, whatever the tagger says
        ("Qui dirige la délégation ?",
         "Steve Witkoff, un envoyé de Trump, dirige le processus de rédaction.", None),
        ("Qui est le maire de Saint-Aurèle ?",
         "Le maire a annoncé que Jean Martin, un conservateur, dirigerait les travaux.", None),
        # of two holders, the one whose role says more of the question's words; « de Trump »
        # makes Trump the envoy's principal, not an envoy
        ("Qui est l'envoyé spécial russe ?", ENVOYS, "Kirill Dmitriev"),
        ("Who is the Russian special envoy?", ENVOYS, "Kirill Dmitriev"),
        ("Who is the special envoy of Russia for Ukraine?", ENVOYS, "Kirill Dmitriev"),
        ("Who is Russia's special envoy?", ENVOYS, "Kirill Dmitriev"),
        # a name of the question says what else it is about, not whose envoy is asked
        ("Which American envoy is leading the drafting of the plan with Russia?", ENVOYS,
         "Steve Witkoff"),
        ("Qui est l'envoyé de Trump ?", ENVOYS, "Steve Witkoff"),
        # a hyphenated body is read by its parts too; another one's spokesman is not its own
        ("Qui est le porte-parole de SUD-Rail ?", SPOKESMAN, "Karim Benhaddou"),
        ("Who is the SUD-Rail spokesman?", SPOKESMAN, "Karim Benhaddou"),
        ("Who is the Kremlin spokesman?", SPOKESMAN, None),
        # a verb of heading says who leads what the question names: its subject, past an
        # apposition, or its agent in the passive; not who leads something else
        ("Who leads the drafting process?",
         "Steve Witkoff, un envoyé de Trump, dirige le processus de rédaction.", "Steve Witkoff"),
        ("Who is leading the negotiations for the United States?",
         "Steve Witkoff, un envoyé de Trump, mène les négociations avec Kirill Dmitriev.",
         "Steve Witkoff"),
        ("Qui dirige le musée ?", "Anne Rival dirige le musée depuis 2019.", "Anne Rival"),
        ("Who heads the Russian side?",
         "Il est le principal interlocuteur de la partie russe, dirigée par le représentant "
         "Kirill Dmitriev.", "Kirill Dmitriev"),
        ("Qui dirige le musée ?", "Anne Rival dirige le chantier depuis 2019.", None),
        # « Quel dirigeant » asks a kind of person, not who leads what
        ("Quel dirigeant s'est engagé à figer la ligne de front ?",
         "Steve Witkoff, un envoyé de Trump, dirige le processus de rédaction.", None),
        # of several common words of what the role is of, at least half (a name may be left
        # out): the museum's director does not head the association of its friends
        ("Who heads the association of friends of the museum?", DIRECTOR, None),
        ("Qui préside l'association des amis du musée ?", DIRECTOR, None),
        ("Qui dirige le musée Ferrand-Lacoste ?", DIRECTOR, "Anne-Sophie Rival"),
        # a role of another nationality than the question's is not the asked one
        ("Who is the Russian envoy?", "Cette initiative est menée par l’envoyé américain Steve "
         "Witkoff, présenté comme l'interlocuteur de la partie russe.", None),
        ("Who is the American envoy?", "Cette initiative est menée par l’envoyé américain Steve "
         "Witkoff, présenté comme l'interlocuteur de la partie russe.", "Steve Witkoff"),
        # a person's name asked by the role's name
        ("Quel est le nom de l'envoyé spécial russe ?", ENVOYS, "Kirill Dmitriev"),
        ("Comment s'appelle l'envoyé de Trump ?", ENVOYS, "Steve Witkoff"),
        # a vice-president's role is not a president's
        ("Who is the vice president?", "Ce vétéran est un fidèle allié du vice-président "
         "J.D. Vance.", "J.D. Vance"),
        ("Qui est le vice-président ?", "Il a parlé au président américain Donald Trump.", None),
        ("Who is the vice president?", "Il a parlé au président américain Donald Trump.", None),
    ],
)  # fmt: skip
def test_a_sentence_naming_the_holder_of_the_asked_role(
    annotator: Annotator, question: str, sentence: str, expected: str | None
) -> None:
    english = question.startswith(("Who", "Which"))
    info = analyze_question(question, "en" if english else "fr", annotator)
    holder = role_holder(annotator.annotate(sentence), info)
    assert (holder.text if holder else None) == expected


def test_a_role_holder_is_answered_a_little_under_the_bar_and_is_the_short_answer(
    reader: Reader,
) -> None:
    text = "« C'est notre histoire », a réagi le maire de Saint-Aurèle, François Kerbrat."
    reading = _typed_reading(reader, "Qui est le maire de Saint-Aurèle ?", text, -0.04)
    assert reading.short_answer is not None and reading.short_answer.text == "François Kerbrat"
    assert not refusal_allows("typed", reading)  # without the slack: the support bar alone
    assert names_role_holder(reading, 0.05)
    assert refusal_allows("typed", reading, role_slack=0.05)
    assert not refusal_allows("typed", reading, role_slack=0.03)  # not that far under the bar
    other = "« C'est notre histoire », a réagi le préfet, Jean Martin, à Saint-Aurèle."
    assert not names_role_holder(
        _typed_reading(reader, "Qui est le maire de Saint-Aurèle ?", other, -0.04), 0.05
    )


UMEROV = (
    "Il a rencontré Rustem Umerov, secrétaire du Conseil national de sécurité de l’Ukraine, "
    "à Miami."
)


@pytest.mark.parametrize(
    ("question", "role_of"),
    [
        # a complement after « à » gives what the role is of too; an elided article drops
        ("Qui est le secrétaire à l'Armée américaine ?", ("armee", "americaine")),
        ("Qui est le secrétaire de l'Armée américaine ?", ("armee", "americaine")),
        ("Qui est le maire de Saint-Aurèle ?", ("saint", "aurele")),
        # past an adjective of the role, not a participle with a complement of its own
        ("Qui est l'envoyé spécial de la Russie ?", ("russie",)),
        ("Qui est la procureure chargée de l'affaire ?", ()),
    ],
)
def test_what_the_asked_role_is_of(annotator: Annotator, question: str, role_of: tuple) -> None:
    assert analyze_question(question, "fr", annotator).role_of == role_of


@pytest.mark.parametrize(
    ("question", "role", "role_of"),
    [
        ("Who is the special envoy of Russia for Ukraine?", ("envoy",), ("russia", "ukraine")),
        ("Who is Russia's special envoy?", ("envoy",), ("russia",)),
        ("Who is the new mayor?", ("maire",), ()),
        # a name before the role says whose it is, a nationality says nothing of it
        ("Who is the Kremlin spokesman?", ("porte",), ("kremlin",)),
        ("Who is the American envoy?", ("envoy",), ()),
        ("Who is the man in charge?", (), ()),
    ],
)
def test_an_english_role_noun_after_its_adjectives(
    question: str, role: tuple, role_of: tuple
) -> None:
    assert asked_role(question, "en", None) == (role, role_of)


def test_a_person_holding_the_asked_role_of_something_else_is_no_answer(reader: Reader) -> None:
    army = _typed_reading(reader, "Qui est le secrétaire à l'Armée américaine ?", UMEROV, 0.1)
    annotation = army.sentences[0].annotation
    other = other_role_holder(annotation, army.question)
    assert other is not None and other.text == "Rustem Umerov"
    assert role_holder(annotation, army.question) is None
    # Not his short answer, and no answer at all: he is the council's secretary.
    assert army.short_answer is None
    assert holds_another_role(army) and not refusal_allows("typed", army)
    council = _typed_reading(reader, "Qui est le secrétaire du Conseil national ?", UMEROV, 0.1)
    assert other_role_holder(council.sentences[0].annotation, council.question) is None
    assert not holds_another_role(council) and refusal_allows("typed", council)
    # A possessive does not say whose role it is: « Son président » may be the chamber's.
    text = "Son président, Alain Mercier, appelle les deux parties à sortir de l'impasse."
    chamber = _typed_reading(reader, "Qui préside la chambre de commerce ?", text, 0.1)
    assert other_role_holder(chamber.sentences[0].annotation, chamber.question) is None
    assert chamber.short_answer is not None and chamber.short_answer.text == "Alain Mercier"


def test_a_runner_up_naming_the_holder_of_the_role_of_what_is_asked_is_quoted_instead(
    reader: Reader,
) -> None:
    text = (
        "Sa présidente, Claire Dumoulin, juge insuffisant le remboursement promis par la région. "
        "La séance aura lieu en présence du président de la région, Olivier Fabre."
    )
    reading = reader.read("Who is the president of the region?", "en", QUERY, [passage(text)],
                          vectors=same_vectors, extractive_margin=0.1)  # fmt: skip
    # However low the reader rates it: the best sentence's « Sa » may be anyone's.
    reading = _best_first(reading, "Sa présidente")
    low = reading.sentences[1]
    reading = dataclasses.replace(
        reading, sentences=[reading.sentences[0], dataclasses.replace(low, probability=0.01)]
    )
    instead = ReaderGenerator._holder_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("La séance")
    holder = named_role_holder(instead.annotation, reading.question)
    assert holder is not None and holder.text == "Olivier Fabre"
    # A role of no stated owner (« le président Vladimir Poutine ») is no such runner-up.
    vague = "Le président Vladimir Poutine a salué la région."
    assert named_role_holder(reader.annotator.annotate(vague), reading.question) is None


POSSESSIVE_TEXTS = [
    "La chambre de commerce du Val-d'Orbe estime le manque à gagner à 1,8 million d'euros. "
    "Son président, Alain Mercier, appelle les deux parties à sortir de l'impasse.",
    "L'association d'usagers Rail Avenir Orbe a lancé une pétition.",
    "Sa présidente, Claire Dumoulin, juge insuffisant le remboursement promis par la région.",
]


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("Qui est la présidente de l'association Rail Avenir Orbe ?", "Claire Dumoulin"),
        ("Qui préside l'association d'usagers ?", "Claire Dumoulin"),
        ("Qui préside la chambre de commerce ?", "Alain Mercier"),
    ],
)
def test_a_role_after_a_possessive_is_of_what_the_text_before_names(
    reader: Reader, question: str, holder: str
) -> None:
    """« Sa présidente, Claire Dumoulin » opens the paragraph after the one naming the
    association: her role is the association's, not the chamber's (whose « Val-d'Orbe » shares
    one word of « Rail Avenir Orbe »), however low the reader rates it."""
    passages = [passage(text, paragraph=i + 1) for i, text in enumerate(POSSESSIVE_TEXTS)]
    reading = reader.read(question, "fr", QUERY, passages, vectors=same_vectors,
                          extractive_margin=0.1)  # fmt: skip
    reading = _rated(reading, {"L'association": 0.9, "La chambre": 0.05, "Son président": 0.02,
                               "Sa présidente": 0.01})  # fmt: skip
    instead = ReaderGenerator._holder_instead(reading)
    assert instead is not None
    found = possessive_role_holder(instead.annotation, reading.question)
    assert found is not None and found.text == holder


def test_a_role_after_a_possessive_needs_its_owner_just_before(reader: Reader) -> None:
    """The paragraph before was not retrieved: whose role it is stays unknown."""
    question = "Qui préside l'association d'usagers ?"
    alone = reader.read(question, "fr", QUERY, [passage(POSSESSIVE_TEXTS[2], paragraph=3)],
                        vectors=same_vectors, extractive_margin=0.1)  # fmt: skip
    assert possessive_role_holder(alone.sentences[0].annotation, alone.question) is not None
    assert not ReaderGenerator._possessed_as_asked(alone, alone.sentences[0])


def test_a_number_counts_what_its_sentence_says_it_is_the_number_of(
    annotator: Annotator,
) -> None:
    question = analyze_question("Combien d'autocars circulent mercredi ?", "fr", annotator)
    sentence = "Le nombre d’autocars, qui était de 28 au début, a été porté à 40 mercredi."
    other = "L’intersyndicale affirme que 263 trains ont été supprimés mardi."
    annotation = annotator.annotate(sentence)
    numbers = [e for e in annotation.entities if e.label == NUMBER]
    assert [e.text for e in numbers] == ["28", "40"]
    assert all(counts_asked_thing(annotation, question, n) for n in numbers)
    trains = annotator.annotate(other)
    assert not any(
        counts_asked_thing(trains, question, e) for e in trains.entities if e.label == NUMBER
    )


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("What did the museum director say?", "en", ("direc",)),
        ("What did the prosecutor say about the painting?", "en", ("procu",)),
        ("Qu'a déclaré le maire de Saint-Aurèle ?", "fr", ("maire",)),
        ("How did the mayor react?", "en", ("maire",)),
        # a name, no one's words, or no role noun
        ("What did Zelensky say?", "en", ()),
        ("Qui est le maire ?", "fr", ()),
        ("What did the thieves say?", "en", ()),
        # a vice-president is no president: a role of its own
        ("How did the regional vice-president describe the strike?", "en", ("vice-",)),
        ("Qu'a déclaré le vice-président de la région ?", "fr", ("vice-",)),
    ],
)
def test_the_role_whose_words_a_question_asks_for(
    question: str, language: str, expected: tuple[str, ...]
) -> None:
    assert asked_speaking_role(question, language) == expected


def test_a_vice_president_s_words_are_not_a_president_s(annotator: Annotator) -> None:
    """ "How did the vice-president describe the strike?" quoted the chamber of commerce's
    president (« Son président, Alain Mercier, appelle … »)."""
    vice = "Le vice-président de la région, Bernard Villeneuve, a dénoncé un mouvement abusif."
    president = "Son président, Alain Mercier, appelle les deux parties à « sortir de l'impasse »."
    stems = asked_speaking_role("How did the vice-president describe the strike?", "en")
    assert role_speaks(vice, annotator.annotate(vice), stems)
    assert not role_speaks(president, annotator.annotate(president), stems)
    presi = asked_speaking_role("What did the president say?", "en")
    assert role_speaks(president, annotator.annotate(president), presi)
    assert not role_speaks(vice, annotator.annotate(vice), presi)


def test_a_role_s_words_are_answered_a_little_under_the_bar(reader: Reader) -> None:
    quoted = "« Les voleurs savaient ce qu'ils cherchaient », estime la directrice du musée."
    reading = reader.read("What did the museum director say?", "en", QUERY, [passage(quoted)],
                          vectors=same_vectors, extractive_margin=-0.05)  # fmt: skip
    assert not refusal_allows("typed", reading)  # the support bar alone refuses
    assert quotes_role(reading, 0.1) and refusal_allows("typed", reading, role_slack=0.1)
    assert not quotes_role(reading, 0.03)  # not that far under the bar
    # A sentence that names the role but reports no words of it does not answer.
    silent = "La directrice du musée est arrivée dimanche."
    annotation = reader.annotator.annotate(silent)
    assert not role_speaks(silent, annotation, ("direc",))


def test_where_and_when_is_answered_by_a_date_or_a_place(reader: Reader) -> None:
    # The place of this sentence is no locative (« organisée par la mairie de Castelbrenne »),
    # its date answers the « quand » coordinated with the « où ».
    text = "Une réunion publique organisée par la mairie de Castelbrenne se tiendra le 2 juillet."
    both = _typed_reading(reader, "Où et quand aura lieu la réunion publique ?", text, 0.1)
    where = _typed_reading(reader, "Où aura lieu la réunion publique ?", text, 0.1)
    assert (both.question.answer_type, both.question.also_types) == (PLACE, (DATE,))
    assert holds_asked_type(both) and refusal_allows("typed", both)
    best = both.best
    assert best is not None
    short = extract_short_answer(both.question, best.candidate.text, best.annotation)
    assert short is not None and short.text == "2 juillet"
    assert where.question.also_types == () and not holds_asked_type(where)


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Où et quand aura lieu la réunion ?", "fr", (DATE,)),
        ("Quand et où aura lieu la réunion ?", "fr", (PLACE,)),
        ("Where and when did Witkoff meet Umerov?", "en", (DATE,)),
        ("Où, quand et combien ?", "fr", (DATE, NUMBER)),
        ("Qui est le maire de la ville où se trouve le musée ?", "fr", ()),
        ("Who did Witkoff meet when he went to Moscow?", "en", ()),
        ("Pourquoi le plan a-t-il été critiqué ?", "fr", ()),
    ],
)
def test_coordinated_interrogatives_ask_each_type(
    question: str, language: str, expected: tuple[str, ...]
) -> None:
    assert coordinated_types(question, language) == expected


def test_typed_reads_a_number_the_question_already_gives_as_no_answer(reader: Reader) -> None:
    # "28" is in the question: the sentence restates it and holds no other number.
    reading = _typed_reading(reader, "Combien de pays ont signé les 28 points ?", FOOTER_TEXT, 0.1)
    assert reading.question.answer_type == "NUMBER"
    assert not refusal_allows("typed", reading)


@pytest.mark.parametrize(
    ("question", "language", "sentence", "expected"),
    [
        ("Quel âge a Kirill Dmitriev ?", "fr", "Il a tenu trois jours de discussions.", []),
        # « 29 » shares the unit of the number « et » joins it to
        ("Quel âge ont les suspects ?", "fr", "Deux hommes âgés de 29 et 41 ans ont été arrêtés.",
         ["29", "41"]),
        ("Quel âge ont les suspects ?", "fr", "Deux hommes, 29 fois condamnés, ont 41 ans.",
         ["41"]),
        ("How old is the envoy?", "en", "L'envoyé, 68 ans, a rencontré 3 ministres.", ["68"]),
        ("How long did the talks last?", "en", "Le plan comprend 28 points.", []),
        # « combien de jours », "how many days" ask a duration: the days, not the two men
        ("Combien de jours ont duré les discussions ?", "fr",
         "Les deux hommes ont discuté lors d'une réunion de trois jours.", ["trois"]),
        ("How many days did the talks last?", "en",
         "Les deux hommes ont discuté lors d'une réunion de trois jours.", ["trois"]),
        # "how long" also asks a length; « combien de temps » only a duration
        ("How long were the traffic jams?", "en", "On a relevé 17 kilomètres de bouchons.",
         ["17"]),
        ("Combien de temps a duré le bouchon ?", "fr", "On a relevé 17 kilomètres de bouchons.",
         []),
        # "how far", « quelle distance » ask a length
        ("How far did the traffic jams stretch?", "en",
         "Les bouchons ont duré trois heures sur 17 kilomètres.", ["17"]),
        ("Sur quelle distance s'étendaient les bouchons ?", "fr",
         "Les bouchons ont duré trois heures sur 17 kilomètres.", ["17"]),
        ("Combien de temps a duré la réunion ?", "fr", "La réunion de 12 pays a duré deux heures.",
         ["deux"]),
        ("How much money does the fund manage?", "en", "Il a tenu trois jours de discussions.",
         []),
        ("How much money does the fund manage?", "en", "Le fonds gère 10 milliards de dollars.",
         ["10 milliards"]),
        ("Quel montant a été collecté ?", "fr", "Elle a recueilli 23 000 euros en trois jours.",
         ["23 000"]),
        ("How much did the works cost?", "en", "They cost $5 million over 3 years.", ["5 million"]),
        # a salary, a price, a cost: an amount of money, not a count of people
        ("Quel est le salaire des contrôleurs ?", "fr",
         "La direction a proposé de recruter 20 contrôleurs d'ici à la fin de l'année.", []),
        ("Quel est le coût des travaux ?", "fr", "Les travaux sont chiffrés à 380 000 euros.",
         ["380 000"]),
        ("What is the price of a ticket?", "en", "Le billet coûte 12 euros.", ["12"]),
        # « Combien gagne … ? », « Combien … a-t-elle payé ? »: money too
        ("Combien gagne un contrôleur ?", "fr",
         "La direction a proposé de recruter 20 contrôleurs d'ici à la fin de l'année.", []),
        ("Combien la ville a-t-elle payé ?", "fr", "La ville a payé 420 000 euros.",
         ["420 000"]),
        # « À combien s'élève … ? », "How much is …?": an amount of money, not a count
        ("À combien s'élève la récompense ?", "fr",
         "Le conseil votera lundi pour 2 lignes une enveloppe de 420 000 euros.", ["420 000"]),
        ("How much is the reward?", "en",
         "Le conseil votera lundi pour 2 lignes une enveloppe de 420 000 euros.", ["420 000"]),
        # "by how much" asks a change, in any unit: a share is one
        ("By how much is farm irrigation being cut?", "en",
         "Les prélèvements pour l'irrigation sont réduits de 40 % depuis 2 jours.",
         ["40 %", "2"]),
        # a count of things takes no number of days or euros
        ("How many times has he been to Moscow?", "en", "Il a tenu trois jours de discussions.",
         []),
        ("Combien de trains ont été supprimés ?", "fr",
         "Elle a perdu 6 millions d'euros en trois jours et 263 trains ont été supprimés.",
         ["263"]),
        ("Combien de jours la grève a-t-elle duré ?", "fr", "Elle a duré trois jours.",
         ["trois"]),
        # any other number question takes any number it does not already name
        ("Combien de points compte le plan ?", "fr", "Le plan comprend 28 points.", ["28"]),
        ("À combien s'élève le préjudice ?", "fr", "Il est estimé à 6 millions d'euros.",
         ["6 millions"]),
        # an amount in millions with no unit of its own is in the other amount's currency
        ("How much money is the painting alone worth?", "en",
         "Le préjudice est estimé à 4,5 millions d'euros, dont 3,2 millions pour le tableau.",
         ["4,5 millions", "3,2 millions"]),
        ("How much money did the town lose?", "en",
         "La ville compte 3,2 millions pour 4 habitants.", []),
    ],
)  # fmt: skip
def test_how_old_how_long_and_how_much_take_only_numbers_of_their_measure(
    annotator: Annotator, question: str, language: str, sentence: str, expected: list[str]
) -> None:
    info = analyze_question(question, language, annotator)
    entities = new_typed_entities(annotator.annotate(sentence), info, info.answer_type)
    assert info.answer_type == NUMBER
    assert [e.text for e in entities] == expected


@pytest.mark.parametrize(
    ("question", "sentence", "kind", "expected"),
    [
        ("En quelle année est né le peintre ?", "Il a été volé dans la nuit de samedi à dimanche.",
         DATE, []),
        ("En quelle année est né le peintre ?", "Le peintre, né en 1891, a peint la toile.",
         DATE, ["en 1891"]),  # as « en 1952 »: a year after its preposition is a date
        # a when-question takes any date
        ("Quand la toile a-t-elle été volée ?", "Elle a été volée samedi.", DATE, ["samedi"]),
        # a time given by an event answers "when", not "on what date"
        ("Pour quand le texte est-il attendu ?",
         "Le texte est attendu avant le prochain sommet Trump-Poutine, prévu à Budapest.",
         DATE, ["avant le prochain sommet Trump-Poutine"]),
        ("À quelle date le texte est-il attendu ?",
         "Le texte est attendu avant le prochain sommet Trump-Poutine, prévu à Budapest.",
         DATE, []),
        ("Quel jour le texte est-il attendu ?",
         "Le texte est attendu avant la prochaine rencontre entre Trump et Poutine.", DATE, []),
        # a kind of place that is no area: the sentence must say it
        ("Dans quel hôtel Dmitriev a-t-il séjourné ?",
         "Dmitriev a tenu trois jours de discussions sur l'Ukraine à Miami.", PLACE, []),
        ("Dans quel hôtel Dmitriev a-t-il séjourné ?",
         "Dmitriev a séjourné à Miami, à l'hôtel Fontainebleau.", PLACE, ["Miami"]),
        # a town, a country, a capital: any place
        ("Quelles capitales seraient impliquées dans la rédaction du plan ?",
         "Selon la presse, Doha et Ankara seraient impliqués dans la rédaction.", PLACE,
         ["Doha", "Ankara"]),
        ("Dans quel pays Witkoff devait-il voir Zelensky ?",
         "Witkoff devait rencontrer Zelensky en Turquie.", PLACE, ["Turquie"]),
    ],
)  # fmt: skip
def test_a_date_or_place_question_takes_only_a_date_or_place_of_the_asked_kind(
    annotator: Annotator, question: str, sentence: str, kind: str, expected: list[str]
) -> None:
    info = analyze_question(question, "fr", annotator)
    entities = new_typed_entities(annotator.annotate(sentence), info, info.answer_type)
    assert info.answer_type == kind
    assert [e.text for e in entities] == expected


def test_a_time_given_by_an_event_hides_no_number_and_yields_to_a_date(
    annotator: Annotator,
) -> None:
    sentence = "Ils se sont vus lors d'une réunion de trois jours à Miami, en octobre."
    found = [(e.text, e.label) for e in regex_entities(sentence)]
    assert ("lors d'une réunion", "EVENT") in found and ("trois", "NUMBER") in found
    info = analyze_question("Quand se sont-ils vus à Miami ?", "fr", annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "octobre"


def test_a_number_of_the_asked_measure_is_answered_a_little_under_the_bar(
    reader: Reader,
) -> None:
    question = "Combien d'argent l'association a-t-elle collecté ?"
    money = "L'association a déjà recueilli 23 000 euros en trois jours."
    reading = _typed_reading(reader, question, money, -0.02)
    assert holds_measured_number(reading)
    assert not refusal_allows("typed", reading)
    assert refusal_allows("typed", reading, measured_slack=0.03)
    assert not refusal_allows("typed", _typed_reading(reader, question, money, -0.04),
                              measured_slack=0.03)  # fmt: skip
    # A number of another measure, or of other things, is no such sign.
    people = "L'association compte 23 000 adhérents dans la région."
    assert not holds_measured_number(_typed_reading(reader, question, people, -0.02))
    counted = _typed_reading(reader, "Combien de trains ont circulé ?", people, -0.02)
    assert not holds_measured_number(counted)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Quel pourcentage des contrôleurs était en grève ?", "fr"),
        ("Quel est le taux de grévistes ?", "fr"),
        ("What share of conductors walked out?", "en"),
        ("What percentage of trains ran?", "en"),
    ],
)
def test_a_percentage_question_takes_a_percentage(
    annotator: Annotator, reader: Reader, question: str, language: str
) -> None:
    sentence = "Mardi, 12 trains sur 40 ont circulé et 61 % des contrôleurs étaient en grève."
    info = analyze_question(question, language, annotator)
    entities = new_typed_entities(annotator.annotate(sentence), info, NUMBER)
    assert info.measure == "percent"
    assert [e.text for e in entities] == ["61 %"]
    for text, holds in ((sentence, True), ("Mardi, 12 trains sur 40 ont circulé.", False)):
        reading = reader.read(question, language, QUERY, [passage(text)], vectors=same_vectors,
                              extractive_margin=-0.02)  # fmt: skip
        assert holds_measured_number(reading) is holds


def test_typed_leaves_who_and_untyped_questions_to_the_support_bar(reader: Reader) -> None:
    # A person is often named by a role ("une source proche des négociations"), which no
    # entity tagger marks: who-questions are not gated.
    who = _typed_reading(reader, "Qui a parlé des 28 points du plan ?", FOOTER_TEXT, 0.1)
    # (A why-question also needs a sentence that gives a reason: see reads_reason.)
    how = _typed_reading(reader, "Comment le plan est-il organisé ?", FOOTER_TEXT, 0.1)
    low = _typed_reading(reader, "Comment le plan est-il organisé ?", FOOTER_TEXT, -0.01)
    assert who.question.answer_type == "PER" and not holds_asked_type(who)
    assert how.question.answer_type is None
    for reading in (who, how):
        assert refusal_allows("typed", reading) == refusal_allows("support", reading) is True
    assert not refusal_allows("typed", low, typed_slack=0.05)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Comment s'appellent les deux hommes interpellés ?", PERSON),
        ("Comment se nomme le négociateur russe ?", PERSON),
        ("Comment s'appelle l'envoyé américain ?", PERSON),
        ("What is the name of the museum's night watchman?", PERSON),
        ("Quel est le nom du musée ?", ANY_NAME),
        ("What was the stolen painting called?", TITLE),
        ("What is the name of the stolen painting?", TITLE),
        ("Quel est le titre du tableau volé ?", TITLE),
        # The first noun says whose name: the painter's, not the painting's.
        ("Quel est le nom du peintre du tableau volé ?", PERSON),
        ("What is the name of the painter of the stolen painting?", PERSON),
        ("Comment s'intitule le rapport d'inspection ?", TITLE),
        ("What was the night watchman's name?", PERSON),
        ("What's the museum's name?", ANY_NAME),
        # a possessive inside what is named
        ("What is the Kremlin's spokesman's name?", PERSON),
        ("What is the stolen painting's title?", TITLE),
        ("Qui a appelé Witkoff ?", None),
        ("Comment le Kremlin a-t-il réagi ?", None),
        ("What did Dmitriev call the plan?", None),
    ],
)
def test_a_question_asking_for_a_name(question: str, asked: str | None) -> None:
    assert asked_name(question) == asked


def test_a_role_question_is_not_answered_by_someone_described_as_something_else(
    reader: Reader,
) -> None:
    question = "Qui est le maire de Vernay ?"
    nurse = "Sur le quai, Émilie Rossi, infirmière à l'hôpital de Vernay, a dû partir plus tôt."
    reading = _typed_reading(reader, question, nurse, 0.1)
    assert reading.question.role == ("maire",)
    assert holds_another_role(reading) and not refusal_allows("typed", reading)
    mayor = "Le maire de Vernay, François Kerbrat, a salué les enquêteurs."
    assert refusal_allows("typed", _typed_reading(reader, question, mayor, 0.1))


def test_a_role_question_is_not_answered_by_someone_titled_otherwise(reader: Reader) -> None:
    """A role noun right before a name says what the person is (« du peintre Théodore
    Gaillac »): not the head of the museum asked about. A question asking for a kind of
    person (« Quel dirigeant … ») may be answered by any role of that kind."""
    painter = "Un tableau du peintre Théodore Gaillac a été dérobé au musée Ferrand-Lacoste."
    reading = _typed_reading(reader, "Qui dirige le musée Ferrand-Lacoste ?", painter, 0.1)
    assert holds_another_role(reading) and not refusal_allows("typed", reading)
    vance = "Driscoll est un fidèle allié du vice-président J.D. Vance."
    question = "De quel dirigeant américain Driscoll est-il un proche ?"
    assert not holds_another_role(_typed_reading(reader, question, vance, 0.1))


def test_a_role_question_is_not_answered_by_a_sentence_that_names_no_one(
    reader: Reader,
) -> None:
    question = "Qui est le maire de Vernay ?"
    nobody = "La ville de Vernay a affrété 28 autocars de substitution pour les voyageurs."
    reading = _typed_reading(reader, question, nobody, 0.1)
    assert names_no_one(reading) and not refusal_allows("typed", reading)
    # A pronoun or a role noun may name the holder (the sentence before says who).
    for text in ("Il a annoncé la fermeture du musée de Vernay.", "Le maire a salué Vernay."):
        assert not names_no_one(_typed_reading(reader, question, text, 0.1))


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What do the different articles say about Dmitriev?", True),
        ("How do the articles describe Steve Witkoff?", True),
        ("Que disent les différents articles de Steve Witkoff ?", True),
        ("Comment les articles présentent-ils Kirill Dmitriev ?", True),
        ("What do the articles say about Europe's role?", False),
        ("Que disent les articles de la réaction du Kremlin ?", False),
        ("Qu'a dit Dmitriev ?", False),
        # which articles name someone: each one's sentence too
        ("Which articles mention Axios?", True),
        ("Quels articles parlent de Bloomberg ?", True),
        ("Which articles mention the Alaska meeting?", False),
    ],
)
def test_a_question_asking_what_the_articles_say_about_a_name(question: str, asks: bool) -> None:
    assert asks_what_articles_say(question) is asks


def test_a_work_title_is_the_quoted_title_not_the_painter(reader: Reader) -> None:
    question = "Quel est le nom du tableau volé ?"
    painter = "Un tableau du peintre Théodore Gaillac a été volé au musée de la ville."
    titled = "Le tableau volé, « La Jetée au crépuscule », est la pièce maîtresse du musée."
    reading = _typed_reading(reader, question, f"{painter} {titled}", 0.1)
    assert reading.question.asks_name == TITLE
    chosen = ReaderGenerator._titled_instead(reading) or reading.best
    assert chosen is not None and chosen.candidate.text == titled
    assert names_title(chosen, reading.question) and refusal_allows("typed", reading)
    short = extract_short_answer(reading.question, chosen.candidate.text, chosen.annotation)
    assert short is not None and short.text == "La Jetée au crépuscule"
    # The painter is a name, but not the painting's: no title, no answer.
    untitled = _typed_reading(reader, question, painter, 0.1)
    assert not holds_new_name(untitled) and not refusal_allows("typed", untitled)


def test_a_quoted_title_answers_however_low_the_reader_rates_it(reader: Reader) -> None:
    question = "What is the name of the stolen painting?"
    painter = "Un tableau du peintre Théodore Gaillac a été volé au musée de la ville."
    titled = "Le tableau volé, « La Jetée au crépuscule », est la pièce maîtresse du musée."
    reading = reader.read(question, "en", QUERY, [passage(f"{painter} {titled}")],
                          vectors=same_vectors, extractive_margin=-0.02)  # fmt: skip
    reading = _rated(reading, {"Un tableau": 0.9, "Le tableau volé": 0.01})
    assert reading.best is not None and reading.best.candidate.text == painter
    chosen = ReaderGenerator._titled_instead(reading)
    assert chosen is not None and chosen.candidate.text == titled
    # Within the measured slack under the bar, a quoted title answers; further down it does not.
    assert not refusal_allows("typed", reading)
    assert refusal_allows("typed", reading, measured_slack=0.03)
    deeper = dataclasses.replace(
        reading,
        candidate_set=dataclasses.replace(reading.candidate_set, extractive_margin=-0.05),
    )
    assert not refusal_allows("typed", deeper, measured_slack=0.03)


def test_a_count_names_its_noun_in_either_language(reader: Reader) -> None:
    sentence = "Deux membres de l'équipe sont toujours recherchés par la police."
    for question, language in (
        ("How many gang members are still wanted?", "en"),
        ("Combien de membres du commando sont recherchés ?", "fr"),
    ):
        reading = reader.read(question, language, QUERY, [passage(sentence)],
                              vectors=same_vectors, extractive_margin=-0.02)  # fmt: skip
        assert reading.question.measure == "count"
        assert holds_measured_number(reading)
    assert same_noun("members", "membres") and same_noun("ministres", "ministers")
    assert not same_noun("members", "mesures")


@pytest.mark.parametrize(
    "question",
    ["How many trains a day would run without a conductor?",
     "Combien de trains par jour circuleront sans contrôleur ?"],
)  # fmt: skip
def test_a_rate_after_the_counted_noun_is_not_what_is_counted(question: str) -> None:
    # "a day" is how often, not a duration: the question counts trains.
    assert asked_measure(question, NUMBER) == "count"
    assert counted_words(question, "count") == ("trains",)


def test_quoted_speech_is_no_title() -> None:
    spoken = "« Nous avons bon espoir de retrouver l'œuvre », a déclaré la procureure."
    assert quoted_titles(spoken) == []
    assert quoted_titles("M. Dmitriev a qualifié ces informations de « fausses ».") == []
    assert [t.text for t in quoted_titles("Il a lu « Guerre et Paix » en 1990.")] == [
        "Guerre et Paix"
    ]


def test_typed_refuses_a_name_question_whose_sentence_names_no_one_new(reader: Reader) -> None:
    question = "Comment s'appelle l'envoyé qui a présenté le plan de paix ?"
    nameless = _typed_reading(reader, question, FOOTER_TEXT, 0.1)
    named = _typed_reading(reader, question, DATED_TEXT, 0.1)
    below = _typed_reading(reader, question, DATED_TEXT, -0.01)
    assert nameless.question.asks_name
    assert refusal_allows("support", nameless)  # the support bar alone would answer
    assert not holds_new_name(nameless) and not refusal_allows("typed", nameless)
    assert holds_new_name(named) and refusal_allows("typed", named)  # Steve Witkoff
    assert not refusal_allows("typed", below)


def test_a_person_s_name_is_not_given_by_a_place_or_a_court(reader: Reader) -> None:
    question = "Comment s'appellent les deux hommes interpellés ?"
    court = "Deux hommes ont été interpellés jeudi à Nantes, a annoncé le parquet de Rennes."
    reading = _typed_reading(reader, question, court, 0.1)
    assert reading.question.asks_name == PERSON
    assert not holds_new_name(reading) and not refusal_allows("typed", reading)


def test_a_name_the_question_gives_is_not_a_new_name(reader: Reader) -> None:
    reading = _typed_reading(
        reader, "Comment s'appelle le plan présenté par Steve Witkoff à Washington ?",
        DATED_TEXT, 0.1,
    )  # fmt: skip
    assert reading.question.asks_name and not holds_new_name(reading)


def test_an_unknown_refusal_policy_is_a_clear_error(reader: Reader) -> None:
    reading = _reading_with(reader, "Combien de points compte le plan de paix ?", 0.1)
    with pytest.raises(ValueError, match="reader_refusal"):
        refusal_allows("sometimes", reading)


def _sure_of_best(reading: Reading, probability: float, passage_rank: int = 0) -> Reading:
    """The same reading with the reader rating its best sentence ``probability``, found in the
    paragraph of retrieval rank ``passage_rank``."""
    best = reading.sentences[0]
    candidate = dataclasses.replace(best.candidate, passage_rank=passage_rank)
    sure = dataclasses.replace(best, candidate=candidate, probability=probability)
    return dataclasses.replace(reading, sentences=[sure, *reading.sentences[1:]])


CONFIDENT = {"confident_probability": 0.7, "confident_slack": 0.03}


def test_a_confident_reading_answers_a_little_below_the_support_bar(reader: Reader) -> None:
    how = "Comment le plan est-il organisé ?"
    below = _typed_reading(reader, how, FOOTER_TEXT, -0.02)
    assert not refusal_allows("typed", _sure_of_best(below, 0.9))  # the rule is off by default
    assert refusal_allows("typed", _sure_of_best(below, 0.9), **CONFIDENT)
    # Not when the reader is unsure, when retrieval ranked another paragraph first, or too far
    # below the bar; never under another policy.
    assert not refusal_allows("typed", _sure_of_best(below, 0.5), **CONFIDENT)
    assert not refusal_allows("typed", _sure_of_best(below, 0.9, passage_rank=1), **CONFIDENT)
    far = _typed_reading(reader, how, FOOTER_TEXT, -0.05)
    assert not refusal_allows("typed", _sure_of_best(far, 0.9), **CONFIDENT)
    assert not refusal_allows("support", _sure_of_best(below, 0.9), **CONFIDENT)
    # Probability 1 turns it off, even for a lone sentence (which the reader rates 1).
    off = {"confident_probability": 1.0, "confident_slack": 0.03}
    assert not refusal_allows("typed", _sure_of_best(below, 1.0), **off)


def test_a_confident_reading_still_needs_the_question_s_names_and_its_answer_type(
    reader: Reader,
) -> None:
    absent = _typed_reading(reader, "Pourquoi Emmanuel Macron critique-t-il le plan ?", FOOTER_TEXT,
                            -0.01)  # fmt: skip
    assert absent.candidate_set.missing_keys == 1
    assert not refusal_allows("typed", _sure_of_best(absent, 0.9), **CONFIDENT)
    no_date = _typed_reading(reader, "Quand le plan a-t-il été présenté ?", FOOTER_TEXT, -0.01)
    dated = _typed_reading(reader, "Quand le plan a-t-il été présenté ?", DATED_TEXT, -0.01)
    assert not refusal_allows("typed", _sure_of_best(no_date, 0.9), **CONFIDENT)
    assert refusal_allows("typed", _sure_of_best(dated, 0.9), **CONFIDENT)


ANTECEDENT_TEXT = (
    "Dmitriev a révélé qu'un document écrit serait prêt avant le sommet. "
    "Il a rejeté les comparaisons avec l'initiative britannique."
)


def _sentence(reading: Reading, start: str) -> ScoredSentence:
    return next(s for s in reading.sentences if s.candidate.text.startswith(start))


REFERS_BACK_TEXT = (
    "Aucune rencontre entre Daniel Driscoll et des représentants russes n'est prévue. "
    "Dmitri Peskov l'a affirmé, démentant les rumeurs. "
    "Le porte-parole du Kremlin a rappelé que rien n'avait changé depuis l'Alaska."
)


def test_a_sentence_that_refers_back_brings_the_one_before_it(reader: Reader) -> None:
    reading = _typed_reading(reader, "What did Peskov say about the plan?", REFERS_BACK_TEXT, 0.1)
    referent = ReaderGenerator._referent(reading, _sentence(reading, "Dmitri Peskov"))
    assert referent is not None and referent.candidate.text.startswith("Aucune rencontre")
    # A sentence that says something itself, or opens its paragraph, brings nothing.
    assert ReaderGenerator._referent(reading, _sentence(reading, "Le porte-parole")) is None
    assert ReaderGenerator._referent(reading, _sentence(reading, "Aucune")) is None


def test_who_il_is_comes_from_the_sentence_before_it(reader: Reader) -> None:
    question = "Qui a rejeté les comparaisons avec l'initiative britannique ?"
    reading = _typed_reading(reader, question, ANTECEDENT_TEXT, 0.1)
    antecedent = ReaderGenerator._antecedent(reading, _sentence(reading, "Il a rejeté"))
    assert antecedent is not None and antecedent.candidate.text.startswith("Dmitriev")
    short = extract_short_answer(reading.question, antecedent.candidate.text,
                                 antecedent.annotation)  # fmt: skip
    assert short is not None and short.text == "Dmitriev"


ROLE_AFTER_NAME_TEXT = (
    "Aucune rencontre entre Daniel Driscoll et des représentants russes n'est prévue. "
    "Dmitri Peskov l'a affirmé, démentant les rumeurs. "
    "« Aucun développement n'a eu lieu », a déclaré le porte-parole du Kremlin."
)


@pytest.mark.parametrize(
    "question",
    ["Qui est le porte-parole du Kremlin ?", "Qui est Dmitri Peskov ?", "Who is Peskov?"],
)  # fmt: skip
def test_a_role_named_without_a_name_is_the_person_named_just_before(
    reader: Reader, question: str
) -> None:
    reading = _typed_reading(reader, question, ROLE_AFTER_NAME_TEXT, 0.1)
    quote = _sentence(reading, "« Aucun")
    assert names_by_role_only(quote.annotation, reading.question)
    named = ReaderGenerator._antecedent(reading, quote)
    assert named is not None and named.candidate.text.startswith("Dmitri Peskov")
    # The sentence naming him neither names him by a role nor has a role's holder before it.
    assert ReaderGenerator._antecedent(reading, _sentence(reading, "Dmitri Peskov")) is None


@pytest.mark.parametrize(
    ("question", "text"),
    [
        # Another role, or the role of something else than the question says.
        ("Qui est le porte-parole de la mairie ?", ROLE_AFTER_NAME_TEXT),
        ("Qui est le maire du village ?", ROLE_AFTER_NAME_TEXT),
        # The role's owner in no word of the question's ("Which US envoy …?").
        ("Which US envoy met Zelensky?",
         "Celui-ci a discuté du plan avec Kirill Dmitriev. "
         "L'envoyé spécial russe a eu des mots élogieux pour ses homologues."),
        # The sentence before names someone, but not as its subject.
        ("Qui est le porte-parole du Kremlin ?",
         "Le plan a été discuté avec Dmitri Peskov. "
         "« Rien n'a changé », a déclaré le porte-parole du Kremlin."),
        # "Qui est … ?" of someone the sentence before does not name.
        ("Qui est Kirill Dmitriev ?", ROLE_AFTER_NAME_TEXT),
    ],
)  # fmt: skip
def test_a_role_named_without_a_name_is_no_one_else_s(
    reader: Reader, question: str, text: str
) -> None:
    reading = _typed_reading(reader, question, text, 0.1)
    last = max(reading.sentences, key=lambda s: s.candidate.position)
    assert ReaderGenerator._named_by_role(reading, last) is None


def test_who_il_is_when_the_sentence_names_the_asked_person_in_another_spelling(
    reader: Reader,
) -> None:
    text = (
        "Steve Witkoff a reporté son voyage en Turquie. "
        "Il a néanmoins rencontré Rustem Umerov à Miami."
    )
    reading = _typed_reading(reader, "Qui a rencontré Oumierov ?", text, 0.1)
    chosen = _sentence(reading, "Il a")
    assert any(e.text == "Rustem Umerov" and e.label == "PER" for e in chosen.annotation.entities)
    # « Rustem Umerov » is the question's « Oumierov »: the sentence names no one else.
    antecedent = ReaderGenerator._antecedent(reading, chosen)
    assert antecedent is not None and antecedent.candidate.text.startswith("Steve Witkoff")


def test_who_il_is_in_a_cleft_comes_from_the_person_noun_before_it(reader: Reader) -> None:
    text = (
        "Le gardien de nuit, seul en poste au moment des faits, n'a rien entendu. "
        "C'est lors de sa ronde, à 4 h 15, qu'il a découvert la vitrine brisée."
    )
    reading = _typed_reading(reader, "Qui a découvert la vitrine brisée ?", text, 0.1)
    antecedent = ReaderGenerator._antecedent(reading, _sentence(reading, "C'est lors"))
    assert antecedent is not None and antecedent.candidate.text.startswith("Le gardien")
    # A sentence before that names neither a person nor a person noun says nothing of "il".
    other = text.replace("Le gardien de nuit, seul en poste", "La nuit, calme")
    reading = _typed_reading(reader, "Qui a découvert la vitrine brisée ?", other, 0.1)
    assert ReaderGenerator._antecedent(reading, _sentence(reading, "C'est lors")) is None


def test_a_follow_up_is_also_read_by_its_own_words(reader: Reader) -> None:
    text = "Bloomberg a publié les transcriptions. Le Kremlin a dénoncé une attaque."

    def vectors(texts: Sequence[str]) -> np.ndarray:
        # The first sentence points along the completed query, the second along the own words.
        return np.array([[1.0, 0.0] if "Bloomberg" in t else [0.0, 1.0] for t in texts])

    question = "Comment le Kremlin a-t-il réagi ? (Qu'a publié Bloomberg ?)"
    asked = "Comment le Kremlin a-t-il réagi ?"
    completed = reader.read(question, "fr", QUERY, [passage(text)], vectors=vectors, asked=asked)
    own = reader.read(question, "fr", QUERY, [passage(text)], vectors=vectors, asked=asked,
                      asked_vector=np.array([0.0, 1.0]))  # fmt: skip
    kremlin = [s.cosine for s in own.sentences if s.candidate.text.startswith("Le Kremlin")]
    assert [s.cosine for s in completed.sentences if s.candidate.text.startswith("Le K")] == [0.0]
    assert kremlin == [pytest.approx(own_words_vector(QUERY, np.array([0.0, 1.0]))[1])]
    assert kremlin[0] > 0.5
    assert np.linalg.norm(own_words_vector(QUERY, np.array([0.0, 1.0]))) == pytest.approx(1.0)


SOURCES_TEXT = (
    "L'intersyndicale affirme que 263 trains ont été supprimés mardi. "
    "Selon la direction régionale, 212 trains ont été supprimés mardi. "
    "Mercredi, 78 % des contrôleurs étaient en grève selon SUD-Rail, 54 % selon la direction."
)


def test_a_question_naming_a_source_is_answered_by_that_source(reader: Reader) -> None:
    question = "Combien de trains ont été supprimés mardi selon la direction ?"
    reading = _best_first(_typed_reading(reader, question, SOURCES_TEXT, 0.1), "L'intersyndicale")
    assert reading.question.source == ("direction",)
    instead = ReaderGenerator._source_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("Selon la direction")
    # Without a source in the question, the best sentence stands.
    plain = _typed_reading(reader, "Combien de trains ont été supprimés mardi ?", SOURCES_TEXT, 0.1)
    assert ReaderGenerator._source_instead(_best_first(plain, "L'intersyndicale")) is None


def test_a_best_sentence_citing_no_source_in_known_words_stands(reader: Reader) -> None:
    text = (
        "« La médiation qatarie et turque a contribué à mettre fin à la guerre à Gaza », "
        "aurait déclaré une source au portail « Axios ». "
        "Les Etats-Unis et la Russie ont élaboré un plan pour l'Ukraine, selon le portail Axios."
    )
    question = "Quels pays, selon une source d'Axios, ont servi de médiateurs à Gaza ?"
    reading = _best_first(_typed_reading(reader, question, text, 0.1), "« La médiation")
    # The source after the quote is the asked one; « une source » alone names no one.
    assert cites_asked_source(reading.best.candidate.text, reading.question)
    assert ReaderGenerator._source_instead(reading) is None
    assert not same_source(("source",), ("source", "bloomberg"))


def test_where_and_when_close_together_are_one_short_answer(annotator: Annotator) -> None:
    sentence = "Une réunion publique se tiendra le 2 juillet à la salle des fêtes de Castelbrenne."
    both = analyze_question("Où et quand aura lieu la réunion ?", "fr", annotator)
    short = extract_short_answer(both, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "2 juillet à la salle des fêtes de Castelbrenne"
    where = analyze_question("Où aura lieu la réunion ?", "fr", annotator)
    short = extract_short_answer(where, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "Castelbrenne"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Selon la direction, quelle part des contrôleurs était en grève mercredi ?", "54 %"),
        ("According to SUD-Rail, what share of conductors were on strike on Wednesday?", "78 %"),
    ],
)
def test_the_short_answer_is_the_figure_of_the_asked_source(
    reader: Reader, question: str, expected: str
) -> None:
    language = "en" if question.startswith("According") else "fr"
    sentence = SOURCES_TEXT.split(". ")[-1]
    reading = reader.read(
        question, language, QUERY, [passage(sentence)], vectors=same_vectors,
        extractive_margin=0.1,
    )  # fmt: skip
    assert reading.question.answer_type == NUMBER
    short = extract_short_answer(reading.question, sentence, reading.sentences[0].annotation)
    assert short is not None and short.text.startswith(expected)


def _best_first(reading: Reading, start: str) -> Reading:
    """The same reading with the sentence opening on ``start`` rated best."""
    first = _sentence(reading, start)
    rest = [s for s in reading.sentences if s is not first]
    return dataclasses.replace(reading, sentences=[first, *rest])


SUCCESSOR_TEXT = (
    "L'association des Amis du musée a lancé une souscription pour financer la sécurisation. "
    "Elle a déjà recueilli 23 000 euros en trois jours. "
    "Le musée rouvrira en janvier."
)


def test_the_sentence_after_the_best_one_gives_the_asked_type_when_it_goes_on_about_it(
    reader: Reader,
) -> None:
    question = "Combien d'argent l'association des Amis du musée a-t-elle collecté ?"
    # The reader rates the pronoun sentence low: it shares no word with the question.
    reading = _best_first(_typed_reading(reader, question, SUCCESSOR_TEXT, 0.1), "L'association")
    successor = ReaderGenerator._successor(reading)
    assert successor is not None and successor.candidate.text.startswith("Elle a déjà")
    assert holds_asked_type(reading)
    short = extract_short_answer(reading.question, successor.candidate.text,
                                 successor.annotation)  # fmt: skip
    assert short is not None and short.text == "23 000 euros"


def test_a_sentence_that_turns_to_something_else_does_not_answer_for_the_one_before(
    reader: Reader,
) -> None:
    text = (
        "Witkoff avait prévu de rencontrer Zelensky en Turquie, mais a reporté le voyage. "
        "Il a néanmoins rencontré Rustem Umerov à Miami."
    )
    question = "Dans quelle ville de Turquie Witkoff devait-il rencontrer Zelensky ?"
    reading = _best_first(_typed_reading(reader, question, text, 0.1), "Witkoff")
    assert ReaderGenerator._successor(reading) is None
    # Without « néanmoins » the same sentence would go on about the trip.
    plain = _typed_reading(reader, question, text.replace(" néanmoins", ""), 0.1)
    plain = _best_first(plain, "Witkoff")
    assert ReaderGenerator._successor(plain) is not None


@pytest.mark.parametrize(
    ("text", "question", "best", "expected", "short_answer", "unlinked"),
    [
        # the next sentence says who said the best one
        ("Aucune rencontre entre Daniel Driscoll et des représentants russes n'est prévue. "
         "Dmitri Peskov l'a affirmé, démentant les rumeurs.",
         "Qui a démenti qu'une rencontre entre Driscoll et les Russes était prévue ?",
         "Aucune", "Dmitri Peskov", "Dmitri Peskov",
         # a next sentence that does not refer back says nothing of who said the first one
         ("l'a affirmé, démentant les rumeurs", "est arrivé à Moscou")),
        # a quote in the first person goes on about the person the best sentence names
        ("Sur le quai, Émilie Rossi, infirmière, est partie une heure plus tôt que d'habitude. "
         "« J'ai pris le car de 6 h 10, il était plein. »",
         "À quelle heure Émilie Rossi a-t-elle pris le car ?",
         "Sur le quai", "« J'ai pris", "6 h 10",
         # after a sentence that names no one, a quote is nobody's in particular
         ("Émilie Rossi, infirmière, est partie", "les voyageurs sont partis")),
    ],
)  # fmt: skip
def test_the_sentence_after_the_best_one_answers_when_it_is_linked_to_it(
    reader: Reader,
    text: str,
    question: str,
    best: str,
    expected: str,
    short_answer: str,
    unlinked: tuple[str, str],
) -> None:
    reading = _best_first(_typed_reading(reader, question, text, 0.1), best)
    successor = ReaderGenerator._successor(reading)
    assert successor is not None and successor.candidate.text.startswith(expected)
    short = extract_short_answer(reading.question, successor.candidate.text,
                                 successor.annotation)  # fmt: skip
    assert short is not None and short.text == short_answer
    other = text.replace(*unlinked)
    reading = _best_first(_typed_reading(reader, question, other, 0.1), best)
    assert ReaderGenerator._successor(reading) is None


DAYS_TEXT = (
    "Mercredi, 78 % des contrôleurs étaient en grève selon le syndicat. "
    "En milieu de journée, 61 % des contrôleurs étaient en grève, d'après la direction."
)


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("Quelle part des contrôleurs était en grève mardi midi ?", "En milieu"),
        ("What share of the conductors were on strike on Tuesday?", "En milieu"),
        # the question's own day, or no day at all: the reader's order stands
        ("Quelle part des contrôleurs était en grève mercredi ?", "Mercredi"),
        ("Quelle part des contrôleurs était en grève ?", "Mercredi"),
    ],
)
def test_a_best_sentence_naming_another_day_gives_way_to_one_that_does_not(
    reader: Reader, question: str, first: str
) -> None:
    reading = _best_first(_typed_reading(reader, question, DAYS_TEXT, 0.1), "Mercredi")
    ordered = days_as_asked(reading.question, reading.sentences)
    assert ordered[0].candidate.text.startswith(first)
    assert sorted(s.candidate.text for s in ordered) == sorted(
        s.candidate.text for s in reading.sentences
    )


CANCELLED_TEXT = (
    "L'intersyndicale affirme que 263 trains ont été supprimés mardi. "
    "Le nombre d'autocars a été porté à 40 mercredi."
)


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # the articles give Tuesday's figure only: it does not answer for Wednesday
        ("Combien de trains ont été supprimés mercredi ?", True),
        ("How many trains were cancelled on Wednesday?", True),
        ("Combien de trains ont été supprimés mardi ?", False),
        ("Combien de trains ont été supprimés ?", False),
    ],
)
def test_a_sentence_naming_only_another_day_does_not_answer_for_the_asked_day(
    reader: Reader, question: str, refused: bool
) -> None:
    reading = _best_first(_typed_reading(reader, question, CANCELLED_TEXT, 0.1), "L'intersyndicale")
    assert names_another_day(reading) is refused
    assert refusal_allows("typed", reading) is not refused


PRICED_TEXT = (
    "L'assureur du musée évalue désormais le préjudice à plus de 6 millions d'euros. "
    "La compagnie offre une récompense de 150 000 euros à qui aidera à retrouver le tableau."
)


def test_an_amount_question_is_read_in_the_sentence_giving_the_amount_of_the_asked_thing(
    reader: Reader,
) -> None:
    question = "Quel est le montant de la récompense offerte par l'assureur ?"
    reading = _best_first(_typed_reading(reader, question, PRICED_TEXT, 0.1), "L'assureur")
    assert reading.question.measure == "money"
    instead = ReaderGenerator._answers_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("La compagnie")
    # the amount of the loss is in the first sentence: it stands
    loss = _best_first(
        _typed_reading(reader, "Quel est le montant du préjudice ?", PRICED_TEXT, 0.1),
        "L'assureur",
    )
    assert ReaderGenerator._priced_instead(loss) is None


@pytest.mark.parametrize(
    ("translation", "priced"),
    [("Combien il est il la récompense?", ("recompense",)),
     ("Combien est la quantité de la récompense?", ("recompense",)),
     # two nouns: which one is priced is unknown
     ("Combien argent la mairie mise vers les oeuvres de sécurité?", ())],
)  # fmt: skip
def test_what_a_translated_money_question_prices(
    annotator: Annotator, translation: str, priced: tuple[str, ...]
) -> None:
    assert priced_in_translation(annotator.annotate(translation)) == priced


def test_an_english_amount_question_is_read_in_its_translation_s_priced_thing(
    reader: Reader,
) -> None:
    """ "How much is the reward?" had quoted the amount best rated (the loss, or the council's
    works); the articles' word for "reward" is in the question's translation only."""
    reading, untranslated = _english_readings(
        reader, "How much is the reward?", "Combien il est il la récompense?", PRICED_TEXT,
        best="L'assureur",
    )  # fmt: skip
    assert reading.question.measure == "money"
    instead = ReaderGenerator._priced_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("La compagnie")
    assert ReaderGenerator._priced_instead(untranslated) is None


def _english_readings(
    reader: Reader, question: str, translation: str, text: str, *, best: str
) -> tuple[Reading, Reading]:
    """An English question's reading with its translation and without, the sentence opening
    on ``best`` rated best in both."""
    translated, untranslated = (
        reader.read(question, "en", QUERY, [passage(text)], vectors=same_vectors,
                    translation=given)
        for given in (translation, None)
    )  # fmt: skip
    return _best_first(translated, best), _best_first(untranslated, best)


DEED_TEXT = (
    "« Ce n'est pas une grève pour les salaires, c'est une grève pour la sécurité. » "
    "Le trafic était perturbé au premier jour d'une grève lancée à l'appel de SUD-Rail et de la "
    "CGT-Cheminots. "
    "Pour limiter les effets de la grève, SNCF Voyageurs a affrété 28 autocars."
)


def test_who_did_it_is_read_in_a_sentence_saying_the_deed(reader: Reader) -> None:
    question = "Qui a appelé à la grève ?"
    reading = _best_first(_typed_reading(reader, question, DEED_TEXT, 0.1), "« Ce n'est")
    ordered = deed_as_asked(reading.question, reading.sentences)
    assert ordered[0].candidate.text.startswith("Le trafic")  # « à l'appel de … »
    assert ordered[1] is reading.sentences[0]
    # The body it names did it: no runner-up naming a person (« SNCF Voyageurs », tagged as
    # one) is quoted instead.
    read = dataclasses.replace(reading, sentences=ordered)
    assert ReaderGenerator._typed_instead(read) is None
    # A best sentence saying the deed, or a question asking who someone is, keeps its order.
    said = _best_first(reading, "Le trafic")
    assert deed_as_asked(said.question, said.sentences)[0] is said.sentences[0]
    who_is = _best_first(_typed_reading(reader, "Qui est SUD-Rail ?", DEED_TEXT, 0.1), "« Ce")
    assert deed_as_asked(who_is.question, who_is.sentences)[0] is who_is.sentences[0]


def test_who_did_it_in_english_is_read_in_the_deed_of_its_translation(reader: Reader) -> None:
    """An English verb is none of the articles' words: "Who called the strike?" was answered by
    « … SNCF Voyageurs a affrété … » (the runner-up naming someone, tagged a person) before
    the question's translation (the assistant's, « Qui a appelé la grève ? ») was read."""
    reading, untranslated = _english_readings(
        reader, "Who called the strike?", "Qui a appelé la grève ?", DEED_TEXT, best="« Ce n'est"
    )
    assert reading.question.translation is not None
    ordered = deed_as_asked(reading.question, reading.sentences)
    assert ordered[0].candidate.text.startswith("Le trafic")
    # Without a translation the English words say nothing of the deed: the order stands.
    assert untranslated.question.translation is None
    kept = deed_as_asked(untranslated.question, untranslated.sentences)
    assert kept[0].candidate.text.startswith("« Ce n'est")


def test_a_runner_up_rated_far_below_does_not_stand_for_the_asked_day(reader: Reader) -> None:
    reading = _best_first(_typed_reading(reader, "Combien étaient en grève mardi ?", DAYS_TEXT,
                                         0.1), "Mercredi")  # fmt: skip
    best, runner_up = reading.sentences[0], reading.sentences[1]
    far = [best, dataclasses.replace(runner_up, probability=0.2 * best.probability)]
    assert days_as_asked(reading.question, far)[0] is best


def test_a_verbless_fragment_is_never_the_best_sentence_of_a_what_question(
    reader: Reader,
) -> None:
    text = (
        "(Rome, 19 novembre 2025). Un ensemble de propositions figurait dans un projet datant "
        "d'avril 2025."
    )
    question = "Quelles propositions figuraient dans le projet d'avril 2025 ?"
    reading = _best_first(_typed_reading(reader, question, text, 0.1), "(Rome")
    ordered = verbs_first(reading.question, reading.sentences)
    assert ordered[0].candidate.text.startswith("Un ensemble")
    # A question asking for a place or a date may still be answered by a dateline.
    place = "De quelle ville la dépêche est-elle datée ?"
    dated = _best_first(_typed_reading(reader, place, text, 0.1), "(Rome")
    assert verbs_first(dated.question, dated.sentences)[0].candidate.text.startswith("(Rome")


def test_a_sentence_announcing_what_follows_gives_way_to_one_that_says_it(
    reader: Reader,
) -> None:
    # The announcement ends its block; what it announces is in the blocks after it.
    announcing = "Selon Axios, les points peuvent être répartis en quatre catégories:"
    saying = "Le plan comprend quatre catégories, dont des garanties de sécurité."
    passages = [passage(announcing, 1), passage(saying, 2)]

    def read(question: str) -> Reading:
        reading = reader.read(question, "fr", QUERY, passages, vectors=same_vectors)
        return _best_first(reading, "Selon Axios")

    reading = read("Quelles sont les catégories du plan ?")
    assert verbs_first(reading.question, reading.sentences)[0].candidate.text == saying
    # "How many categories?" may be answered by the announcement itself.
    counted = read("Combien de catégories compte le plan ?")
    assert verbs_first(counted.question, counted.sentences)[0].candidate.text == announcing


@pytest.mark.parametrize(
    ("question", "text"),
    [
        # not a who-question
        ("Qu'a rejeté l'envoyé russe ?", ANTECEDENT_TEXT),
        # an impersonal "il" stands for no one
        ("Qui a rejeté les comparaisons avec l'initiative britannique ?",
         "Dmitriev a révélé qu'un document écrit serait prêt avant le sommet. "
         "Il s'agit des comparaisons avec l'initiative britannique."),
        # the sentence already names the person
        ("Qui a rejeté les comparaisons avec l'initiative britannique ?",
         "Dmitriev a révélé qu'un document écrit serait prêt avant le sommet. "
         "Il a, selon Steve Witkoff, rejeté les comparaisons avec l'initiative britannique."),
    ],
)  # fmt: skip
def test_no_antecedent_is_added_when_the_answer_needs_none(
    reader: Reader, question: str, text: str
) -> None:
    reading = _typed_reading(reader, question, text, 0.1)
    assert ReaderGenerator._antecedent(reading, _sentence(reading, "Il ")) is None


def _rated(reading: Reading, ratings: dict[str, float]) -> Reading:
    """The reading with its sentences rated (by their first words) and ordered by ``ratings``."""
    rated = [
        dataclasses.replace(_sentence(reading, start), probability=probability)
        for start, probability in sorted(ratings.items(), key=lambda item: -item[1])
    ]
    return dataclasses.replace(reading, sentences=rated)


COUNTS_TEXT = (
    "Mardi, 61 % des contrôleurs étaient en grève. "
    "Selon la direction, 212 trains ont été supprimés."
)


def test_a_how_many_question_is_answered_by_the_number_of_what_it_counts(reader: Reader) -> None:
    reading = _typed_reading(
        reader, "Combien de trains ont été supprimés mardi ?", COUNTS_TEXT, 0.1
    )
    assert reading.question.counted == ("trains",)
    instead = ReaderGenerator._counted_instead(_rated(reading, {"Mardi": 0.6, "Selon": 0.3}))
    assert instead is not None and instead.candidate.text.startswith("Selon")
    short = extract_short_answer(reading.question, instead.candidate.text, instead.annotation)
    assert short is not None and short.text.startswith("212")
    # Not when the reader rates it far below the best, nor when the best already counts trains.
    assert ReaderGenerator._counted_instead(_rated(reading, {"Mardi": 0.8, "Selon": 0.2}))
    assert ReaderGenerator._counted_instead(_rated(reading, {"Mardi": 0.95, "Selon": 0.05})) is None
    assert ReaderGenerator._counted_instead(_rated(reading, {"Selon": 0.6, "Mardi": 0.3})) is None


def test_the_number_of_the_counted_thing_comes_before_any_number(reader: Reader) -> None:
    text = (
        "Le trafic des trains était perturbé mardi. "
        "Mardi, 61 % des contrôleurs étaient en grève. "
        "Selon la direction, 212 trains ont été supprimés."
    )
    reading = _typed_reading(reader, "Combien de trains ont été supprimés mardi ?", text, 0.1)
    rated = _rated(reading, {"Le trafic": 0.6, "Mardi": 0.5, "Selon": 0.4})
    # The best sentence holds no number: any number would do for the type alone.
    typed = ReaderGenerator._typed_instead(rated)
    assert typed is not None and typed.candidate.text.startswith("Mardi")
    instead = ReaderGenerator._answers_instead(rated)
    assert instead is not None and instead.candidate.text.startswith("Selon")


def test_an_entity_tagged_of_the_asked_type_beats_a_lone_name_that_may_be_one(
    reader: Reader,
) -> None:
    text = (
        "Steve Witkoff, un envoyé de Trump, dirige le processus de rédaction. "
        "Dmitriev, PDG du Fonds russe d'investissement direct, a confirmé ces discussions."
    )
    question = "Quelle organisation Kirill Dmitriev dirige-t-il ?"
    reading = _typed_reading(reader, question, text, 0.1)
    assert reading.question.answer_type == "ORG"

    def with_trump_as(label: str) -> Reading:
        best = _sentence(reading, "Steve")
        start = best.candidate.text.index("Trump")
        entities = tuple(e for e in best.annotation.entities if e.text != "Trump")
        annotation = dataclasses.replace(
            best.annotation, entities=(*entities, Entity("Trump", label, start, start + 5))
        )
        rated = _rated(reading, {"Steve": 0.5, "Dmitriev": 0.2})
        first = dataclasses.replace(rated.sentences[0], annotation=annotation)
        return dataclasses.replace(rated, sentences=[first, *rated.sentences[1:]])

    # A lone name tagged PER may be an outlet (« Bloomberg »): it answers when nothing better is
    # near, but a runner-up with an entity tagged ORG answers instead.
    instead = ReaderGenerator._typed_instead(with_trump_as("PER"))
    assert instead is not None and instead.candidate.text.startswith("Dmitriev")
    assert ReaderGenerator._typed_instead(with_trump_as("ORG")) is None


def test_a_lone_name_called_a_person_most_often_is_a_person_everywhere(
    annotator: Annotator,
) -> None:
    texts = ["Le président Trump veut la paix.", "Un envoyé de Trump dirige le processus."]
    annotations = [annotator.annotate(t) for t in texts]
    per, other = Entity("Trump", "PER", 13, 18), Entity("Trump", "ORG", 13, 18)
    annotations = [
        dataclasses.replace(annotations[0], entities=(per,)),
        dataclasses.replace(annotations[1], entities=(other,)),
    ]
    # One vote each: nothing changes.
    assert with_known_persons(texts, annotations) == annotations
    twice = [*texts, texts[0]]
    known = with_known_persons(twice, [*annotations, annotations[0]])
    assert [(e.text, e.label) for e in known[1].entities] == [("Trump", "PER")]


@pytest.mark.parametrize(
    ("question", "language", "counted"),
    [
        ("Combien de trains ont été supprimés ?", "fr", ("trains",)),
        ("How many replacement coaches were laid on?", "en", ("replacement", "coaches")),
        ("Combien de jours la grève a-t-elle duré ?", "fr", ()),  # a duration, not a count
        ("Combien le fonds gère-t-il ?", "fr", ()),
        ("Qui a supprimé les trains ?", "fr", ()),
        # past a partitive
        ("How many of the 28 points were written by Russia?", "en", ("points", "written")),
        ("Combien de ces bijoux ont été retrouvés ?", "fr", ("bijoux",)),
    ],
)
def test_what_a_how_many_question_counts(
    annotator: Annotator, question: str, language: str, counted: tuple[str, ...]
) -> None:
    assert analyze_question(question, language, annotator).counted == counted


def test_a_follow_up_asks_for_what_its_own_words_ask(reader: Reader) -> None:
    query = "Et où sont-ils retenus ? (Combien de suspects ont été arrêtés ?)"
    whole = _typed_reading(reader, query, DATED_TEXT, 0.1)
    own = reader.read(
        query, "fr", QUERY, [passage(DATED_TEXT)], vectors=same_vectors,
        extractive_margin=0.1, asked="Et où sont-ils retenus ?",
    )  # fmt: skip
    # the earlier question's "combien" comes after the follow-up's own "où" either way
    assert whole.question.answer_type == PLACE
    assert own.question.answer_type == PLACE
    assert own.question.lemmas == whole.question.lemmas  # its words still help find it


@pytest.mark.parametrize(
    ("text", "name", "label"),
    [
        ("Le vol a eu lieu au musée Ferrand-Lacoste, a annoncé le parquet.", "Ferrand-Lacoste",
         "ORG"),
        ("Deux hommes ont été interpellés, a annoncé vendredi le parquet de Lorvan.", "Lorvan",
         "LOC"),
    ],
)  # fmt: skip
def test_a_name_after_a_museum_or_a_court_is_no_person(
    annotator: Annotator, text: str, name: str, label: str
) -> None:
    entity = Entity(name, "PER", text.index(name), text.index(name) + len(name))
    assert named_after(text, entity).label == label
    person = "Dmitriev a rencontré Witkoff au musée."
    witkoff = Entity("Witkoff", "PER", person.index("Witkoff"), person.index("Witkoff") + 7)
    assert named_after(person, witkoff).label == "PER"


def test_the_names_of_two_suspects_are_not_a_court_s_town(reader: Reader) -> None:
    question = "Comment s'appellent les deux hommes interpellés à Nantes ?"
    court = (
        "Deux hommes âgés de 29 et 41 ans ont été interpellés jeudi matin à Nantes dans "
        "l'enquête sur le vol commis au musée Ferrand-Lacoste, a annoncé vendredi le parquet "
        "de Lorvan."
    )
    reading = _typed_reading(reader, question, court, 0.1)
    assert not holds_new_name(reading) and not refusal_allows("typed", reading)


def test_corpus_notes_hold_only_the_non_citable_blocks(tmp_path: Path) -> None:
    (tmp_path / "x1.txt").write_text(
        "Un titre assez long pour être le titre de l'article\n\n"
        f"{FOOTER_TEXT} Le texte continue avec une deuxième phrase de contenu.\n\n"
        "Recevez notre newsletter et les alertes de Mena News\n",
        encoding="utf-8",
    )
    notes = corpus_notes(tmp_path)
    assert "Mena News" in notes["x1"]
    assert "28 points" not in notes["x1"]


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("Qu'a déclaré Zelensky lorsqu'il a reçu le texte du plan ?", "zelensky"),
        ("Qu'a dit le chancelier Friedrich Merz du plan négocié par Witkoff ?", "merz"),
        ("Que pense Dmitriev de l'initiative de Londres ?", "dmitriev"),
        ("Qu'est-ce que Zelensky a dit ?", "zelensky"),
        ("What did Zelensky say about the peace plan?", "zelensky"),
        ("And what has Putin himself said publicly about the plan?", "putin"),
        # How someone reacted, or whether they did.
        ("Steve Witkoff a-t-il réagi à la publication de son échange ?", "witkoff"),
        ("Comment Emmanuel Macron a-t-il réagi à ce plan de paix ?", "macron"),
        ("How did Zelensky react to the plan?", "zelensky"),
        ("Did Witkoff respond to the leak?", "witkoff"),
        ("And how did the SUD-Rail spokesman react to that?", None),
        # A named person's position, view or reaction.
        ("What is Zelensky's position on the plan?", "zelensky"),
        ("What is the position of Zelensky regarding the plan?", "zelensky"),
        # A position without "on …" is a post: "What is Rustem Umerov's position?"
        ("What is Rustem Umerov's position?", None),
        ("What is the position of Rustem Umerov?", None),
        ("What was the reaction of Dmitri Peskov?", "peskov"),
        ("Quelle est la position de Zelensky sur le plan ?", "zelensky"),
        ("Quelle est la position de l'Ukraine sur le plan ?", "ukraine"),
        ("What is Ukraine's position on the plan?", "ukraine"),
        ("Quel est l'avis de Kirill Dmitriev ?", "dmitriev"),
        ("What is the US official's view of the plan?", None),
        ("Quelle est la position du gouvernement ukrainien sur le plan ?", None),
        # A role, a pronoun or a name inside a longer subject: no named speaker.
        # How they described or called something.
        ("How did Dmitriev describe the Bloomberg reports?", "dmitriev"),
        ("Comment Dmitriev a-t-il qualifié ces informations ?", "dmitriev"),
        ("What did Karim Benhaddou call the meeting?", "benhaddou"),
        ("What did the plan call for?", None),
        ("What did the US official say about the timing of the plan?", None),
        ("What did the director of the Louvre say?", None),
        ("Qu'a dit l'envoyé russe au sujet de ses homologues américains ?", None),
        ("Qu'a déclaré le ministre des Transports ?", None),
        ("Et qu'a-t-il dit ?", None),
        ("Qui a déclaré que le plan était irréaliste ?", None),
        # What they think of what was just named.
        ("Et Zelensky, qu'en pense-t-il ?", "zelensky"),
        ("Qu'en pense Volodymyr Zelensky ?", "zelensky"),
    ],
)
def test_a_question_asking_what_a_named_person_said(question: str, speaker: str | None) -> None:
    assert asked_speaker(question) == speaker


@pytest.mark.parametrize(
    ("sentence", "speaker", "expected"),
    [
        ("« Nous ne céderons pas », a déclaré Volodymyr Zelensky à Kiev.", "zelensky", True),
        ("Selon Dmitriev, le texte pourra encore évoluer.", "dmitriev", True),
        ("D'après Dmitriev, le texte pourra encore évoluer.", "dmitriev", True),
        # A name opening the sentence has no word before it (not the sentence's last one).
        ("Zelensky a déclaré que l'Ukraine résisterait.", "zelensky", True),
        ("Pour Karim Benhaddou, cette offre « ne règle rien ».", "benhaddou", True),
        ("Selon la transcription publiée par Bloomberg, Witkoff conseille Ushakov sur la façon "
         "de présenter le plan.", "witkoff", True),
        ("« C'est un effort », a assuré la directrice régionale de SNCF Voyageurs, Nathalie "
         "Perrin, à la sortie.", "perrin", True),
        # Named as a complement, as the object of another verb, or in a sentence quoting no one.
        ("Un fonctionnaire a indiqué que Witkoff avait discuté du plan avec le conseiller de "
         "Zelensky, Roustem Oumierov.", "zelensky", False),
        ("Il a néanmoins rencontré Rustem Umerov à Miami, confirmant la poursuite des "
         "discussions.", "umerov", False),
        ("Cette initiative est menée par l'envoyé américain Steve Witkoff.", "witkoff", False),
        # The one spoken to is not the speaker.
        ("Selon Bloomberg, Witkoff conseille Iouri Ouchakov sur la façon de présenter le plan.",
         "ouchakov", False),
        # Not named as a person: a pronoun or a role may stand for them.
        ("Il a déclaré que le plan était irréaliste.", "dmitriev", None),
        # An English question's spelling of the name finds the article's.
        ("M. Ouchakov a déclaré qu'il ne savait pas d'où provenait la fuite.", "ushakov", True),
        ("« Nous refusons », a déclaré Volodymyr Zelenski.", "zelensky", True),
        ("Selon Bloomberg, Witkoff conseille Iouri Ouchakov sur la façon de présenter le plan.",
         "ushakov", False),
        # A name in apposition to a complement is spoken of; one whose role a speech verb
        # governs, before or after it, speaks.
        ("Un fonctionnaire a indiqué que Witkoff avait discuté avec le conseiller de Zelensky, "
         "Roustem Oumierov, lors d'une réunion à Miami.", "oumierov", False),
        ("« Rien n'a changé », a déclaré le porte-parole du Kremlin, Dmitri Peskov.", "peskov",
         True),
        ("Le porte-parole du Kremlin, Dmitri Peskov, a déclaré que rien n'avait changé.",
         "peskov", True),
        # « juge », which the tagger takes for a noun, is the verb after the apposition.
        ("Sa présidente, Claire Dumoulin, juge « insuffisant » le remboursement promis.",
         "dumoulin", True),
        # After an article, the word before it decides: "de l'Ukraine" is a complement.
        # (spaCy's small model takes this « Ukraine » for a person.)
        ("Un ensemble de propositions avait déjà émergé, exigeant de l’Ukraine qu’elle renonce "
         "formellement à son adhésion à l’OTAN et reconnaisse implicitement la souveraineté russe "
         "sur les régions occupées, propositions qui figuraient dans un projet datant d’avril "
         "2025.", "ukraine", False),
        # The subject of a reported clause, whose verb is not one of saying, does not speak.
        ("Un fonctionnaire a indiqué au portail que Witkoff avait discuté du plan.", "witkoff",
         False),
        ("Witkoff conseille Ushakov sur la manière dont Poutine devrait aborder Donald Trump.",
         "poutine", False),
        ("Selon Axios, Dmitriev a précisé que le plan était prêt.", "dmitriev", True),
        # A name inside the quoted words is spoken of by whoever is quoted.
        ("« Le président Trump pense que la guerre peut finir », explique ce fonctionnaire.",
         "trump", False),
        ("« Nous avons bon espoir », a déclaré Isabelle Carré.", "carre", True),
        # A country or an institution speaks through others: a sentence naming it holds its
        # words or its stance when it reports speech or a reaction at all, not otherwise.
        ("Le plan, qui comprend 28 points répartis en quatre catégories – la paix en Ukraine, "
         "les garanties de sécurité – vise à aborder des questions essentielles.", "ukraine",
         False),
        ("Si un haut fonctionnaire russe s'est montré optimiste, les réactions de l'Ukraine et de "
         "ses alliés européens restent incertaines.", "ukraine", True),
        ("Les représentants du Kremlin ont décrit cette fuite comme une tentative de nuire aux "
         "négociations.", "kremlin", True),
        ("« Rien n'a changé », a déclaré le porte-parole du Kremlin.", "kremlin", True),
        # An inverted speech verb the small model tags an adjective (« a réagi »), its speaker
        # in apposition to a role after it.
        ("« C'est notre histoire », a réagi le maire de Saint-Aurèle, François Kerbrat.",
         "kerbrat", True),
        # The agent of a passive speech verb speaks.
        ("L'objectif a été exposé à Axios par l'envoyé spécial russe Kirill Dmitriev : « La "
         "sécurité doit être durable. »", "dmitriev", True),
    ],
)  # fmt: skip
def test_a_sentence_quotes_the_speaker_only_when_it_names_them_as_the_one_speaking(
    annotator: Annotator, sentence: str, speaker: str, expected: bool | None
) -> None:
    assert speaks(sentence, annotator.annotate(sentence), speaker) is expected


def test_what_a_role_holder_said_is_quoted_from_where_that_role_speaks(reader: Reader) -> None:
    text = (
        "L'élue d'opposition Mathilde Le Goff réclame un audit des bâtiments de la ville. "
        "Le maire, François Kerbrat, a salué le travail des enquêteurs de la ville."
    )
    reading = _best_first(
        _typed_reading(reader, "Qu'a déclaré le maire de la ville ?", text, 0.1), "L'élue"
    )
    assert reading.question.speaking_role
    instead = ReaderGenerator._role_speaker_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("Le maire")
    assert ReaderGenerator._answers_instead(reading) is instead


def test_typed_refuses_what_a_person_said_with_a_sentence_where_they_do_not_speak(
    reader: Reader,
) -> None:
    question = "Qu'a déclaré Zelensky au sujet du plan de paix ?"
    other = "Witkoff a discuté du plan de paix avec le conseiller de Zelensky, Roustem Oumierov."
    own = "« Ce plan de paix doit être discuté avec nous », a déclaré Zelensky."
    refused = _typed_reading(reader, question, other, 0.1)
    answered = _typed_reading(reader, question, own, 0.1)
    assert refused.question.speaker == "zelensky"
    assert refusal_allows("support", refused)  # the support bar alone would answer
    assert not quotes_speaker(refused) and not refusal_allows("typed", refused)
    assert quotes_speaker(answered) and refusal_allows("typed", answered)


def test_what_a_person_said_needs_a_sentence_reporting_words_when_it_does_not_name_them(
    reader: Reader,
) -> None:
    """Not named in the best sentence, the speaker may be « il » or a role; but a sentence that
    reports no one's words (no verb of saying, no quotation) does not hold what they said."""
    question = "Qu'a répondu Zelensky au plan en 28 points ?"
    silent = (
        "Le plan, qui comprend 28 points répartis en quatre catégories, vise à aborder la paix."
    )
    pronoun = "Il a rejeté le plan en 28 points, affirmant qu'il n'était pas viable."
    refused = _typed_reading(reader, question, silent, 0.1)
    assert refused.question.speaker == "zelensky"
    assert not quotes_speaker(refused) and not refusal_allows("typed", refused)
    assert quotes_speaker(_typed_reading(reader, question, pronoun, 0.1))


@pytest.mark.parametrize(
    ("question", "actor"),
    [
        ("Did Zelensky approve the plan?", "zelensky"),
        ("Has Steve Witkoff met Umerov?", "witkoff"),
        ("Zelensky a-t-il approuvé le plan ?", "zelensky"),
        ("Et Poutine a-t-il réagi ?", "poutine"),
        ("Est-ce que Poutine a accepté le plan ?", "poutine"),
        # A copula asks what the person is: any role names them.
        ("Was Witkoff the only American Dmitriev talked to?", None),
        ("Dmitriev est-il le PDG d'une entreprise ?", None),
        # An article, a role or a possessive: no named subject.
        ("Did the US official say so?", None),
        ("Le Kremlin a-t-il démenti l'existence du plan ?", None),
        ("Did Trump's envoy meet Zelensky?", None),
        # Not a yes/no question.
        ("Qui a rencontré Zelensky ?", None),
        # When and where something was done asks about its doer too.
        ("Où Witkoff a-t-il rencontré Dmitriev ?", "witkoff"),
        ("Quand Poutine a-t-il parlé à Trump ?", "poutine"),
        ("When did Zelensky receive the plan?", "zelensky"),
        # So does what, why or how they did it.
        ("À quoi Trump s'est-il engagé ?", "trump"),
        ("Pourquoi Dmitriev rejette-t-il l'initiative britannique ?", "dmitriev"),
        ("What did Trump commit to regarding the front?", "trump"),
        ("How did Dmitriev describe the leak?", "dmitriev"),
        ("Qu'est-ce que Trump s'est engagé à faire ?", "trump"),
        ("Que Trump a-t-il promis ?", "trump"),
        ("Qu'est-ce que le plan ?", None),
        # A name before a plural noun is part of a longer subject.
        ("How did Kremlin representatives describe the leak?", None),
        ("Did Kremlin officials confirm the plan?", None),
        # Other question words ask with whom, how many…
        ("Avec qui Witkoff a-t-il discuté du plan ?", None),
        ("Combien de jours Witkoff a-t-il passés à Miami ?", None),
    ],
)
def test_a_yes_no_question_about_what_a_named_person_did(question: str, actor: str | None) -> None:
    assert asked_actor(question) == actor


@pytest.mark.parametrize(
    ("sentence", "actor", "expected"),
    [
        ("Un fonctionnaire a indiqué que Witkoff avait discuté du plan avec le conseiller à la "
         "sécurité nationale de Zelensky, Roustem Oumierov.", "zelensky", False),
        ("Zelensky a rejeté le plan mardi à Kiev.", "zelensky", True),
        ("Witkoff avait prévu de rencontrer le président ukrainien Volodymyr Zelensky le 19 "
         "novembre.", "zelensky", True),
        ("Il a rejeté le plan mardi.", "zelensky", None),
    ],
)  # fmt: skip
def test_a_sentence_names_the_actor_as_more_than_a_complement(
    annotator: Annotator, sentence: str, actor: str, expected: bool | None
) -> None:
    assert acts(sentence, annotator.annotate(sentence), actor) is expected


def test_what_a_named_person_did_is_read_where_they_act(reader: Reader) -> None:
    """« À quoi Trump s'est-il engagé ? » was answered « Steve Witkoff, un envoyé de Trump, …
    a engagé des discussions … », where Trump only completes « envoyé »."""
    question = "À quoi Trump s'est-il engagé ?"
    text = (
        "Steve Witkoff, un envoyé de Trump, a engagé des discussions avec Dmitriev. "
        "Trump s'est engagé à geler le cours du front."
    )
    reading = _typed_reading(reader, question, text, 0.1)
    best = _sentence(reading, "Steve Witkoff")
    reading = dataclasses.replace(
        reading, sentences=[best, *(s for s in reading.sentences if s is not best)]
    )
    instead = ReaderGenerator._actor_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("Trump s'est engagé")
    assert names_actor(reading)
    # Without a sentence where Trump acts, the question is refused.
    alone = _typed_reading(reader, question, text.split(". ")[0] + ".", 0.1)
    assert ReaderGenerator._actor_instead(alone) is None
    assert not names_actor(alone)


def test_typed_refuses_a_yes_no_question_whose_sentence_names_its_subject_as_a_complement(
    reader: Reader,
) -> None:
    question = "Zelensky a-t-il approuvé le plan de paix ?"
    other = "Witkoff a discuté du plan de paix avec le conseiller de Zelensky, Roustem Oumierov."
    own = "Zelensky a approuvé le plan de paix mardi à Kiev."
    refused = _typed_reading(reader, question, other, 0.1)
    answered = _typed_reading(reader, question, own, 0.1)
    assert refused.question.actor == "zelensky"
    assert refusal_allows("support", refused)  # the support bar alone would answer
    assert not names_actor(refused) and not refusal_allows("typed", refused)
    assert names_actor(answered) and refusal_allows("typed", answered)


def test_a_name_after_avec_acts_with_the_other_person_the_question_names(
    reader: Reader, annotator: Annotator
) -> None:
    sentence = "Dmitriev a confirmé qu'il avait tenu trois jours de discussions avec Witkoff."
    annotation = annotator.annotate(sentence)
    assert acts(sentence, annotation, "witkoff") is False  # alone, only a complement
    assert acts(sentence, annotation, "witkoff", [("dmitriev",)]) is True
    assert acts(sentence, annotation, "witkoff", [("zelensky",)]) is False
    for question in ("Did Witkoff meet Dmitriev?", "Witkoff a-t-il rencontré Dmitriev ?"):
        reading = _typed_reading(reader, question, sentence, 0.1)
        assert reading.question.actor == "witkoff"
        assert names_actor(reading) and refusal_allows("typed", reading)
    # A partner named only as the actor's employer does not make it a joint action.
    other = "Witkoff a discuté avec le conseiller de Zelensky, Roustem Oumierov."
    reading = _typed_reading(reader, "Zelensky a-t-il approuvé le plan ?", other, 0.1)
    assert not names_actor(reading)
    # The same for a where- or when-question: its subject did it, with the other or not.
    where = _typed_reading(reader, "Où Witkoff a-t-il rencontré Dmitriev ?", sentence, 0.1)
    assert where.question.actor == "witkoff" and names_actor(where)
    when = _typed_reading(reader, "Quand Zelensky a-t-il reçu le plan ?", other, 0.1)
    assert when.question.actor == "zelensky" and not names_actor(when)


def test_a_question_typed_without_accents_gets_them_back(annotator: Annotator) -> None:
    assert annotator.reaccent("Qui preside l'association ?") == "Qui préside l'association ?"
    assert annotator.reaccent("Quand l'emissaire americain a-t-il recu le texte ?") == (
        "Quand l'émissaire américain a-t-il reçu le texte ?"
    )
    # A word French spells both ways stays as typed (« ou » / « où », « a » / « à »).
    assert annotator.reaccent("Ou a-t-il vu Witkoff ou Dmitriev ?") == (
        "Ou a-t-il vu Witkoff ou Dmitriev ?"
    )
    # A question holding one accent was typed with them: nothing is changed.
    typed = "Où l'emissaire americain a-t-il recu le texte ?"
    assert annotator.reaccent(typed) == typed
    # A text far longer than a question is left as typed (each word may try many spellings).
    long = "Qui preside " + "la reunion " * 60 + "?"
    assert annotator.reaccent(long) == long


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        # After « a », « ont », « a-t-il », « été »…, a participle: « déclaré », not « déclare ».
        ("Qu'a declare Zelensky ?", "Qu'a déclaré Zelensky ?"),
        ("Le plan a-t-il ete redige a Miami ?", "Le plan a-t-il été rédigé a Miami ?"),
        ("Que declare Zelensky ?", "Que déclare Zelensky ?"),  # no auxiliary: as it ends
        # A string of the vocabulary that is no word of the lemmatizer's, with one accented
        # spelling that is (« ete », « etat », « realiste »); a word it knows stays as typed.
        ("Dans quel etat d'esprit est-il ?", "Dans quel état d'esprit est-il ?"),
        ("Faut-il etre realiste ?", "Faut-il être réaliste ?"),
        ("Qui aidera a retrouver la toile ?", "Qui aidera a retrouver la toile ?"),
        # A word it knows after an auxiliary, when the participle is a word too.
        ("Qui a signe l'accord ?", "Qui a signé l'accord ?"),
        ("Le vice-president a-t-il parle ?", "Le vice-president a-t-il parlé ?"),
        # The verb of an inversion, and of several spellings the one the lemmatizer knows.
        ("Que pensent-ils ?", "Que pensent-ils ?"),
        ("Qu'esperent-ils reunir ?", "Qu'espèrent-ils réunir ?"),
        # « ou se » and a conjugated verb is « où »; before an infinitive it may be « or ».
        (
            "Le maire de la ville ou se trouve le musee ?",
            "Le maire de la ville où se trouve le musée ?",
        ),
        ("Faut-il partir ou se cacher ?", "Faut-il partir ou se cacher ?"),
        # A long word (seven letters that may take an accent) gets its one accent back.
        ("Qui dirige les negociations ?", "Qui dirige les négociations ?"),
    ],
)
def test_a_participle_or_a_word_only_accented_gets_its_accents_back(
    annotator: Annotator, typed: str, restored: str
) -> None:
    assert annotator.reaccent(typed) == restored


def test_the_question_phrase_tagged_as_a_name_is_not_one(annotator: Annotator) -> None:
    # The small model tags « Combien de temps » MISC: « temps » then became a name that no
    # article holds, and the question was refused as asking about something absent.
    question = "Combien de temps peut durer la garde à vue ?"
    assert annotator.truecase(question) == question
    assert analyze_question(question, "fr", annotator).keys == []


def test_a_question_typed_in_lower_case_has_its_names_capitalised(annotator: Annotator) -> None:
    lower = "quel est le rôle de la chine dans le plan ?"
    assert annotator.truecase(lower) == "Quel est le rôle de la Chine dans le plan ?"
    assert annotator.truecase("qui est iouri ouchakov") == "Qui est Iouri Ouchakov"
    # A capital after the first letter: the text says where its names are.
    cased = "Quel est le rôle de la chine, selon Axios ?"
    assert annotator.truecase(cased) == cased
    assert analyze_question(lower, "fr", annotator).keys == [("chine",)]
    assert analyze_question(
        "Quel est le rôle de la Chine dans le plan ?", "fr", annotator
    ).keys == [("chine",)]


def test_names_get_their_capitals_back_from_the_texts_that_write_them() -> None:
    texts = [
        "Selon la transcription publiée par Bloomberg, Witkoff conseille Ushakov sur la "
        "meilleure façon de présenter le plan. Plan de paix : les discussions continuent.",
        "Dmitriev a parlé à Axios. La position de Dmitriev est connue.",
    ]
    names = capitalised_names(texts)
    # Capitalised inside a sentence only: « Plan » opens one and is written « plan » too.
    assert {"bloomberg", "witkoff", "ushakov", "axios", "dmitriev"} <= names
    assert "plan" not in names and "selon" not in names
    assert truecase_from("what did ushakov tell axios", names) == "What did Ushakov tell Axios"
    assert truecase_from("What did ushakov tell Axios", names) == "What did ushakov tell Axios"
    # An English acronym typed in lower case gets its capitals ("nato": no English word).
    acronyms = ENGLISH_ACRONYMS
    assert truecase_from("what does the plan say about nato", names, acronyms) == (
        "What does the plan say about NATO"
    )
    assert french_name_forms("what does the plan say about nato") == ["otan"]
    assert french_name_forms("tell us what they said") == []  # "us", not the US
    # The countries and peoples English capitalises, typed in lower case, get their capitals
    # before the question is translated ("russia's": a name to keep, not a word).
    typed = "did russia's envoy say the ukrainians and europeans would agree in turkey"
    assert truecase_from(typed, ENGLISH_PROPER_WORDS) == (
        "Did Russia's envoy say the Ukrainians and Europeans would agree in Turkey"
    )
    # Typed in lower case, a question whose names were only partly capitalised since (the
    # tagger's « Ter ») gets the rest, and the acronyms the texts write in capitals.
    names = capitalised_names(["La grève des TER du Val-d'Orbe continue."])
    assert truecase_from("combien de Ter dans le val-d'orbe", names, frozenset({"ter"})) == (
        "combien de Ter dans le val-d'orbe"
    )
    assert truecase_from(
        "combien de Ter dans le val-d'orbe", names, frozenset({"ter"}), typed_lower=True
    ) == ("Combien de TER dans le Val-d'Orbe")
    # A name of several words gets a capital on each; one the texts write is written their way,
    # accents and inner capitals included.
    assert truecase_from("who leads the united states", ENGLISH_PROPER_WORDS) == (
        "Who leads the United States"
    )
    written = name_spellings(["Les États-Unis et la Russie ont parlé."])
    assert truecase_from(
        "Qui parle pour les Etats-unis ?", frozenset(written), typed_lower=True, written=written
    ) == ("Qui parle pour les États-Unis ?")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("WHO IS LEADING THE TALKS?", "who is leading the talks?"),
        ("QUI DIRIGE LES NÉGOCIATIONS ?", "qui dirige les négociations ?"),
        ("COMBIEN DE TER LE 3 MARS ?", "combien de ter le 3 mars ?"),
        # A capital-free word, or too few words, and it was not typed in capitals throughout.
        ("What does the plan say about NATO?", "What does the plan say about NATO?"),
        ("SNCF, TER ?", "SNCF, TER ?"),
        ("OTAN ?", "OTAN ?"),
    ],
)
def test_a_question_typed_in_capitals_is_read_in_lower_case(typed: str, read: str) -> None:
    assert unshouted(typed) == read


def test_a_name_typed_a_letter_off_is_written_as_the_texts_write_it() -> None:
    texts = ["Dmitri Peskov l'a affirmé, selon Axios. Ensuite Witkoff et Dmitriev ont parlé."]
    spellings = name_spellings(texts)
    assert spellings["peskov"] == "Peskov" and spellings["witkoff"] == "Witkoff"
    unknown = {
        "peskow",
        "witkof",
        "dimitriev",
        "witkofs",
        "pesvok",
        "peskovaa",
        "axois",
    }.__contains__

    def known(word: str) -> bool:
        return not unknown(word.lower())

    for typed, written in [
        ("What did Peskow deny?", "What did Peskov deny?"),  # a letter substituted
        ("Le rôle de Witkof ?", "Le rôle de Witkoff ?"),  # a letter left out
        ("Who is Dimitriev?", "Who is Dmitriev?"),  # a letter added
        ("What did Axois say?", "What did Axios say?"),  # two letters swapped
    ]:
        assert respelled_names(typed, spellings, known) == written
    # An English place name is no misspelt French one.
    places = name_spellings(["Selon la Russie et Moscou, rien."])
    assert respelled_names("Who said Russia and Moscow agreed?", places, lambda w: False) == (
        "Who said Russia and Moscow agreed?"
    )
    # Two letters off, a word the corpus uses, a word in lower case: as typed.
    for typed in (
        "What did Peskovaa say?",
        "What did Pesvok say?",
        "Qui est Peskova ?",
        "what did peskow deny?",
    ):
        assert respelled_names(typed, spellings, lambda w: w == "Peskova" or known(w)) == typed


def test_a_word_typed_a_letter_off_is_the_word_meant() -> None:
    words = word_spellings(["La poursuite de la grève, selon les pénalités prévues.", "quelle"])
    assert words["penalites"] == "pénalités" and words["quelle"] == "quelle"
    french = WordFrequencies("fr")
    corpus = {"engagement", "pénalités", "poursuite", "quelle"}.__contains__

    def respelled(text: str, lexicon: Callable[[str], bool] = french.knows) -> str:
        return respelled_words(text, lambda: words, corpus, lexicon, french.frequency)

    # A word of the retrieved paragraphs (accents as they write them), else of the language.
    assert respelled("Des péanlités ? Sur quellle ligne ?") == "Des pénalités ? Sur quelle ligne ?"
    assert respelled("Le plan aurrait-il été rédigé ?") == "Le plan aurait-il été rédigé ?"
    # Of several words of the language, the one the corpus uses, else the most used one.
    assert respelled("Quel enagement ?") == "Quel engagement ?"
    # A word the language has, a short word, a name, a word a letter off several words the
    # corpus never uses (« latin », « satin », « matin »…): as typed.
    for typed in ("Le confit de canard ?", "Le plna ?", "Qui est Peskow ?", "La tarte tatin ?"):
        assert respelled(typed) == typed
    # With no lexicon to tell a typo by, only the paragraphs' words correct one.
    assert respelled("Une soution ? La pursuite ?", lambda w: False) == (
        "Une soution ? La poursuite ?"
    )
    # An elided word, a French word written with its ligature: not typos.
    near = {"lorsque": "lorsque", "ouvre": "ouvre"}
    typed = "Et lorsqu'il parle de l'œuvre ?"
    assert respelled_words(typed, lambda: near, corpus, french.knows, french.frequency) == typed
    english = WordFrequencies("en")
    assert english.knows("negotiations") and not english.knows("negotations")
    # A British spelling is no typo (the English list is American).
    british = "Which jewellery was finalised in his favour?"
    assert respelled_words(british, dict, lambda w: False, english.knows, english.frequency) == (
        british
    )
    assert respelled_words(
        "Who leads the negotations?", dict, lambda w: False, english.knows, english.frequency
    ) == ("Who leads the negotiations?")
    # A British ending is one (« analysed », "centres"); the same letters inside a word are a
    # typo ("treritory" is no British "territory").
    for typed, meant in [
        ("Who analysed the centres?", "Who analysed the centres?"),
        ("Who claims more treritory?", "Who claims more territory?"),
    ]:
        assert respelled_words(typed, dict, lambda w: False, english.knows) == meant
    # Several words a letter off, none the corpus uses: as typed, unless they are forms of one
    # word; then the most used form.
    en_stem = stem_of("en")
    assert respelled_words(
        "What does it inclued?", dict, lambda w: False, english.knows, english.frequency, en_stem
    ) == ("What does it include?")
    assert respelled_words(
        "What was the stoen item?", dict, lambda w: False, english.knows, english.frequency, en_stem
    ) == ("What was the stoen item?")  # « stolen » or « stone »


def test_typed_refuses_a_question_naming_what_no_retrieved_article_holds(reader: Reader) -> None:
    text = (
        "Le plan, qui comprend 28 points répartis en quatre catégories, vise à aborder des "
        "questions essentielles pour la paix en Ukraine."
    )
    absent = _typed_reading(reader, "Quel est le rôle de la Chine dans le plan ?", text, 0.1)
    lower = _typed_reading(reader, "quel est le rôle de la chine dans le plan ?", text, 0.1)
    present = _typed_reading(reader, "Quel est le rôle de l'Ukraine dans le plan ?", text, 0.1)
    for reading in (absent, lower):
        assert reading.candidate_set.missing_keys == 1
        assert refusal_allows("support", reading)  # the support bar alone would answer
        assert names_what_is_absent(reading) and not refusal_allows("typed", reading)
    assert not names_what_is_absent(present) and refusal_allows("typed", present)
    # An English question's names may be translated in the articles: left to the other checks.
    english = reader.read(
        "What is the role of the Russian Direct Investment Fund?", "en", QUERY,
        [passage("Dmitriev, PDG du Fonds russe d'investissement direct, a confirmé la visite.")],
        vectors=same_vectors, extractive_margin=0.1,
    )  # fmt: skip
    assert english.candidate_set.missing_keys >= 1
    assert not names_what_is_absent(english)


SPEAKER_TEXT = (
    "Selon la transcription publiée par Bloomberg, Witkoff conseille Ushakov sur la façon de "
    "présenter le plan. M. Ouchakov a déclaré qu'il ne savait pas d'où provenait la fuite."
)


def test_what_a_person_said_is_answered_by_a_runner_up_where_they_speak(reader: Reader) -> None:
    reading = reader.read(
        "What did Ushakov say about the leak?",
        "en",
        QUERY,
        [passage(SPEAKER_TEXT)],
        vectors=same_vectors,
        extractive_margin=0.1,
    )
    assert reading.question.speaker == "ushakov"
    rated = _rated(reading, {"Selon": 0.7, "M. Ouchakov": 0.3})
    instead = ReaderGenerator._speaker_instead(rated)
    assert instead is not None and instead.candidate.text.startswith("M. Ouchakov")
    assert quotes_speaker(rated) and refusal_allows("typed", rated)
    # Not when the reader rates it far below the best sentence: then the question is refused.
    far = _rated(reading, {"Selon": 0.97, "M. Ouchakov": 0.03})
    assert ReaderGenerator._speaker_instead(far) is None
    assert not quotes_speaker(far) and not refusal_allows("typed", far)
    # Not when the best sentence gives their words already.
    own = _rated(reading, {"M. Ouchakov": 0.6, "Selon": 0.4})
    assert ReaderGenerator._speaker_instead(own) is None and quotes_speaker(own)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Qui a fait savoir que le voyage était reporté ?", True),
        ("Qui a expliqué que le plan tiendrait compte des inquiétudes russes ?", True),
        ("Selon qui le plan est-il prêt ?", True),
        ("Who told Axios that Witkoff had met Zelensky's adviser?", True),
        ("And who announced the strike?", True),
        # who did something else, or whom someone saw
        ("Qui a rencontré Witkoff à Miami ?", False),
        ("Qui le responsable américain espère-t-il associer au plan ?", False),
        ("Who leads the talks for Russia?", False),
    ],
)
def test_a_question_asking_who_said_something(question: str, expected: bool) -> None:
    assert asks_source(question) is expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The speaker is a role: no person of the sentence is the answer.
        ("Qui a fait savoir que Witkoff avait repoussé son voyage ?",
         "Witkoff a reporté sa rencontre avec Volodymyr Zelensky, selon des responsables "
         "ukrainiens.", None),
        ("Who told Axios that Witkoff had discussed the plan with Zelensky's adviser?",
         "Un fonctionnaire ukrainien a indiqué que Witkoff avait discuté du plan avec le "
         "conseiller de Zelensky, Roustem Oumierov, lors d'une réunion.", None),
        # The person who speaks is.
        ("Qui a expliqué que le plan tiendrait compte des inquiétudes russes ?",
         "Le plan a été exposé à Axios par l'envoyé spécial russe Kirill Dmitriev : « Nous "
         "voulons une sécurité durable. »", "Kirill Dmitriev"),
    ],
)  # fmt: skip
def test_who_said_it_is_answered_by_the_one_who_speaks(
    annotator: Annotator, question: str, sentence: str, expected: str | None
) -> None:
    language = "en" if question.startswith("Who") else "fr"
    info = analyze_question(question, language, annotator)
    assert info.asks_source
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert (short.text if short else None) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a follow-up's query: its own words, then the earlier question in brackets
        ("What did he say about the leak? (Who is Yuri Ushakov?)", "ushakov"),
        ("Qu'a-t-il déclaré sur la fuite ? (Qui a parlé à Iouri Ouchakov ?)", "ouchakov"),
        ("Et qu'a-t-elle dit ? (Qui est Mathilde Le Goff ?)", "goff"),
        # two people in the earlier question, or a pronoun that does not speak
        ("Qu'a-t-il dit ? (Qui ont rencontré Witkoff et Dmitriev ?)", None),
        ("Where did he go? (Who is Yuri Ushakov?)", None),
        # no earlier question
        ("What did he say about the leak?", None),
    ],
)
def test_a_follow_up_asking_what_he_said_asks_the_earlier_question_s_person(
    annotator: Annotator, query: str, expected: str | None
) -> None:
    language = "en" if query.startswith(("What", "Where")) else "fr"
    info = analyze_question(query, language, annotator, asked=query.split(" (")[0])
    assert info.speaker == expected


def test_which_figure_asks_for_no_number() -> None:
    # "figure" names a person as often as a number: no type, so no number is required.
    assert answer_type("Which Pentagon figure travelled to Kyiv?", "en")[0] is None
    assert answer_type("What percentage of trains ran?", "en")[0] == NUMBER


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Pourquoi le voyage a-t-il été reporté ?", True),
        ("Et pour quelle raison l'émissaire juge-t-il la proposition irréaliste ?", True),
        ("Why did Witkoff postpone his trip?", True),
        ("Qui a reporté le voyage ?", False),
        ("Comment le Kremlin a-t-il réagi ?", False),
    ],
)
def test_a_why_question(question: str, expected: bool) -> None:
    assert asks_reason(question) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Il a reporté le voyage car la réunion avait été annulée.", True),
        ("Le voyage a été reporté en raison de la météo.", True),
        ("La date reste incertaine, les plans ayant été mis en attente.", True),
        ("Le tableau est fiché, ce qui rend sa revente impossible.", True),
        ("Les syndicats ont appelé à la grève pour obtenir des embauches.", True),
        ("The trip was postponed because the talks had stalled.", True),
        # A purpose: « sert à », « vise à », "is meant to".
        ("Pour la Russie, les offensives servent à renforcer sa position.", True),
        ("Le plan vise à aborder des questions essentielles.", True),
        ("The offensives are meant to strengthen Russia's hand.", True),
        # What happened, not why.
        ("Witkoff avait prévu de rencontrer Zelensky en Turquie, mais a reporté le voyage.", False),
        ("Les discussions se sont tenues à Miami du 24 au 26 octobre.", False),
        (
            "Il a rencontré Rustem Umerov, confirmant ainsi la poursuite des discussions.",
            False,
        ),
        ("Le plan de paix a été présenté pour la première fois à Miami.", False),
    ],
)
def test_a_sentence_gives_a_reason(annotator: Annotator, sentence: str, expected: bool) -> None:
    assert gives_reason(sentence, annotator.annotate(sentence)) is expected


def test_typed_refuses_a_why_question_whose_sentence_gives_no_reason(reader: Reader) -> None:
    question = "Pourquoi Witkoff a-t-il reporté son voyage en Turquie ?"
    fact = "Witkoff devait se rendre en Turquie le 19 novembre, mais a reporté son voyage."
    cause = "Witkoff a reporté son voyage en Turquie car les discussions avaient pris du retard."
    refused = _typed_reading(reader, question, fact, 0.1)
    answered = _typed_reading(reader, question, cause, 0.1)
    assert refused.question.asks_reason
    assert refusal_allows("support", refused)  # the support bar alone would answer
    assert not reads_reason(refused) and not refusal_allows("typed", refused)
    assert reads_reason(answered) and refusal_allows("typed", answered)


def test_a_why_question_quotes_the_runner_up_that_gives_the_reason(reader: Reader) -> None:
    question = "Pourquoi Witkoff conseille-t-il Ouchakov ?"
    text = (
        "Witkoff conseille Ouchakov sur la manière d'aborder Trump, étant donné que les "
        "États-Unis ont contribué à un cessez-le-feu à Gaza. "
        "Il suggère d'organiser un appel entre Trump et Poutine."
    )
    reading = _rated(_typed_reading(reader, question, text, 0.1), {"Il suggère": 0.6,
                                                                    "Witkoff": 0.3})  # fmt: skip
    instead = ReaderGenerator._reason_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("Witkoff")
    assert reads_reason(reading) and refusal_allows("typed", reading)
    # Not a runner-up rated far below the best.
    far = _rated(reading, {"Il suggère": 0.9, "Witkoff": 0.1})
    assert ReaderGenerator._reason_instead(far) is None and not reads_reason(far)


@pytest.mark.parametrize(
    ("question", "several"),
    [("What do the articles say about Budapest?", True),
     ("Que disent les articles sur Budapest ?", True),
     ("Who is mentioned in both articles?", True),
     ("Qui est cité dans les deux articles ?", True),
     # where to look, not what several articles say
     ("Who is the vice president mentioned in the articles?", False),
     ("Qui est cité dans les articles ?", False)],
)  # fmt: skip
def test_a_question_asking_what_several_articles_say(question: str, several: bool) -> None:
    assert asks_for_several(question) is several


def test_typed_refuses_a_which_question_read_in_several_unnamed_ones(reader: Reader) -> None:
    question = "Dans quels lycées de Castelbrenne se tient le concours de robotique ?"
    vague = "Le concours de robotique se tient samedi dans plusieurs lycées de Castelbrenne."
    named = (
        "Le concours de robotique se tient samedi dans les lycées Victor-Hugo et Jean-Zay de "
        "Castelbrenne."
    )
    refused = _typed_reading(reader, question, vague, 0.1)
    answered = _typed_reading(reader, question, named, 0.1)
    assert refused.question.focus == "lycees"
    assert refusal_allows("support", refused)  # the support bar alone would answer
    assert counts_without_naming(refused) and not refusal_allows("typed", refused)
    assert not counts_without_naming(answered) and refusal_allows("typed", answered)


@pytest.mark.parametrize(
    ("sentence", "focus", "expected"),
    [
        ("Il a discuté avec Witkoff et d'autres membres de l'équipe de Trump.", "membres", True),
        ("Moscou a réalisé des progrès dans certaines zones.", "zones", True),
        ("The exam goes ahead in several schools of the town.", "schools", True),
        ("Plusieurs lycées, dont le lycée Jean-Zay, sont concernés.", "lycees", False),
        ("Les lycées Victor-Hugo et Jean-Zay sont concernés.", "lycees", False),
        ("Plusieurs élèves sont absents.", "lycees", False),  # not named at all
    ],
)
def test_a_sentence_leaves_the_focus_vague(sentence: str, focus: str, expected: bool) -> None:
    assert leaves_focus_vague(sentence, focus) is expected


@pytest.mark.parametrize(
    ("question", "identity"),
    [
        ("Qui est Iouri Ouchakov ?", "ouchakov"),
        ("Who is Yuri Ushakov?", "ushakov"),
        ("Et qui est Kirill Dmitriev ?", "dmitriev"),
        ("Who is J.D. Vance?", "vance"),
        ("Qui est le conseiller de Zelensky ?", None),  # a role: asks for a person
        ("Qui a signé le plan ?", None),
        ("Qu'a déclaré Zelensky ?", None),
        # what they do for a living asks who they are too
        ("Quelle est la fonction de Iouri Ouchakov ?", "ouchakov"),
        ("Quel est le métier d'Émilie Rossi ?", "rossi"),
        ("What is Kirill Dmitriev's job?", "dmitriev"),
        ("What was Driscoll's position?", "driscoll"),
        ("Quel est le rôle de Dmitri Peskov ?", "peskov"),
        ("What is Peskov's role?", "peskov"),
        ("Quel est le rôle du plan ?", None),
        ("Quelle est la fonction du plan ?", None),
        ("What is the plan's position on NATO?", None),
        # what a named body is, asked the same way
        ("Qu'est-ce qu'Axios ?", "axios"),
        ("What is Axios?", "axios"),
        ("What is NATO?", "nato"),  # a name in capitals is one word, not letters
        ("Qu'est-ce que le plan ?", None),
        ("What is the plan?", None),
        # the name first, then who that is
        ("Witkoff - who is he?", "witkoff"),
        ("Kirill Dmitriev, qui est-il ?", "dmitriev"),
        ("Dmitriev : c'est qui ?", "dmitriev"),
        ("Budapest, why is it mentioned?", None),
        ("Le prochain sommet, c'est où ?", None),
    ],
)  # fmt: skip
def test_a_question_asking_who_a_named_person_is(question: str, identity: str | None) -> None:
    assert asked_identity(question) == identity
    if identity:  # a description, not a person, answers it
        assert answer_type(question, "en" if question.startswith("W") else "fr")[0] is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a title before the name, spelled another way than in the question
        ("La conversation a eu lieu avec l'assistant du président russe pour les affaires "
         "internationales Yuri Ushakov.", True),
        # an apposition
        ("Witkoff a rencontré Iouri Ouchakov, conseiller diplomatique du Kremlin, à Moscou.", True),
        # a copula
        ("Iouri Ouchakov est un diplomate russe de longue date.", True),
        # only named: an honorific, a verb, a complement
        ("M. Ouchakov a déclaré qu'il ne savait pas d'où provenait la fuite.", False),
        ("La conversation a eu lieu entre Ouchakov et Kirill Dmitriev.", False),
        ("Ouchakov, a-t-il précisé, ne savait rien.", False),
        # another person described
        ("Kirill Dmitriev, l'envoyé spécial russe, a parlé à Ouchakov.", False),
        # a source: the comma closes « Selon … », no apposition opens
        ("Selon Iouri Ouchakov, une version écrite du plan est prête.", False),
        ("D'après Iouri Ouchakov, une version écrite du plan est prête.", False),
        # the comma closes a complement: an article and a name open the main clause
        ("Lors d'un sommet entre Donald Trump et Iouri Ouchakov, la Russie s'est montrée "
         "ouverte à des garanties de sécurité.", False),
    ],
)  # fmt: skip
def test_a_sentence_describes_the_person_asked_about(
    annotator: Annotator, sentence: str, expected: bool
) -> None:
    question = analyze_question("Qui est Iouri Ouchakov ?", "fr", annotator)
    assert describes(annotator.annotate(sentence), question) is expected


IDENTITY_TEXT = (
    "M. Ouchakov a déclaré qu'il ne savait pas d'où provenait la fuite. "
    "La conversation a eu lieu avec l'assistant du président russe pour les affaires "
    "internationales Yuri Ushakov."
)


def test_who_a_person_is_is_answered_by_the_sentence_that_describes_them(reader: Reader) -> None:
    reading = _typed_reading(reader, "Qui est Iouri Ouchakov ?", IDENTITY_TEXT, 0.1)
    # However low the reader rates it: the description shares few words with the question.
    instead = ReaderGenerator._described_instead(_rated(reading, {"M. Ouchakov": 0.98, "La": 0.02}))
    assert instead is not None and instead.candidate.text.startswith("La conversation")
    # Not when the best sentence describes him already, nor for another kind of question.
    assert (
        ReaderGenerator._described_instead(_rated(reading, {"La": 0.6, "M. Ouchakov": 0.4})) is None
    )
    other = _typed_reading(reader, "Qu'a déclaré Iouri Ouchakov ?", IDENTITY_TEXT, 0.1)
    assert (
        ReaderGenerator._described_instead(_rated(other, {"M. Ouchakov": 0.9, "La": 0.1})) is None
    )


def test_what_a_named_body_is_is_answered_by_the_sentence_that_describes_it(
    reader: Reader,
) -> None:
    text = (
        "Axios écrit qu'un plan en 28 points a été élaboré. "
        "C'est ce qu'affirme le portail d'information américain Axios."
    )
    for question in ("Qu'est-ce qu'Axios ?", "What is Axios?"):
        reading = _typed_reading(reader, question, text, 0.1)
        instead = ReaderGenerator._described_instead(_rated(reading, {"Axios": 0.9, "C'": 0.1}))
        assert instead is not None and instead.candidate.text.startswith("C'est")


@pytest.mark.parametrize(
    ("word", "words", "expected"),
    [
        ("negotiations", ["les", "negociations"], True),  # a letter apart after "nego"
        ("organization", ["organisation"], True),
        ("independence", ["independance"], True),
        ("ukrainian", ["ukrainien"], True),  # a shared stem, as before
        ("negotiate", ["negocier"], False),  # more than a letter apart
        ("baseline", ["basement"], False),  # a shared start is not enough
        ("dmitriev", ["ushakov"], False),
    ],
)
def test_cognates_a_letter_apart_share_a_word(word: str, words: list[str], expected: bool) -> None:
    assert WordSet(words).has(word) is expected


@pytest.mark.parametrize(
    ("short_answer", "sentence", "expected"),
    [
        ("Kirill Dmitriev", "Dmitriev a précisé que le plan s'appuyait sur ces principes.", True),
        ("Dmitriev", "Les principes devraient servir de référence.", False),
        ("14 octobre 2025", "La conversation, datée du 14 octobre 2025, a eu lieu …", True),
        ("14 octobre 2025", "Elle a eu lieu le 14 octobre.", False),  # not the same date
        ("28 points", "Un plan en 28 points a été élaboré.", True),
        ("128 points", "Un plan en 28 points a été élaboré.", False),
    ],
)
def test_a_corroborating_sentence_states_the_short_answer(
    short_answer: str, sentence: str, expected: bool
) -> None:
    assert states(short_answer, sentence) is expected


def test_a_runner_up_sharing_no_word_with_the_question_pads_no_answer(
    annotator: Annotator,
) -> None:
    from types import SimpleNamespace

    from rag.answer import Candidate as Scored
    from rag.config import Settings
    from rag.reader import ScoredSentence
    from rag.reader.annotate import Candidate

    by_text: dict[tuple[tuple[str, int], str], Scored] = {}

    def scored(text: str, paragraph: int, probability: float, coverage: float) -> ScoredSentence:
        source = passage(text, paragraph=paragraph)
        vector = np.zeros(4, dtype=np.float32)
        vector[paragraph % 4] = 1.0  # orthogonal: no two are the same statement
        by_text[(source.key, text)] = Scored(passage=source, text=text, rank=0, vector=vector,
                                             coverage=coverage, support=0.8)  # fmt: skip
        candidate = Candidate(passage=source, passage_rank=0, position=0, count=1, text=text,
                              start=0, context=text)  # fmt: skip
        return ScoredSentence(candidate=candidate, score=0.0, probability=probability,
                              cosine=0.8, annotation=annotator.annotate(text))  # fmt: skip

    best = scored("L'assureur Armor Assurances évalue le préjudice à 6 millions.", 1, 0.21, 0.3)
    unrelated = scored(
        "« Vingt recrutements, c'est un effort », a assuré la directrice.", 2, 0.19, 0.0
    )
    related = scored("La compagnie offre une récompense de 150 000 euros.", 3, 0.18, 0.5)
    generator = ReaderGenerator.__new__(ReaderGenerator)
    generator.answerer = SimpleNamespace(settings=Settings())  # type: ignore[assignment]
    # The reader cannot tell the three apart: the runner-up that shares a word with the
    # question is quoted second, not the one that shares none.
    reading: Any = SimpleNamespace(sentences=[best, unrelated, related])
    assert generator._second(reading, by_text, 0.8) is related
    reading = SimpleNamespace(sentences=[best, unrelated])
    assert generator._second(reading, by_text, 0.8) is None
    # A sentence linked to one of its own paragraph is no second answer on its own; one that
    # only names its subject by a pronoun still says what it says.
    linked = scored("En d'autres termes, la compagnie offrirait 150 000 euros.", 4, 0.2, 0.5)
    reading = SimpleNamespace(sentences=[best, linked, related])
    assert generator._second(reading, by_text, 0.8) is related
    pronoun = scored("Elle offre aussi une récompense de 150 000 euros.", 6, 0.2, 0.5)
    reading = SimpleNamespace(sentences=[best, pronoun, related])
    assert generator._second(reading, by_text, 0.8) is pronoun


def _last_sentence_antecedent(reader: Reader, question: str, text: str) -> tuple[set[str], float]:
    """The antecedent words of a one-paragraph text's last sentence, and its ``key_sent``."""
    cset = reader.candidate_set(question, "fr", QUERY, [passage(text)], vectors=same_vectors)
    last, members = len(cset.candidates) - 1, range(len(cset.candidates))
    words = antecedent_words(last, cset.candidates, cset.annotations, members)
    return words, float(cset.column("key_sent")[last])


@pytest.mark.parametrize(
    ("question", "text", "words"),
    [
        # « Bloomberg », after « par », is not who « il » is; Witkoff is.
        ("Quel appel Witkoff a-t-il suggéré ?",
         "Selon la transcription publiée par Bloomberg, Witkoff conseille Ushakov sur le plan. "
         "Il suggère d'organiser un appel entre Trump et Poutine.", {"witkoff"}),
        # « Selon lui, » cites the person named before as its source.
        ("Selon Villeneuve, combien de trains sont concernés ?",
         "Bernard Villeneuve a dénoncé un mouvement. Selon lui, la mesure concerne une "
         "trentaine de trains.", {"bernard", "villeneuve"}),
        # A sentence opening on its source names who « il » is, after « Pour ».
        ("Comment Benhaddou a-t-il qualifié la réunion ?",
         "Pour Karim Benhaddou, porte-parole de SUD-Rail, cette offre ne règle rien. "
         "Il a qualifié la réunion de « dialogue de sourds ».", {"karim", "benhaddou"}),
        # Not for a sentence of no pronoun, or an impersonal one, or « ils ».
        ("Quel appel Witkoff a-t-il suggéré ?",
         "Witkoff conseille Ushakov. Un appel est prévu.", set()),
        ("Quel appel Witkoff a-t-il suggéré ?",
         "Witkoff conseille Ushakov. Il s'agit d'un appel.", set()),
        ("Quel appel Witkoff a-t-il suggéré ?",
         "Witkoff conseille Ushakov. Ils suggèrent un appel.", set()),
    ],
)  # fmt: skip
def test_a_sentence_opening_on_il_holds_the_name_of_the_person_before_it(
    reader: Reader, question: str, text: str, words: set[str]
) -> None:
    found, key_sent = _last_sentence_antecedent(reader, question, text)
    assert found == words
    # The question's name is the sentence's when « il » stands for them.
    assert key_sent == (1.0 if words else 0.0)


INFORM_TEXT = (
    "Un fonctionnaire américain a confirmé qu'il allait désormais informer les partenaires "
    "européens. "
    "Witkoff avait discuté du plan avec Roustem Oumierov lors d'une réunion à Miami."
)


@pytest.mark.parametrize(
    "question",
    ["Qui informe les partenaires européens ?", "Who is informing the European partners?"],
)
def test_who_did_it_may_be_someone_named_by_a_noun(reader: Reader, question: str) -> None:
    """« Un fonctionnaire américain » did it: no runner-up naming a person (« Witkoff »,
    « Oumierov ») is quoted instead, also for an English progressive ("Who is informing")."""
    language = "en" if question.startswith("W") else "fr"
    reading = reader.read(
        question, language, QUERY, [passage(INFORM_TEXT)], vectors=same_vectors,
        translation="Qui informe les partenaires européens ?" if language == "en" else None,
    )  # fmt: skip
    reading = _best_first(reading, "Un fonctionnaire")
    assert asks_who_did(question)
    assert ReaderGenerator._typed_instead(reading) is None
    # A best sentence that does not say the deed still gives way to one naming someone.
    other = "Qui a discuté du plan avec Oumierov ?"
    deed = _best_first(_typed_reading(reader, other, INFORM_TEXT, 0.1), "Un fonctionnaire")
    instead = ReaderGenerator._typed_instead(deed)
    assert instead is not None and instead.candidate.text.startswith("Witkoff")


@pytest.mark.parametrize(
    ("question", "did"),
    [
        ("Who is leading the talks?", True),
        ("Who was drafting the plan?", True),
        ("Who is the mayor?", False),
        ("Who is Dmitriev?", False),
        ("Qui a volé le tableau ?", True),
        ("Qui est le maire ?", False),
    ],
)
def test_who_is_doing_something_asks_who_did_it(question: str, did: bool) -> None:
    assert asks_who_did(question) is did


def test_a_runner_up_of_the_asked_type_sharing_no_word_is_not_quoted_instead(
    reader: Reader,
) -> None:
    """« Par qui ? » after « Quelle est la récompense offerte ? » had been answered with
    « … a assuré la directrice régionale, Nathalie Perrin »: a person, and nothing else of the
    question."""
    question = "Par qui ? (Quelle est la récompense offerte ?)"
    unrelated = (
        "La compagnie offre une récompense de 150 000 euros. "
        "« Vingt recrutements, c'est un effort », a assuré la directrice, Nathalie Perrin."
    )
    reading = _rated(_typed_reading(reader, question, unrelated, 0.1),
                     {"La compagnie": 0.6, "« Vingt": 0.3})  # fmt: skip
    assert reading.question.answer_type == PERSON
    assert ReaderGenerator._typed_instead(reading) is None
    related = unrelated.replace("« Vingt recrutements, c'est un effort »", "« La récompense »")
    sharing = _rated(_typed_reading(reader, question, related, 0.1),
                     {"La compagnie": 0.6, "« La récompense »": 0.3})  # fmt: skip
    instead = ReaderGenerator._typed_instead(sharing)
    assert instead is not None and "Nathalie Perrin" in instead.candidate.text
    # A best sentence of the asked type stands, whether it shares a word or not (« Elle a
    # déjà recueilli 23 000 euros » for « Combien la souscription a-t-elle rapporté ? »).
    amounts = (
        "Elle a déjà recueilli 23 000 euros en trois jours. "
        "Son remplacement, chiffré à 380 000 euros, aurait été reporté faute de crédits."
    )
    kept = _rated(_typed_reading(reader, "Combien la souscription a-t-elle rapporté ?",
                                 amounts, 0.1), {"Elle": 0.6, "Son": 0.3})  # fmt: skip
    assert ReaderGenerator._typed_instead(kept) is None


@pytest.mark.parametrize(
    ("asked", "first"),
    [
        # the follow-up's own words are in a runner-up: it is read first
        ("Et combien les syndicats en réclament-ils ?", "Les deux syndicats"),
        # … not when the best sentence holds one of them, nor for a bare interrogative
        ("Et combien la direction en propose-t-elle ?", "« Vingt"),
        ("Et combien ?", "« Vingt"),
    ],
)
def test_a_follow_up_is_read_in_the_sentence_holding_its_own_words(
    reader: Reader, asked: str, first: str
) -> None:
    text = (
        "« Vingt recrutements, c'est un effort », a assuré la directrice de la direction. "
        "Mercredi, 78 % des contrôleurs étaient en grève. "
        "Les deux syndicats réclament l'embauche de 45 contrôleurs supplémentaires."
    )
    previous = "Combien de contrôleurs la direction propose-t-elle d'embaucher ?"
    reading = reader.read(f"{asked} ({previous})", "fr", QUERY, [passage(text)],
                          vectors=same_vectors, asked=asked)  # fmt: skip
    rated = _rated(reading, {"« Vingt": 0.5, "Mercredi": 0.3, "Les deux": 0.2})
    ordered = own_words_first(rated.question, rated.sentences)
    assert ordered[0].candidate.text.startswith(first)
    # Not a runner-up rated far below the best.
    far = _rated(reading, {"« Vingt": 0.9, "Mercredi": 0.08, "Les deux": 0.02})
    assert own_words_first(far.question, far.sentences)[0].candidate.text.startswith("« Vingt")


def test_what_a_named_person_did_is_read_where_they_do_the_asked_deed(reader: Reader) -> None:
    text = (
        "Le président Trump pense qu'il est possible de mettre fin à cette guerre. "
        "Alors que Trump s'est engagé à geler le cours du front, Poutine revendique plus. "
        "Poutine s'est engagé à rien."
    )
    question = "Qu'est-ce que Trump s'est engagé à faire ?"
    reading = _typed_reading(reader, question, text, 0.1)
    assert reading.question.actor == "trump"
    rated = _rated(reading, {"Le président": 0.5, "Poutine s'est": 0.3, "Alors que": 0.2})
    ordered = actor_deed_first(rated.question, rated.sentences)
    # The runner-up naming Trump and his deed, not the better rated one naming someone else.
    assert ordered[0].candidate.text.startswith("Alors que")
    assert ordered[1] is rated.sentences[0]
    # A best sentence saying the deed keeps its place.
    said = _rated(reading, {"Alors que": 0.5, "Le président": 0.3, "Poutine s'est": 0.2})
    assert actor_deed_first(said.question, said.sentences)[0] is said.sentences[0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Avec qui Witkoff a-t-il discuté ?", ("avec",)),
        ("Who did he discuss it with?", ("avec",)),
        # whom a named person met: one meets with someone
        ("Qui Dmitriev a-t-il rencontré à Miami ?", ("avec",)),
        ("Et qui Witkoff a-t-il rencontré ?", ("avec",)),
        ("Who did Dmitriev meet in Miami?", ("avec",)),
        # who met them, or another verb: no preposition
        ("Qui a rencontré Dmitriev ?", ()),
        ("Who met Witkoff?", ()),
        ("Qui Witkoff a-t-il conseillé ?", ()),
    ],
)
def test_the_preposition_the_asked_person_follows(question: str, expected: tuple[str, ...]) -> None:
    assert asked_preposition(question) == expected


def test_whom_a_named_person_met_is_the_one_they_talked_with(annotator: Annotator) -> None:
    """« Axios », told something, had tied with « Witkoff », met: no short answer."""
    sentence = (
        "Dmitriev, PDG du Fonds russe d’investissement direct et figure de proue des pourparlers "
        "diplomatiques concernant l’Ukraine, a confirmé à Axios qu’il avait tenu trois jours de "
        "discussions intensives avec Witkoff et d’autres membres de l’équipe de Trump lors de sa "
        "visite à Miami du 24 au 26 octobre."
    )
    info = analyze_question("Qui Dmitriev a-t-il rencontré à Miami ?", "fr", annotator)
    short = extract_short_answer(info, sentence, annotator.annotate(sentence))
    assert short is not None and short.text == "Witkoff"


def test_a_runner_up_saying_what_the_question_s_verb_says_is_quoted(reader: Reader) -> None:
    text = (
        "Un tableau du peintre Théodore Gaillac a été dérobé dans la nuit de samedi à dimanche. "
        "L'œuvre volée, « La Jetée au crépuscule », peinte en 1887, est la pièce maîtresse du "
        "musée."
    )
    question = "Quand le tableau a-t-il été peint ?"
    reading = _rated(_typed_reading(reader, question, text, 0.1), {"Un tableau": 0.85,
                                                                    "L'œuvre": 0.12})  # fmt: skip
    assert reading.question.annotation is not None
    assert reading.question.annotation.verbs == {"peindre"}
    instead = ReaderGenerator._answers_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("L'œuvre")
    short = extract_short_answer(reading.question, instead.candidate.text, instead.annotation)
    assert short is not None and "1887" in short.text
    # Not one rated far below the best, nor one without the asked type.
    assert ReaderGenerator._verb_instead(_rated(reading, {"Un tableau": 0.88, "L'œuvre": 0.1}))
    assert (
        ReaderGenerator._verb_instead(_rated(reading, {"Un tableau": 0.97, "L'œuvre": 0.03}))
        is None
    )
    undated = _rated(
        _typed_reading(reader, question, text.replace(", peinte en 1887,", " a été peinte"), 0.1),
        {"Un tableau": 0.85, "L'œuvre": 0.12},
    )
    assert ReaderGenerator._verb_instead(undated) is None


def test_an_english_question_s_verbs_do_not_pick_the_sentence(reader: Reader) -> None:
    text = "Le tableau a été dérobé samedi. Il avait été peint en 1887 par Gaillac."
    reading = _rated(
        reader.read(
            "When was the painting painted?",
            "en",
            QUERY,
            [passage(text)],
            vectors=same_vectors,
            translation="Quand le tableau a-t-il été peint ?",
        ),
        {"Le tableau": 0.85, "Il avait": 0.12},
    )
    assert reading.question.translation is not None
    assert reading.question.translation.verbs == {"peindre"}
    assert ReaderGenerator._verb_instead(reading) is None


def test_a_follow_up_s_own_words_tie_goes_to_what_the_earlier_question_was_about(
    reader: Reader,
) -> None:
    text = (
        "Deux hommes ont été interpellés jeudi dans l'enquête sur le vol commis au musée. "
        "La plus longue grève du réseau, celle de juin 2018, avait duré cinq jours. "
        "Selon l'enquête, le vol n'a duré que sept minutes."
    )
    asked = "Et combien de temps a-t-il duré ?"
    reading = reader.read(f"{asked} (Quand le vol a-t-il été commis ?)", "fr", QUERY,
                          [passage(text)], vectors=same_vectors, asked=asked)  # fmt: skip
    rated = _rated(reading, {"Deux hommes": 0.41, "La plus": 0.26, "Selon": 0.19})
    # Both runners-up say « duré »; the one about the theft answers, not the better rated.
    ordered = own_words_first(rated.question, rated.sentences)
    assert ordered[0].candidate.text.startswith("Selon")


@pytest.mark.parametrize(
    ("question", "first", "short"),
    [
        ("Jusqu'à quand la grève est-elle reconduite ?", "La grève", "lundi"),
        ("Until when will the strike go on?", "La grève", "lundi"),
        ("Depuis quand les bijoux étaient-ils exposés ?", "Les bijoux", "juin"),
    ],
)
def test_until_or_since_when_is_the_date_after_jusqu_a_or_depuis(
    reader: Reader, question: str, first: str, short: str
) -> None:
    text = (
        "Réunis mercredi soir, les grévistes ont voté la reconduction du mouvement. "
        "La grève se poursuivra au moins jusqu'à lundi. "
        "Les bijoux, créés vers 1900, étaient présentés depuis juin dans une exposition."
    )
    language = "en" if question.startswith("Until") else "fr"
    reading = reader.read(question, language, QUERY, [passage(text)], vectors=same_vectors)
    rated = _rated(reading, {"Réunis": 0.4, "La grève": 0.3, "Les bijoux": 0.3})
    assert reading.question.answer_type == "DATE"
    instead = ReaderGenerator._answers_instead(rated) or rated.sentences[0]
    assert instead.candidate.text.startswith(first)
    found = extract_short_answer(reading.question, instead.candidate.text, instead.annotation)
    assert found is not None and found.text == short


def test_a_day_of_the_month_the_question_names_beats_another_day_of_that_month(
    reader: Reader,
) -> None:
    text = (
        "La première conversation, datée du 14 octobre, a eu lieu entre Witkoff et Ouchakov. "
        "La deuxième conversation a eu lieu le 29 octobre entre Ouchakov et Kirill Dmitriev."
    )
    for question, language in (
        ("Avec qui Ouchakov a-t-il parlé le 29 octobre ?", "fr"),
        ("Who did Ushakov talk to on October 29?", "en"),
    ):
        reading = reader.read(question, language, QUERY, [passage(text)], vectors=same_vectors)
        rated = _rated(reading, {"La première": 0.6, "La deuxième": 0.4})
        ordered = days_as_asked(rated.question, rated.sentences)
        assert ordered[0].candidate.text.startswith("La deuxième")
        assert ordered[-1].candidate.text.startswith("La première")
    # The same month alone, or no day of it in the question, changes nothing.
    reading = reader.read("Avec qui Ouchakov a-t-il parlé en octobre ?", "fr", QUERY,
                          [passage(text)], vectors=same_vectors)  # fmt: skip
    rated = _rated(reading, {"La première": 0.6, "La deuxième": 0.4})
    assert days_as_asked(rated.question, rated.sentences)[0].candidate.text.startswith("La premi")


def test_a_person_titled_with_another_nationality_holds_no_role_of_the_asked_side(
    reader: Reader,
) -> None:
    """« Steve Witkoff, un envoyé de Trump, mène les négociations … » made him the short answer
    of "Who leads the negotiations for Russia?"; another retrieved sentence calls him
    « l'envoyé américain »."""
    titled = (
        "Cette initiative est menée par l'envoyé américain Steve Witkoff, interlocuteur de la "
        "partie russe, dirigée par le représentant Kirill Dmitriev."
    )
    leads = "Steve Witkoff, un envoyé de Trump, mène les négociations avec Kirill Dmitriev."
    question = "Who leads the negotiations for Russia?"
    reading = reader.read(question, "en", QUERY, [passage(f"{titled} {leads}")],
                          vectors=same_vectors)  # fmt: skip
    assert reading.question.role
    assert reading.question.foreign_persons == {"witkoff"}
    assert role_holder(_sentence(reading, "Steve Witkoff, un").annotation, reading.question) is None
    # Nothing else read says he is American: he leads the negotiations the sentence names.
    alone = reader.read(question, "en", QUERY, [passage(leads)], vectors=same_vectors)
    assert alone.question.foreign_persons == frozenset()
    holder = role_holder(alone.sentences[0].annotation, alone.question)
    assert holder is not None and holder.text == "Steve Witkoff"
    # A question asking no side keeps every holder.
    sideless = reader.read("Who leads the negotiations?", "en", QUERY,
                           [passage(f"{titled} {leads}")], vectors=same_vectors)  # fmt: skip
    assert sideless.question.foreign_persons == frozenset()


def test_what_a_question_asks_the_cost_of_is_priced_before_or_after_the_amount(
    reader: Reader,
) -> None:
    text = (
        "« On a voulu économiser 380 000 euros et on a perdu un chef-d'œuvre », a-t-elle lancé. "
        "Le conseil municipal votera lundi une enveloppe de 420 000 euros pour ces travaux."
    )
    question = "Combien coûteront les travaux de sécurité ?"
    reading = _rated(_typed_reading(reader, question, text, 0.1), {"« On": 0.6, "Le conseil": 0.3})
    assert reading.question.measure == "money"
    instead = ReaderGenerator._answers_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("Le conseil")
    short = extract_short_answer(reading.question, instead.candidate.text, instead.annotation)
    assert short is not None and short.text == "420 000 euros"
    # An amount of something else after « pour » prices nothing asked.
    other = text.replace("pour ces travaux", "pour la rentrée")
    reading = _rated(_typed_reading(reader, question, other, 0.1), {"« On": 0.6, "Le conseil": 0.3})
    assert ReaderGenerator._priced_instead(reading) is None


@pytest.mark.parametrize(
    ("question", "language", "translation"),
    [
        ("Qu'est-ce qui se passe si le mouvement dure plus de trois jours ?", "fr", None),
        ("What happens if the strike lasts more than three days?", "en",
         "Ce qui arrive si la grève dure plus que trois jours ?"),
    ],
)  # fmt: skip
def test_a_question_under_a_condition_quotes_the_sentence_stating_it(
    reader: Reader, question: str, language: str, translation: str | None
) -> None:
    text = (
        "Avec trois jours consécutifs, c'est déjà la plus longue grève depuis celle de 2018. "
        "La région a promis que les abonnés seraient remboursés de moitié si le mouvement "
        "dépassait trois jours."
    )
    reading = reader.read(question, language, QUERY, [passage(text)], vectors=same_vectors,
                          translation=translation)  # fmt: skip
    rated = _rated(reading, {"Avec": 0.89, "La région": 0.06})
    instead = ReaderGenerator._answers_instead(rated)
    assert instead is not None and instead.candidate.text.startswith("La région")
    # Not when the best states the condition, nor for a runner-up rated far below it.
    assert (
        ReaderGenerator._condition_instead(_rated(reading, {"La région": 0.6, "Avec": 0.3})) is None
    )
    assert (
        ReaderGenerator._condition_instead(_rated(reading, {"Avec": 0.98, "La région": 0.02}))
        is None
    )


def test_a_reflexive_s_opens_no_condition(reader: Reader) -> None:
    """« s'est » is no « s'il »: « Où Witkoff s'est-il rendu … ? » asks no condition, and a
    sentence saying « s'est rendu » states none."""
    text = (
        "Dmitriev a rencontré Witkoff à Miami fin octobre. "
        "Witkoff s'est rendu en Turquie pour rencontrer Zelensky. "
        "Witkoff devait voir Zelensky en Turquie s'il obtenait un accord."
    )
    reading = reader.read("Où Witkoff s'est-il rendu pour rencontrer Dmitriev ?", "fr", QUERY,
                          [passage(text)], vectors=same_vectors)  # fmt: skip
    rated = _rated(reading, {"Dmitriev": 0.8, "Witkoff s'est": 0.2})
    assert ReaderGenerator._condition_instead(rated) is None
    asked = reader.read("Où Witkoff devait-il voir Zelensky s'il obtenait un accord ?", "fr",
                        QUERY, [passage(text)], vectors=same_vectors)  # fmt: skip
    rated = _rated(asked, {"Dmitriev": 0.8, "Witkoff s'est": 0.15, "Witkoff devait": 0.05})
    instead = ReaderGenerator._condition_instead(rated)
    assert instead is not None and instead.candidate.text.startswith("Witkoff devait")


def test_a_runner_up_saying_the_verb_must_name_the_question_s_people_too(reader: Reader) -> None:
    """« Où et quand Witkoff et Dmitriev se sont-ils rencontrés ? » went to Witkoff's planned
    meeting with Zelensky, the one sentence saying « rencontrer »."""
    text = (
        "Dmitriev a tenu trois jours de discussions avec Witkoff lors de sa visite à Miami. "
        "Witkoff avait prévu de rencontrer le président ukrainien le 19 novembre en Turquie."
    )
    question = "Où Witkoff et Dmitriev se sont-ils rencontrés ?"
    reading = _rated(_typed_reading(reader, question, text, 0.1), {"Dmitriev": 0.7,
                                                                    "Witkoff": 0.3})  # fmt: skip
    assert reading.question.annotation is not None
    assert "rencontrer" in reading.question.annotation.verbs
    assert ReaderGenerator._verb_instead(reading) is None


def test_a_runner_up_naming_the_question_s_person_as_more_than_a_complement_is_quoted(
    reader: Reader,
) -> None:
    """ "Where was the meeting with Zelensky planned?" was answered « Miami » from a sentence
    naming Zelensky only as the one whose adviser Witkoff met."""
    text = (
        "Witkoff a discuté du plan avec le conseiller à la sécurité nationale de Volodymyr "
        "Zelensky lors d'une réunion à Miami. "
        "Witkoff avait prévu de rencontrer le président ukrainien Volodymyr Zelensky le 19 "
        "novembre en Turquie."
    )
    for question in ("Où devait avoir lieu la rencontre avec Zelensky ?",
                     "Where was the meeting with Zelensky planned?"):  # fmt: skip
        language = "fr" if question.startswith("Où") else "en"
        asked = reader.read(question, language, QUERY, [passage(text)], vectors=same_vectors)
        rated = _rated(asked, {"Witkoff a discuté": 0.8, "Witkoff avait": 0.18})
        instead = ReaderGenerator._answers_instead(rated)
        assert instead is not None and instead.candidate.text.startswith("Witkoff avait")
        # Not a runner-up rated far below the best.
        far = _rated(asked, {"Witkoff a discuté": 0.95, "Witkoff avait": 0.05})
        assert ReaderGenerator._possessor_instead(far) is None
    # A question about the one whose adviser it is may be answered by that sentence.
    adviser = reader.read("Qui est le conseiller de Zelensky ?", "fr", QUERY, [passage(text)],
                          vectors=same_vectors)  # fmt: skip
    rated = _rated(adviser, {"Witkoff a discuté": 0.8, "Witkoff avait": 0.18})
    assert ReaderGenerator._possessor_instead(rated) is None


@pytest.mark.parametrize(
    ("question", "possessed"),
    [
        ("Qui est le conseiller de Zelensky ?", True),
        ("Who is Zelensky's adviser?", True),
        ("Who is the adviser of Volodymyr Zelensky?", True),
        ("Où devait avoir lieu la rencontre avec Zelensky ?", False),
        ("When did Zelensky meet Witkoff?", False),
    ],
)
def test_a_question_naming_a_person_as_a_noun_s_complement(question: str, possessed: bool) -> None:
    assert possessed_in_question(question, "zelensky") is possessed


def test_a_sentence_naming_a_person_only_as_a_noun_s_complement(annotator: Annotator) -> None:
    adviser = "Witkoff a vu le conseiller de Volodymyr Zelensky à Miami."
    met = "Witkoff a rencontré Volodymyr Zelensky, puis le conseiller de Zelensky."
    assert names_as_possessor(adviser, annotator.annotate(adviser), "zelensky")
    assert not names_as_possessor(met, annotator.annotate(met), "zelensky")
    assert not names_as_possessor(adviser, annotator.annotate(adviser), "poutine")


def test_a_runner_up_sharing_only_the_question_phrase_s_noun_does_not_answer(
    reader: Reader,
) -> None:
    """« À quelle heure les voleurs sont-ils repartis ? » was answered « 6 h 10 » from a
    traveller's « J'ai pris le car de 6 h 10 »: its one word in common with the question is
    « heure », which any time says."""
    question = "À quelle heure les voleurs sont-ils repartis ?"
    text = (
        "Les voleurs savaient exactement ce qu'ils cherchaient. "
        "J'ai pris le car de 6 h 10, il était plein. "
        "Les voleurs sont repartis vers 4 h 05 par le jardin."
    )
    reading = _typed_reading(reader, question, text, 0.1)
    assert reading.question.focus == "heure"
    without = _rated(reading, {"Les voleurs savaient": 0.5, "J'ai pris": 0.3})
    assert ReaderGenerator._typed_instead(without) is None
    assert not holds_asked_type(without)
    assert not refusal_allows("typed", without)
    # The runner-up saying what the question asks about still answers.
    said = _rated(reading, {"Les voleurs savaient": 0.5, "J'ai pris": 0.3,
                            "Les voleurs sont": 0.2})  # fmt: skip
    instead = ReaderGenerator._typed_instead(said)
    assert instead is not None and instead.candidate.text.startswith("Les voleurs sont")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Qu'a dit le ministre des Transports ?", "fr"),
        ("What did the transport minister say?", "en"),
    ],
)
def test_what_a_role_said_is_refused_when_no_sentence_names_that_role(
    reader: Reader, question: str, language: str
) -> None:
    """« Le vice-président … chargé des transports … a dénoncé … » is not the minister's word."""
    other = "Le vice-président chargé des transports, Bernard Villeneuve, a dénoncé un mouvement."
    reading = reader.read(question, language, QUERY, [passage(other)], vectors=same_vectors,
                          extractive_margin=0.1)  # fmt: skip
    assert reading.question.speaking_role
    assert names_asked_role_nowhere(reading)
    assert refusal_allows("support", reading) and not refusal_allows("typed", reading)
    named = other.replace("Le vice-président chargé des transports", "Le ministre des Transports")
    reading = reader.read(question, language, QUERY, [passage(named)], vectors=same_vectors,
                          extractive_margin=0.1)  # fmt: skip
    assert not names_asked_role_nowhere(reading) and refusal_allows("typed", reading)


def test_a_follow_up_s_verbs_are_its_own_not_the_earlier_question_s(reader: Reader) -> None:
    """« Et mercredi ? » after « Combien d'autocars ont été affrétés ? » quoted the runner-up
    saying « affrété » (28 coaches on the first day), not the best « … porté à 40 mercredi »."""
    text = (
        "Le nombre d'autocars de substitution, qui était de 28, a été porté à 40 mercredi. "
        "SNCF Voyageurs a affrété 28 autocars de substitution entre Montclar et Vernay."
    )
    asked = "Et mercredi ?"
    reading = reader.read(f"{asked} (Combien d'autocars ont été affrétés ?)", "fr", QUERY,
                          [passage(text)], vectors=same_vectors, asked=asked)  # fmt: skip
    assert reading.question.own_words == {"mercredi"}
    assert reading.question.annotation is not None
    assert "affreter" in reading.question.annotation.verbs
    rated = _rated(reading, {"Le nombre": 0.5, "SNCF": 0.15})
    assert ReaderGenerator._verb_instead(rated) is None
    # The earlier question asked alone says « affréter » of its own.
    whole = reader.read("Combien d'autocars ont été affrétés ?", "fr", QUERY,
                        [passage(text)], vectors=same_vectors)  # fmt: skip
    instead = ReaderGenerator._verb_instead(_rated(whole, {"Le nombre": 0.5, "SNCF": 0.15}))
    assert instead is not None and instead.candidate.text.startswith("SNCF")


def test_the_sentence_going_on_about_the_best_one_answers_before_another_paragraph_s(
    reader: Reader,
) -> None:
    """ "How long did the meeting at the regional council last?" quoted the 2018 strike's
    « … qui avait duré cinq jours » (another paragraph, rated half the best) instead of the
    best sentence's next one, « Elle a duré plus de cinq heures … »."""
    meeting = passage(
        "Quelques heures plus tôt, une réunion s'était tenue à l'hôtel de région, à Montclar. "
        "Elle a duré plus de cinq heures sans déboucher sur un accord."
    )
    strike = passage(
        "C'est la plus longue grève depuis celle de juin 2018, qui avait duré cinq jours.",
        paragraph=2,
    )
    question = "Combien de temps a duré la réunion à l'hôtel de région ?"
    reading = reader.read(question, "fr", QUERY, [meeting, strike], vectors=same_vectors,
                          extractive_margin=0.1)  # fmt: skip
    rated = _rated(reading, {"Quelques": 0.5, "C'est": 0.3, "Elle": 0.05})
    assert ReaderGenerator._answers_instead(rated) is not None  # the strike, on its own
    successor, instead = ReaderGenerator._successor_or_instead(rated)
    assert instead is None
    assert successor is not None and successor.candidate.text.startswith("Elle a duré")


def test_a_source_s_figure_counts_what_the_question_counts(reader: Reader) -> None:
    """« Combien de trains ont été supprimés mardi selon la direction ? » went to « Mercredi,
    … 54 % selon la direction » (a share of conductors, on another day) and was refused."""
    text = (
        "L'intersyndicale affirme que 263 trains ont été supprimés mardi, bien plus que ce "
        "qu'a annoncé la direction. "
        "Mercredi, 78 % des contrôleurs étaient en grève selon SUD-Rail, 54 % selon la direction. "
        "Selon la direction régionale, 212 trains ont été supprimés sur les 540 programmés."
    )
    question = "Combien de trains ont été supprimés mardi selon la direction ?"
    reading = _rated(_typed_reading(reader, question, text, 0.2),
                     {"L'intersyndicale": 0.98, "Mercredi": 0.01, "Selon": 0.005})  # fmt: skip
    assert reading.question.source and reading.question.counted
    instead = ReaderGenerator._source_instead(reading)
    assert instead is not None and instead.candidate.text.startswith("Selon")
    assert refusal_allows("typed", reading)


def test_a_runner_up_saying_the_verb_must_bound_the_date_an_until_question_asks(
    reader: Reader,
) -> None:
    """« Jusqu'à quand devait durer l'exposition ? » quoted « … depuis celle de juin 2018, qui
    avait duré cinq jours » (it says « durer ») instead of the best « … une exposition qui
    devait se terminer le 15 novembre »."""
    text = (
        "Les bijoux étaient présentés dans une exposition qui devait se terminer le 15 novembre. "
        "C'est la plus longue grève depuis celle de juin 2018, qui avait duré cinq jours. "
        "L'exposition, qui devait durer jusqu'au 15 novembre, est annulée."
    )
    question = "Jusqu'à quand devait durer l'exposition ?"
    reading = _typed_reading(reader, question, text, 0.1)
    assert reading.question.annotation is not None
    assert "durer" in reading.question.annotation.verbs
    assert (
        ReaderGenerator._verb_instead(_rated(reading, {"Les bijoux": 0.7, "C'est": 0.15})) is None
    )
    # A runner-up saying the verb with a date after « jusqu'à » still answers.
    instead = ReaderGenerator._verb_instead(
        _rated(reading, {"Les bijoux": 0.7, "C'est": 0.15, "L'exposition": 0.1})
    )
    assert instead is not None and instead.candidate.text.startswith("L'exposition")


def test_a_deed_said_with_its_passive_agent_answers_who_did_it(reader: Reader) -> None:
    """« Qui a créé les bijoux ? » quoted the theft (« … du peintre Théodore Gaillac … », a
    person) over the best « … créés vers 1900 par l'atelier nantais Morvan … »."""
    text = (
        "Les six bijoux, des broches et un diadème créés vers 1900 par l'atelier nantais Morvan, "
        "étaient présentés depuis juin. "
        "Un tableau du peintre Théodore Gaillac et six bijoux ont été dérobés dimanche."
    )
    reading = _typed_reading(reader, "Qui a créé les bijoux ?", text, 0.1)
    rated = _rated(reading, {"Les six": 0.55, "Un tableau": 0.26})
    assert says_deed_by_agent(rated.question, rated.sentences[0].annotation)
    assert not says_deed_by_agent(rated.question, rated.sentences[1].annotation)
    assert ReaderGenerator._typed_instead(rated) is None
    # Without its agent the deed says nobody: the runner-up naming a person answers.
    agentless = text.replace(" par l'atelier nantais Morvan", "")
    bare = _rated(_typed_reading(reader, "Qui a créé les bijoux ?", agentless, 0.1),
                  {"Les six": 0.55, "Un tableau": 0.26})  # fmt: skip
    instead = ReaderGenerator._typed_instead(bare)
    assert instead is not None and instead.candidate.text.startswith("Un tableau")


def test_an_english_question_naming_a_number_no_article_holds_is_refused(reader: Reader) -> None:
    """ "Which museum in Port-Ilien was robbed in 2010?" was answered with « … le vol de pièces
    de monnaie anciennes au musée maritime de Port-Ilien » (no year); its names may be
    translated, its numbers are written alike."""
    text = (
        "Il s'agit du deuxième cambriolage dans un musée de la région en dix-huit mois, après "
        "le vol de pièces de monnaie anciennes au musée maritime de Port-Ilien en 2024."
    )
    for year, absent in (("2010", True), ("2024", False)):
        question = f"Which museum in Port-Ilien was robbed in {year}?"
        reading = reader.read(question, "en", QUERY, [passage(text)], vectors=same_vectors,
                              extractive_margin=0.1)  # fmt: skip
        assert names_what_is_absent(reading) is absent
        assert refusal_allows("typed", reading) is not absent
    # An English name the articles translate is not counted missing.
    fund = reader.read("What is the Russian Direct Investment Fund?", "en", QUERY,
                       [passage("Dmitriev dirige le Fonds russe d'investissement direct.")],
                       vectors=same_vectors, extractive_margin=0.1)  # fmt: skip
    assert not names_what_is_absent(fund)


def test_who_said_it_is_the_next_sentence_s_speaker_not_a_person_the_best_names(
    reader: Reader,
) -> None:
    """« Qui a affirmé qu'aucune rencontre n'était prévue ? » quoted « … aucune rencontre entre
    … Daniel Driscoll … » alone, no short answer: a person named in a sentence that reports no
    one's words is not who said it; « Dmitri Peskov l'a affirmé » right after it is."""
    text = (
        "Aucune rencontre entre Daniel Driscoll et des représentants russes n'est prévue. "
        "Dmitri Peskov l'a affirmé, démentant les rumeurs."
    )
    question = "Qui a affirmé qu'aucune rencontre n'était prévue ?"
    reading = _best_first(_typed_reading(reader, question, text, 0.1), "Aucune")
    assert reading.question.asks_source
    successor = ReaderGenerator._successor(reading)
    assert successor is not None and successor.candidate.text.startswith("Dmitri Peskov")
    short = extract_short_answer(reading.question, successor.candidate.text,
                                 successor.annotation)  # fmt: skip
    assert short is not None and short.text == "Dmitri Peskov"
