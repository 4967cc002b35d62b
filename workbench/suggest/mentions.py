"""Names in the article: capitalised phrases read as people, bodies and outlets.

``find_mentions(text, start, end)`` returns the capitalised phrases of
``text[start:end]`` as :class:`Mention` objects: the person's name apart from the
title before it ("Iranian Defense Minister" + "Amir Hatami"), or an organisation,
an outlet, or a bare single word (a surname, a place, an acronym) left for the
resolver to decide.  ``Roster`` keeps the people and bodies found so far, learns
their titles, descriptions and surnames, and answers "who is 'Hatami'?".

Reading a phrase is cached by its text, so an article that names the same people
again and again costs one dictionary look-up per repeated mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from workbench.text.cues import (
    FEMALE_TITLES,
    MALE_TITLES,
    ORG_WORDS,
    OUTLET_WORDS,
    OUTLETS,
    TITLE_HEADS,
    trie_pattern,
)
from workbench.text.names import NameIndex, fold_name

_UPPER = "".join(chr(c) for c in range(0x2FF) if chr(c).isupper()) + "".join(
    chr(c) for c in range(0x370, 0x530) if chr(c).isupper()
)
_U = f"[{re.escape(_UPPER)}]"
_ABBR = (
    r"(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|Adm|Cmdr|Cdr|Prof|Sen|Rep|Gov|Rev|Brig|St|Jr|Sr)\."
)
_TOKEN = (
    rf"(?:{_ABBR}|{_U}\.(?=[ \u00a0]{_U})|"
    rf"{_U}[\w’'\-]*(?:&{_U}[\w’'\-]*)*(?<![’'\-])(?:\.(?:com|org|net|ru|uk|de|fr|info|io)\b)?)"
)  # "AT&T", "S&P": an ampersand between capitals is inside the name
_CONNECT = r"(?:of the|of|for|de|del|da|di|du|dos|bin|ibn|bint|al|el|van|von|der|den|la|le)"
# A capitalised phrase: tokens joined by single spaces or lowercase connectors;
# never across a line break.
# (The lookahead lets the engine skip to the next capital in C: twice as fast a scan.)
MENTION_RE = re.compile(rf"(?={_U}){_TOKEN}(?:(?:[ \u00a0]{_CONNECT})?[ \u00a0]+{_TOKEN})*")
_POSSESSIVE_RE = re.compile(r"[’']s?$")

# Capitalised words that open sentences or are not names ("During", "The").
_COMMON = frozenset(
    """
    A An The He She It They We I You This That These Those There Their His Her Its Our
    My Your In On At For But And Or So Yet However Meanwhile Also As After Before When
    While What Where Which Who Whom Whose Why How If Some Many Most More Much Other Others
    One Two Three Four Five Six Seven Eight Nine Ten Earlier Later According Did Does Do
    Is Are Was Were Will Would Can Could Should May Might Must Being Millions Thousands
    Hundreds Last Next Since Still Such Then Thus Today Yesterday Tomorrow Both All Each
    Every No Not Now Despite Although Though During Because Let By From With Without
    Under Over Among Amid Against Between Into Through Throughout Toward Towards Upon
    Within Beyond Based Following Speaking Asked Here Once Even Only Just Again Instead
    Yes Thank Thanks Please Dear Hello Welcome Mr Mrs Ms Dr Sir Madam Despite Unlike
    Like Given Until Up Down Out Off Above Below Near Just Very Well Why Whether Either
    Neither Nor Any Another Several Few Those Separately Additionally Furthermore
    Moreover Nevertheless Nonetheless Otherwise Overall Finally First Second Third
    Firstly Secondly Lastly Recently Currently Previously Meanwhile Elsewhere Indeed
    Of To Our Us Me Him Them Let Not Perhaps Maybe Already Almost About Around Across
    Along Behind Beside Besides Inside Outside Per Via Whatever Whoever However
    """.split()
)
_DAYS_MONTHS = frozenset(
    """
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Jan Feb Mar Apr Jun Jul Aug
    Sep Sept Oct Nov Dec
    """.split()
)
# Places and peoples that speak for a government at most ("Iran said"): organisations.
COUNTRIES = frozenset(
    """
    Afghanistan Albania Algeria Argentina Armenia Australia Austria Azerbaijan Bahrain
    Bangladesh Belarus Belgium Bolivia Bosnia Brazil Britain Bulgaria Cambodia Cameroon
    Canada Chile China Colombia Congo Croatia Cuba Cyprus Denmark Egypt Eritrea Estonia
    Ethiopia Finland France Georgia Germany Ghana Greece Guatemala Haiti Honduras Hungary
    Iceland India Indonesia Iran Iraq Ireland Israel Italy Japan Jordan Kazakhstan Kenya
    Korea Kosovo Kuwait Kyrgyzstan Laos Latvia Lebanon Libya Lithuania Malaysia Mali
    Mexico Moldova Mongolia Morocco Mozambique Myanmar Nepal Netherlands Nicaragua Niger
    Nigeria Norway Oman Pakistan Palestine Panama Paraguay Peru Philippines Poland
    Portugal Qatar Romania Russia Rwanda Serbia Singapore Slovakia Slovenia Somalia Spain
    Sudan Sweden Switzerland Syria Taiwan Tajikistan Tanzania Thailand Tunisia Turkey
    Turkmenistan Uganda Ukraine Uruguay Uzbekistan Venezuela Vietnam Yemen Zambia
    Zimbabwe America Europe Africa Asia Tehran Baghdad Washington Moscow Beijing London
    Paris Berlin Kiev Kyiv Ankara Riyadh Damascus Beirut Cairo Tokyo Seoul Pyongyang
    Delhi Islamabad Kabul Jerusalem Brussels Geneva Vienna Rome Madrid Doha Dubai
    """.split()
)
NATIONALITIES = frozenset(
    """
    Afghan Albanian Algerian American Arab Argentine Armenian Australian Austrian Azerbaijani
    Bahraini Belgian Brazilian British Bulgarian Canadian Chilean Chinese Colombian Croatian
    Cuban Czech Danish Dutch Egyptian Emirati English Estonian Ethiopian European Filipino
    Finnish French Georgian German Greek Hungarian Indian Indonesian Iranian Iraqi Irish
    Israeli Italian Japanese Jordanian Kazakh Kenyan Korean Kurdish Kuwaiti Lebanese Libyan
    Malaysian Mexican Moroccan Nigerian Norwegian Omani Pakistani Palestinian Persian
    Peruvian Polish Portuguese Qatari Romanian Russian Saudi Scottish Serbian Somali
    Spanish Sudanese Swedish Swiss Syrian Taiwanese Thai Tunisian Turkish Ukrainian
    Venezuelan Vietnamese Welsh Yemeni Zionist Islamic Western Eastern Northern Southern
    Federal National State Regional Republican Democratic Conservative Liberal Socialist
    """.split()
)
# Words of an office that come between nationality and title ("Defense Minister").
_OFFICE_WORDS = frozenset(
    """
    Defense Defence Foreign Interior Justice Finance Economy Health Education Energy Oil
    Trade Culture Intelligence Security Aerospace Ground Air Naval Navy Army Force Forces
    Joint Staff Armed Revolution Guards Corps Guard Police Border Coast Marine Marines
    Special Operations Military Prime Vice Deputy Acting Former Supreme Senior Chief
    Assistant Executive General Attorney Secretary State Home Affairs Labour Labor Public
    Transport Agriculture Environment Space Science Technology Communications Information
    Commerce Industry Housing Development Cooperation Relations Sports Youth Women IRGC
    Human Rights Treasury Homeland National Presidential Parliamentary Elect Designate
    """.split()
)
_FEMALE_NAMES = frozenset(
    """
    Mary Anna Anne Ann Elizabeth Sarah Sara Maria Marie Emma Olivia Sophia Sophie Emily
    Jane Susan Linda Barbara Patricia Jennifer Jessica Karen Nancy Lisa Margaret Helen
    Laura Julia Julie Alice Rachel Rebecca Catherine Katherine Kate Kathryn Claire Clare
    Caroline Charlotte Amanda Angela Michelle Nicole Stephanie Christine Christina Diana
    Diane Victoria Hannah Grace Amy Lucy Ruth Rose Ellen Emily Irene Joan Judith Karin
    Kristin Louise Lynn Melissa Monica Natalie Nina Paula Sandra Sharon Teresa Theresa
    Valerie Vanessa Wendy Yvonne Zoe Hillary Kamala Nancy Ursula Angela Theresa Jacinda
    Marine Ségolène Christine Federica Liz Kristi Nikki Condoleezza Madeleine Samantha
    Fatima Fatemeh Zahra Maryam Mariam Leila Layla Aisha Ayesha Masoumeh Shirin Nasrin
    Elham Narges Zeinab Amina Aminah Khadija Noor Nour Sana Malala Benazir Indira Sonia
    Priya Aung Yulia Olga Svetlana Natalia Irina Tatiana Elena Ekaterina Anastasia Greta
    Ana Carmen Lucia Isabel Isabella Gabriela Alejandra Dilma Cristina Michelle Hina
    Jacqueline Joyce Doris Dolores Eva Eve Ingrid Heidi Astrid Birgit Greta Lena Mette
    Sanna Magdalena Beata Agnieszka Giorgia Elly Ellie Tina Gina Rosa Sofia Mei Ling Yuko
    Jonna Emilie Camille Chloe Manon Léa Lea Sylvie Nathalie Isabelle Brigitte Martine
    Monique Céline Celine Amélie Francoise Françoise Hélène Helene Anne-Marie Marion Pauline
    Susanne Sabine Ursula Annalena Franziska Katarina Katharina Joanna Joanne Jo Judy Betty
    Dorothy Donna Carol Carolyn Debra Deborah Janet Janice Kathleen Kathy Marilyn Martha
    Megan Melanie Nora Norma Pamela Peggy Shirley Sue Tammy Tracy Virginia Brenda Cynthia
    Heather Kimberly Lauren Ashley Brittany Danielle Erin Kayla Madison Taylor Abigail
    Avery Ella Harper Lily Mia Nadia Olena Oksana Iryna Halyna Tetiana Svitlana Liudmila
    Lyudmila Marina Valentina Galina Nadezhda Ksenia Zeynep Ayse Elif Meryem Yasmin Yasmine
    Leyla Samira Rania Huda Asma Salma Laila Dina Hala Reem Noura
    """.split()
)
_MALE_NAMES = frozenset(
    """
    John James Robert Michael William David Richard Joseph Thomas Charles Christopher
    Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian
    George Edward Ronald Timothy Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan
    Stephen Larry Justin Scott Brandon Benjamin Samuel Frank Gregory Raymond Alexander
    Patrick Jack Dennis Jerry Tyler Aaron Henry Peter Adam Harold Douglas Carl Arthur
    Roger Joe Juan Albert Jonathan Gerald Keith Lawrence Terry Sean Christian Austin
    Jesse Ethan Bruce Willie Gabriel Logan Alan Wayne Ralph Roy Eugene Louis Philip
    Bobby Johnny Barack Bill Boris Vladimir Emmanuel Xi Narendra Recep Benjamin Joe Mike
    Mohammad Mohammed Muhammad Mohamed Ali Hassan Hasan Hossein Hussein Husain Ahmad
    Ahmed Mahmoud Mahmud Amir Reza Abbas Javad Mehdi Mahdi Saeed Said Hamid Hamed Majid
    Abdul Abdullah Omar Umar Khalid Khaled Ibrahim Ismail Yusuf Youssef Mustafa Mostafa
    Jafar Kazem Qassem Qasem Ghasem Mohsen Hadi Kiomars Kioumars Ebrahim Esmaeil Gholam
    Nasser Naser Rouhani Hashem Mojtaba Alireza Gholamreza Jabar Jabbar Haidar Haider
    Faisal Salman Bashar Hafez Recep Tayyip Imran Nawaz Shehbaz Rahul Sergei Sergey
    Dmitry Dmitri Igor Ivan Nikolai Alexei Alexey Andrei Viktor Volodymyr Petro Olaf
    Angelo Carlos Jose Luis Miguel Pedro Antonio Francisco Manuel Jorge Pablo Diego
    Giuseppe Matteo Mario Luigi Pierre Jean Jacques Francois Nicolas Hans Karl Klaus
    Wolfgang Friedrich Heinrich Jurgen Kim Shinzo Fumio Yoshihide Moon Yoon Lee Park
    Antoine Nicolas Olivier Laurent Philippe Thierry Didier Emmanuel Francois François
    Julien Mathieu Sébastien Sebastien Guillaume Benoit Benoît Yves Alain Bernard Michel
    Patrice Gérard Gerard Christophe Stéphane Stephane Vincent Xavier Rémi Remi Hugo Louis
    Paweł Pawel Andrzej Mateusz Joachim Łukasz Lukasz Tomasz Krzysztof Mariusz Piotr Jan
    Jakub Marek Michał Michal Wojciech Grzegorz Donald Jarosław Jaroslaw Lech Yevgeny
    Evgeny Oleg Boris Alexander Aleksandr Mikhail Yuri Yury Vladislav Vadim Anatoly
    Gennady Valery Viktor Pavel Roman Ruslan Maxim Denis Artem Konstantin Stanislav Tony
    Doug Howard Steffen Heiko Olaf Horst Markus Thomas Andreas Stefan Martin Jens Uwe
    Mike Chuck Dick Adam Ben Tom Tim Sam Steve Jim Bob Ted Ed Nick Rick Rob Dan Greg
    Tristan Baslan Abdullah Alan Hamid Bahram Qasim Ghasem Nouri Kiomars Ahmed Jabbar
    """.split()
)


@dataclass(slots=True)
class Mention:
    """A capitalised phrase ``text[start:end]``.

    ``kind`` is "person" (a name, with ``title`` the words before it), "organization",
    "outlet", "country", "bare" (one word: a surname, a place, an acronym) or "other".
    ``name_start`` is where the name proper starts (after the title).
    """

    start: int
    end: int
    kind: str
    name: str
    title: str = ""
    name_start: int = 0
    gender: str = ""
    after_the: bool = False


@dataclass(frozen=True, slots=True)
class _Reading:
    kind: str
    name: str
    title: str
    name_offset: int  # characters from the phrase start to the name
    length: int  # characters of the phrase kept (possessive and openers stripped)
    skip: int  # characters stripped at the start (sentence openers)
    gender: str


def _is_acronym(token: str) -> bool:
    return 2 <= len(token) <= 6 and token.isupper() and token.replace("&", "").isalpha()


_PARTICLES = frozenset("bin ibn bint al el van von der den de da di du dos del la le".split())


def _is_name_token(token: str) -> bool:
    if token[:1].islower():
        return token in _PARTICLES
    return (
        token not in ORG_WORDS
        and token not in TITLE_HEADS
        and token not in _OFFICE_WORDS
        and token not in NATIONALITIES
        and token not in _COMMON
        and token not in _DAYS_MONTHS
        and not _is_acronym(token)
        and not token.endswith(".")
    ) or (len(token) == 2 and token.endswith(".") and token[0].isupper())


def _is_opener(token: str, count: int) -> bool:
    """True for a sentence's first word that is no name: "Highlighting", "Reportedly"."""
    if token in _FEMALE_NAMES or token in _MALE_NAMES or len(token) < 5:
        return False
    if token.endswith("ing"):
        return True
    return count == 1 and token.endswith(("ly", "ed"))


@lru_cache(maxsize=65536)
def read_phrase(phrase: str, sentence_start: bool) -> _Reading | None:
    """Read a capitalised phrase; None when nothing in it names anyone."""
    tokens = phrase.split(" ") if " " in phrase else [phrase]
    tokens = [t for t in phrase.replace("\u00a0", " ").split(" ") if t]
    skip = 0
    # Drop sentence openers and common words at the start ("During", "The").
    while tokens and (
        tokens[0] in _COMMON
        or tokens[0].islower()
        or (sentence_start and skip == 0 and _is_opener(tokens[0], len(tokens)))
    ):
        skip += len(tokens[0]) + 1
        rest = phrase[skip:]
        tokens = tokens[1:]
        while rest[:1] == " ":
            skip += 1
            rest = rest[1:]
    if not tokens:
        return None
    # A possessive ends the phrase ("Smith’s plan", "the Iraqi Army’s Aviation").
    kept: list[str] = []
    for token in tokens:
        m = _POSSESSIVE_RE.search(token)
        if m is not None and len(token) > 2:
            kept.append(token[: m.start()])
            break
        kept.append(token)
    tokens = kept
    length = len(" ".join(tokens))
    body = phrase[skip : skip + length]
    while tokens and (tokens[-1].islower() or tokens[-1] in _COMMON):  # "of", "I"
        tokens.pop()
    length = len(" ".join(tokens))
    body = phrase[skip : skip + length]
    if " of " in body and len(tokens) > 3:
        # "Tristan Smith of University College London": the person, not the place
        left = body[: body.index(" of ")]
        first = read_phrase(left, False)
        if first is not None and first.kind == "person":
            return _Reading(
                "person",
                first.name,
                first.title,
                first.name_offset,
                len(left),
                skip,
                first.gender,
            )
    if not tokens:
        return None
    if len(tokens) == 1:
        t = tokens[0]
        if t in _DAYS_MONTHS or t in _COMMON or t in NATIONALITIES:
            return None
        if t in OUTLETS or _DOMAIN_RE.search(t):
            return _Reading("outlet", t, "", 0, length, skip, "")
        if t in COUNTRIES:
            return _Reading("country", t, "", 0, length, skip, "")
        if t in ORG_WORDS or _is_acronym(t):
            return _Reading("organization", t, "", 0, length, skip, "")
        if t in TITLE_HEADS or t in _OFFICE_WORDS:
            return None
        return _Reading("bare", t, "", 0, length, skip, _gender_of_first(t))
    # The name proper: the longest run of name tokens at the end.
    i = len(tokens)
    while i > 0 and _is_name_token(tokens[i - 1]):
        i -= 1
    while len(tokens) - i > 2 and tokens[i] in COUNTRIES:
        i += 1  # "US Ambassador to Germany Richard Grenell"
    name_tokens = tokens[i:]
    title_tokens = tokens[:i]
    has_head = any(t.rstrip(".") in TITLE_HEADS for t in title_tokens)
    has_org = any(t in ORG_WORDS for t in tokens)
    if (
        any(t in OUTLETS or t in _STRONG_OUTLET for t in tokens)
        or tokens[-1] in OUTLET_WORDS
        and any(t in ("News", "Agency", "Times", "Post", "Press") for t in tokens)
        or _DOMAIN_RE.search(tokens[-1])
    ) and not name_tokens:
        return _Reading("outlet", " ".join(tokens), "", 0, length, skip, "")
    placed = (
        bool(title_tokens)
        and any(t in COUNTRIES for t in title_tokens)
        and all(
            t in COUNTRIES or t in NATIONALITIES or t in _OFFICE_WORDS or _is_acronym(t)
            for t in title_tokens
        )
    )
    if name_tokens and 2 <= len(name_tokens) <= 3 and placed and not has_org:
        has_head = True  # "US Ambassador to Germany Richard Grenell": "Germany" is a title
    if name_tokens and (has_head or not title_tokens and not has_org):
        if not has_head and (all(t in COUNTRIES for t in name_tokens) or tokens[-1] in COUNTRIES):
            return _Reading("other", body, "", 0, length, skip, "")
        name = " ".join(name_tokens)
        title = " ".join(title_tokens)
        offset = len(" ".join(title_tokens)) + (1 if title_tokens else 0)
        if title_tokens:
            # the connectors may have been inside the title: find the name in the body
            offset = body.rfind(name)
        gender = _gender_of_title(title_tokens) or _gender_of_first(name_tokens[0])
        if len(name_tokens) == 1 and not has_head:
            return _Reading("bare", name, "", 0, length, skip, gender)
        return _Reading("person", name, title, offset, length, skip, gender)
    if has_org or any(_is_acronym(t) for t in tokens):
        return _Reading("organization", " ".join(tokens), "", 0, length, skip, "")
    return _Reading("other", " ".join(tokens), "", 0, length, skip, "")


_STRONG_OUTLET = frozenset(
    "News Times Post Journal Herald Gazette Tribune Telegraph TV Television Radio "
    "Broadcasting Press Magazine Daily Wire Newswire".split()
)
_DOMAIN_RE = re.compile(r"\.(?:com|org|net|ru|uk|de|fr|info|io)$")


def _gender_of_title(tokens) -> str:
    for t in tokens:
        w = t.rstrip(".").lower()
        if w in MALE_TITLES:
            return "m"
        if w in FEMALE_TITLES:
            return "f"
    return ""


def _gender_of_first(token: str) -> str:
    if token in _FEMALE_NAMES:
        return "f"
    if token in _MALE_NAMES:
        return "m"
    return ""


def find_mentions(text: str, start: int, end: int, opening: int | None = None) -> list[Mention]:
    """Return the capitalised phrases of ``text[start:end]`` that may name someone.

    ``opening`` is where the sentence starts (``start`` unless given): a phrase there
    may begin with a word that opens sentences ("Highlighting Iran's role").
    """
    if opening is None:
        opening = start
    out: list[Mention] = []
    append = out.append
    scan = MENTION_RE.finditer(text, start, end)
    while scan is not None:
        for m in scan:
            s = m.start()
            if s > 1 and text[s - 1] == "-" and text[s - 2].isalpha():
                continue  # "anti-Iran", "pro-Kremlin": a word, not a name
            at_start = s == opening or text[s - 1] in "“\"'‘(«" and s - 1 == opening
            reading = read_phrase(m.group(), at_start)
            if reading is None:
                continue
            ms = s + reading.skip
            me = ms + reading.length
            after_the = ms - 4 >= opening and text[ms - 4 : ms] in ("the ", "The ")
            append(
                Mention(
                    ms,
                    me,
                    reading.kind,
                    reading.name,
                    reading.title,
                    ms + reading.name_offset,
                    reading.gender,
                    after_the,
                )
            )
            if me + 4 < m.end() and text.startswith(" of ", me):
                # the place or body after "of" is read on its own: scan again from it
                scan = MENTION_RE.finditer(text, me + 4, end)
                break
        else:
            scan = None
    return out


_WORD_RE = re.compile(r"[^\W\d_]+")


def words_of(text: str) -> set[str]:
    """Return the folded words of a title or description (possessives dropped)."""
    return {w.casefold() for w in _WORD_RE.findall(text.replace("’s", "").replace("'s", ""))}


@dataclass(slots=True, eq=False)
class Entity:
    """A person or body of the article (becomes a RosterEntry)."""

    name: str
    type: str
    title: str = ""
    descriptions: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    gender: str = ""
    registry_id: int | None = None
    words: set[str] = field(default_factory=set)
    first: tuple[int, int] | None = None  # the mention that introduced it
    plural: bool = False  # a group ("officials", "the defendants"): "they"
    titles: set[str] = field(default_factory=set)  # every title learnt
    spoke: bool = False  # the source of a claim: a person for sure

    def is_someone(self) -> bool:
        """True with evidence of a person: a title, a gender (first name, title or an
        earlier he/she), a claim spoken, or the registry's word for it."""
        return bool(self.spoke or self.gender or self.title or self.registry_id is not None)

    def add_alias(self, alias: str) -> None:
        if alias and alias != self.name and alias not in self.aliases:
            self.aliases.append(alias)

    def learn(self, title: str = "", description: str = "") -> None:
        """Learn a title or a description: its words describe the entity from now on."""
        if title and not self.title:
            self.title = title
        if title and title not in self.titles:
            self.titles.add(title)
            self.words |= words_of(title)
        if description and description not in self.descriptions:
            self.descriptions.append(description)
            self.words |= words_of(description)


def registry_index(registry) -> tuple[NameIndex, dict, re.Pattern | None]:
    """Return (names and aliases index, unique surnames, literal names) of a registry.

    The literal names are a pattern of the names and aliases a capitalised phrase does
    not read whole ("C++ (group)", "Médecins Sans Frontières (MSF)"): matched as
    written, metacharacters and all; None when there are none.

    Built once per registry: the last few registries are kept, found again by identity
    or, for a hashable one (a tuple of frozen RegistrySpeaker), by equality, so every
    split, merge or trim of an article does not fold 50,000 names again. ``None`` is an
    empty registry; an alias list given as one str is one alias.
    """
    if registry is None:
        registry = ()
    key = id(registry)
    hit = _INDEX_BY_ID.get(key)
    if hit is not None and hit[0] is registry:
        return hit[1]
    try:
        built = _index_of(tuple(registry))
    except TypeError:  # unhashable entries (alias lists): built afresh
        return _build_index(tuple(registry))
    if not isinstance(registry, tuple):
        return built  # a list may change: found again by equality only
    if len(_INDEX_BY_ID) >= 8:
        _INDEX_BY_ID.pop(next(iter(_INDEX_BY_ID)))
    _INDEX_BY_ID[key] = (registry, built)
    return built


_INDEX_BY_ID: dict[int, tuple[object, tuple]] = {}


@lru_cache(maxsize=8)
def _index_of(registry: tuple) -> tuple:
    return _build_index(registry)


def _aliases(r) -> tuple[str, ...]:
    aliases = r.aliases
    if not aliases:
        return ()
    if isinstance(aliases, str):
        return (aliases,)
    return tuple(a for a in aliases if isinstance(a, str))


def _build_index(registry: tuple) -> tuple:
    index = NameIndex((r.name, _aliases(r), r) for r in registry)
    surnames: dict[str, list] = {}
    literal: set[str] = set()
    for r in registry:
        if r.type == "person" and " " in r.name:
            surnames.setdefault(fold_name(r.name.rsplit(" ", 1)[1]), []).append(r)
        for name in (r.name, *_aliases(r)):
            name = " ".join(name.split())
            if name and MENTION_RE.fullmatch(name) is None and any(c.isalnum() for c in name):
                literal.add(name)
    pattern = None
    if literal:
        pattern = re.compile(r"(?<![\w])(?:" + trie_pattern(sorted(literal)) + r")(?![\w])")
    return index, {k: v[0] for k, v in surnames.items() if len(v) == 1}, pattern


class Roster:
    """The people and bodies of one article, indexed by full name and surname."""

    def __init__(self, registry=()) -> None:
        self.entities: list[Entity] = []
        self._by_name: dict[str, Entity] = {}
        self._by_surname: dict[str, Entity] = {}
        self._by_last: dict[str, Entity] = {}
        self._initials: dict[str, dict[int, Entity]] = {}  # by id: no scan
        self._label_of: dict[str, str] = {}  # a name's initials ("MS"), once a name
        self.registry, self._registry_surnames, self.literal_re = registry_index(registry)

    def _new(self, name: str, type_: str, span: tuple[int, int]) -> Entity:
        entity = Entity(name=name, type=type_, first=span)
        known = self.registry.get(name)
        if known is not None:
            entity.name = known.name
            entity.type = known.type if known.type else type_
            entity.registry_id = known.id
            entity.learn(title=known.title)
            if name != known.name:
                entity.add_alias(name)
        self.entities.append(entity)
        self._by_name[fold_name(name)] = entity
        return entity

    def person(self, mention: Mention) -> Entity:
        """Return the entity of a full-name mention, creating it the first time."""
        key = fold_name(mention.name)
        entity = self._by_name.get(key)
        if entity is None and " " not in mention.name:
            entity = self.surname(mention.name)  # "General Khwain" after the full name
        span = (mention.start, mention.end)
        parts = mention.name.split()
        if entity is None and len(parts) > 1:
            # "President Trump" in the headline, "Donald Trump" later: one person,
            # named in full from now on.
            short = self._by_name.get(fold_name(parts[-1]))
            if short is not None and short.type == "person" and " " not in short.name:
                if short.registry_id is None:
                    old = short.name
                    short.name = mention.name
                    short.add_alias(old)
                    self._by_name[key] = short
                entity = short
        if entity is None:
            entity = self._new(mention.name, "person", span)
        entity.mentions.append(span)
        if mention.title:
            entity.learn(title=mention.title)
            entity.add_alias(f"{mention.title} {mention.name}")
        if mention.gender and not entity.gender:
            entity.gender = mention.gender
        if len(parts) > 1:
            self._by_surname[fold_name(parts[-1])] = entity
            label = self._label_of.get(entity.name)
            if label is None:
                label = "".join(p[0] for p in entity.name.split() if p[0].isupper())
                self._label_of[entity.name] = label
            self._initials.setdefault(label, {})[id(entity)] = entity
        return entity

    def body(self, name: str, type_: str, span: tuple[int, int]) -> Entity:
        """Return the organisation or outlet named ``name``, creating it the first time."""
        entity = self._by_name.get(fold_name(name))
        if entity is None:
            entity = self._new(name, type_, span)
            if " " in name and type_ == "organization":
                self._by_last[fold_name(name.rsplit(" ", 1)[1])] = entity
        entity.mentions.append(span)
        return entity

    def known_person(self, name: str) -> Entity | None:
        """Return the person of the article with this full name, if any."""
        entity = self._by_name.get(fold_name(name))
        return entity if entity is not None and entity.type == "person" else None

    def initials(self, label: str) -> Entity | None:
        """Return the one person of the article whose initials are ``label`` ("MS")."""
        found = self._initials.get(label)
        return next(iter(found.values())) if found is not None and len(found) == 1 else None

    def body_ending(self, word: str) -> Entity | None:
        """Return the organisation last named with ``word`` as its last word ("the
        Co-Chairs" after "the OSCE Minsk Group Co-Chairs")."""
        return self._by_last.get(fold_name(word))

    def surname(self, word: str) -> Entity | None:
        """Return the person last introduced with this surname (or first name), if any."""
        key = fold_name(word)
        found = self._by_surname.get(key) or self._by_name.get(key)
        if found is not None:
            return found
        known = self.registry.get(word) or self._registry_surnames.get(key)
        if known is not None:
            entity = self._by_name.get(fold_name(known.name))
            if entity is None:
                entity = self._new(known.name, known.type, (0, 0))
                entity.first = None
            return entity
        return None

    def bare(self, word: str, span: tuple[int, int], type_: str = "person") -> Entity:
        """Return an entity for a single word that speaks ("Smith said"), new if need be."""
        entity = self.surname(word)
        if entity is None:
            entity = self._new(word, type_, span)
            if type_ == "person":
                self._by_surname[fold_name(word)] = entity
        entity.mentions.append(span)
        if word != entity.name:
            entity.add_alias(word)
        return entity
