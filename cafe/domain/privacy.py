"""The personal-data screen: finds personal data in short texts (pure core: no Flask, no DB).

``screen(text, lang)`` returns character spans of six kinds, sorted and non-overlapping:

- **hetu**: Finnish personal identity codes, every century sign (``+ - A``, and the 2023
  additions ``B``–``F`` and ``U``–``Y``), with a real date and a matching check character,
  also glued to a word before it (``hetu260552-3351``);
- **iban**: account numbers whose length fits the country and whose mod-97 check holds,
  with or without spaces;
- **email**: addresses, also spelt out: ``matti.m (at) kunta.fi``, ``anna at gmail dot com``
  (a spelt-out address needs a known top-level domain); shared mailboxes of organisations
  (``info@``, ``kirjaamo@``) are not personal;
- **phone**: Finnish mobile and landline numbers, national (``040 123 4567``, ``09-1234567``)
  and international (``+358 40 123 4567``, ``+46 70 123 45 67``), also glued to their
  label (``puh0445230871``); not the service and company numbers (``0800``, ``020``,
  ``029``, ``010``), nor a number named as a public service's or an organisation's earlier
  in the same clause ("MIELI ry:n kriisipuhelin 09 ...", "vaihteen numero on 09 ...",
  "kriisipuhelin päivystää 09 ..."), nor dates, times, sums, statute numbers, years or
  postcodes, which have too few digits or do not begin with ``0``/``+``;
- **address**: a capitalised street word (``-katu``, ``-tie``, ``-kuja``, ``-gatan``,
  ``-vägen``...) with a house number, staircase and flat (``Mannerheimintie 12 B 34``,
  ``Kotikatu 5 as. 3``, ``Storgatan 7 lgh 1102``, ``Åsvägen 3``); in lower case with a flat,
  or a staircase and flat, or at the end of a clause (``hämeenkatu 15 b 8``, not ``valtatie
  4`` nor ``kävelykadulla 2 tuntia``); a postcode with a town (``00100 Helsinki``); the two
  merge when they follow each other;
- **name**: people's names, see below.

Names. Every word is classified, once per process (cached), as a possible first name or
surname or neither, from two sources: Voikko's morphological analysis (class ``etunimi`` or
``sukunimi``, in any case form and in lower case), when installed, and always the shipped
lexicon ``data/privacy_lexicon.txt`` (Finnish, Swedish, English and other common first names
and surnames), looked up after stripping Finnish case endings ("Virtasen" → virtanen,
"Pekan" → pekka). A name is *weak* when the word is also an ordinary word (Voikko gives a
noun, verb or adjective reading, or the lexicon lists it as ambiguous: Toivo, Satu, Laine,
Hans, Will), or a place (Lahti, Salo). Then, with context:

- a capitalised name that does not begin a sentence is a name ("kysyin Onnilta");
- a name at the start of a sentence is one unless weak ("Pekka sanoi" yes, "Toivo on
  tärkeää" no); a weak one needs a cue (``_Cues``): a verb of speech or of not coming after
  it ("Armas sanoi", "Helmi ei päässyt"), being someone's relative or worker ("Helmi on mun
  kummitäti"), a title in brackets after it ("Rauha (kokemusasiantuntija)"), a genitive
  before what only a person has ("Lotan numero", "Annan poika", "robin's number"), its word
  in an e-mail address of the same post, a phone number or e-mail address right after it,
  a greeting before it, a dash before it at the end of the post ("-Satu"), an "@" before
  it; a title before it, or a name next to it ("Lempi Virtanen"); "I" beside it ("May and
  I", "Stig och jag", "Lempi ja mä"); an age after it ("Onni (7v)"); introducing oneself at
  the start of a post ("sari täällä, ..."); a verb of what only a person does to a session
  or a text ("Bill ran the session", "Dag ledde gruppen"); a first name's Finnish genitive
  before what only a person goes through or gets (``[matters]``: "Armaksen kuntoutus",
  never a verb form: "Toivon päätös tulee"); "at the" or "from the" office, group or
  service after it, also after a surname no list knows ("Frank Osei from the peer group").
  A weak name that is a kinship word itself ("Sisko soitti", "Veli sanoi") takes no cue;
- in Finnish text a name in lower case is one unless weak ("pekka sanoi" yes, "anna
  palautetta" no; "sirkku soitti" by the cue); in Swedish and English text a listed name in
  lower case only with a cue ("mats sa", "thanks ahmed", "will couldnt come", "eva och
  kristoffer"), never after an article ("the bill said");
- a capitalised word after a title ("sosiaalityöntekijä", "Dr", "fru") is a name, also an
  ordinary word inside a sentence ("omaohjaaja Kivi"), but not an organisation's name in
  a local case or the genitive ("työntekijä Ohjaamosta"); so is, in Finnish text, a
  capitalised unknown word with a surname ending ("Pöllänen"), and in any text a Swedish
  surname by its ending ("Henrikssons", "Lindqvist"); in Swedish text a capitalised
  unknown word inside a sentence with a genitive "-s" before what only a person has ("ring
  Kristers nummer"), and, with Voikko, the "-s" genitive of a name it knows;
- a capitalised word neither the lists nor Voikko know is a name with a strong cue ("Chidi
  said", "X and I", "X ja hänen lapset", a title in brackets, a phone number after it, a
  greeting before it, an emoji before it at the end of the post), never a subject word
  ("Everyone said"), a Swedish definite noun, nor after an article; with Voikko, in Finnish
  text, such a word inside a sentence is a name by itself ("kysyin Dilnozalta"), unless a
  hyphenated compound, a loanword (``[loanwords]``: "Cafe Social"), after an English word
  or a number ("in Leeds"), after a place's genitive ("Helsingin Sanomat"), or in the
  inessive, elative or illative, which brands and places take ("Spotifysta");
- a listed name in its base form at the end of the post after an emoji or a full stop is a
  signature ("... 🙏 Kari"); a system's name that is a first name too ("Wilma") is a name
  after a kinship word ("tyttäreni Wilma"); a listed name that is no word, in lower case at
  the very start of a Swedish or English post, is one ("ahmed fick vänta");
- short words in mixed case ("SoL", "LsL") are abbreviations, never names;
- names next to each other make one span; an unknown capitalised word right after a name
  joins it ("Ahmed Nuur");
- organisations, public services, systems and places (Kela, THL, Sosku, Wilma, Helsinki,
  Tampereen kaupunki) are never names, and words in all capitals are acronyms unless
  plainly a name.

The text's language (``lang``, the event's) is checked against the words of the text
itself: Finnish names are found in any language (mixed rooms); lower-case names are told
from ordinary words by the rules above for the language the words look like.

``allow`` lists what is known not to be personal data here (the invited openers' names in
the minutes, words an organizer marked): a finding whose text equals an allowed string
(case-folded) or, for names, whose every word is an allowed word in some case form
("Saikkosen" for "Paula Saikkonen"), is dropped.

Limits: a name the lists and Voikko do not know, in lower case, alone at the start of a
sentence or (with the lexicon alone) inside a Finnish sentence without a cue, is not found;
with Voikko, a brand or a place it does not know, capitalised inside a Finnish sentence in
the nominative, genitive or an "at/to/from" case ("Eventbriten kautta"), is taken for a name.
Nor is an ambiguous name found with no cue ("Lempi tuli tänään", "Usvan kanssa"), nor are
street addresses without a house number, phone numbers without their area code, or
identity codes with a wrong check character. A public service's number
without its service word before it is found as a phone number, and a person's number
written right after a service word ("neuvonta 040 ...") is taken for the service's.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from cafe.domain.voikko import VOIKKO_LOCK, voikko_handle

Kind = Literal["hetu", "phone", "email", "iban", "address", "name"]
KINDS: tuple[Kind, ...] = ("hetu", "phone", "email", "iban", "address", "name")
NameEngine = Literal["voikko", "lexicon"]
TextLanguage = Literal["fi", "sv", "en"]


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and character offsets ``text[start:end]``."""

    kind: Kind
    start: int
    end: int


_PLACEHOLDERS: dict[str, dict[Kind, str]] = {
    "fi": {
        "name": "[nimi]",
        "phone": "[puhelinnumero]",
        "email": "[sähköposti]",
        "hetu": "[henkilötunnus]",
        "iban": "[tilinumero]",
        "address": "[osoite]",
    },
    "sv": {
        "name": "[namn]",
        "phone": "[telefonnummer]",
        "email": "[e-post]",
        "hetu": "[personbeteckning]",
        "iban": "[kontonummer]",
        "address": "[adress]",
    },
    "en": {
        "name": "[name]",
        "phone": "[phone number]",
        "email": "[email]",
        "hetu": "[personal ID]",
        "iban": "[account number]",
        "address": "[address]",
    },
}


def placeholder(kind: Kind, lang: str) -> str:
    """What replaces personal data of ``kind`` in ``lang`` (Finnish for other languages)."""
    return _PLACEHOLDERS.get(lang, _PLACEHOLDERS["fi"])[kind]


def mask(text: str, findings: Iterable[Finding], lang: str) -> str:
    """``text`` with each finding's span replaced by its placeholder.

    Findings may come in any order; one that overlaps an earlier one (by start) is skipped,
    so the result never depends on text already replaced.
    """
    parts: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        start, end = max(0, finding.start), min(len(text), finding.end)
        if start < position or start >= end:
            continue
        parts.append(text[position:start])
        parts.append(placeholder(finding.kind, lang))
        position = end
    parts.append(text[position:])
    return "".join(parts)


def findings_payload(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as JSON-ready dicts: ``[{"kind": ..., "start": ..., "end": ...}]``."""
    return [{"kind": f.kind, "start": f.start, "end": f.end} for f in findings]


# The name is looked up at call time so that a test can pretend Voikko is missing.
_voikko_handle = voikko_handle


def name_engine() -> NameEngine:
    """How names are recognised in this process: ``voikko`` when installed, else ``lexicon``."""
    return "voikko" if _voikko_handle()[0] is not None else "lexicon"


def screen(
    text: str,
    lang: str = "fi",
    allow: Iterable[str] = (),
    *,
    engine: NameEngine | None = None,
) -> list[Finding]:
    """Personal data in ``text``: findings sorted by start, never overlapping.

    ``lang`` is the event's language (fi, sv, en); Finnish names and numbers are found in
    text of any language. ``allow``: strings known not to be personal data here. ``engine``
    chooses how names are recognised (default: :func:`name_engine`); asking for Voikko where
    it is not installed raises ``ValueError``.
    """
    if not text:
        return []
    chosen = engine or name_engine()
    if chosen == "voikko" and _voikko_handle()[0] is None:
        raise ValueError("Voikko is not installed")
    found: list[Finding] = []
    found += _hetus(text)
    found += _ibans(text)
    found += _emails(text)
    found += _phones(text)
    found += _addresses(text)
    # Words inside an e-mail address or a street address are not names of their own, and a
    # name must not run on into them ("Katja Salonen katja.salonen@hel.fi"); a phone number
    # or an e-mail address right after a word is a cue that it is a name (see _Cues).
    found += _names(text, _text_language(text, lang), _classifier(chosen), list(found))
    result = _resolve(found)
    allowed = tuple(a for a in allow if a and a.strip())
    if allowed:
        result = _drop_allowed(text, result, allowed)
    return result


# --- choosing between overlapping findings ------------------------------------------------

#: On overlap the earlier kind wins: the checksum-verified kinds are the surest, and an
#: address or e-mail address often contains a name ("Aleksis Kiven katu 5", "anna.virtanen@").
_PRIORITY: dict[Kind, int] = {"hetu": 0, "iban": 1, "email": 2, "phone": 3, "address": 4, "name": 5}


def _resolve(found: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (_PRIORITY[f.kind], f.start - f.end, f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


# --- henkilötunnus -------------------------------------------------------------------------

#: A letter may come right before the code ("hetu260552-3351", typed without a space): the
#: date and the check character make a false find there as unlikely as anywhere else.
_HETU = re.compile(
    r"(?<![\d+-])(\d{2})(\d{2})(\d{2})([-+A-FU-Ya-fu-y])(\d{3})([0-9A-Za-z])(?![\w-])"
)
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_CENTURY = {"+": 1800, "-": 1900, **dict.fromkeys("UVWXY", 1900), **dict.fromkeys("ABCDEF", 2000)}


def _hetus(text: str) -> list[Finding]:
    found = []
    for m in _HETU.finditer(text):
        day, month, year, sign, individual, check = m.groups()
        try:
            datetime.date(_CENTURY[sign.upper()] + int(year), int(month), int(day))
        except ValueError:
            continue
        if int(individual) < 2:
            continue
        if _HETU_CHECK[int(day + month + year + individual) % 31] == check.upper():
            found.append(Finding("hetu", m.start(), m.end()))
    return found


# --- IBAN ----------------------------------------------------------------------------------

#: A country code, check digits and up to 30 more characters in groups; the account number
#: is the longest run of whole groups that passes the check ("…8591 eller" drops "eller").
_IBAN = re.compile(r"(?<!\w)[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{1,30}){1,8}")
_IBAN_GROUP = re.compile(r"[A-Za-z0-9]+")
_IBAN_LENGTHS = {
    "FI": 18, "SE": 24, "EE": 20, "NO": 15, "DK": 18, "DE": 22, "GB": 22, "FR": 27, "ES": 24,
    "NL": 18, "BE": 16, "IT": 27, "PL": 28, "LT": 20, "LV": 21, "AT": 20, "CH": 21, "IE": 22,
    "AX": 18, "IS": 26, "PT": 25,
}  # fmt: skip


def _iban_valid(compact: str) -> bool:
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _ibans(text: str) -> list[Finding]:
    found = []
    for m in _IBAN.finditer(text):
        ends = [m.start() + g.end() for g in _IBAN_GROUP.finditer(m.group())]
        for end in reversed(ends):
            if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                continue  # the group runs on into a word
            if _iban_valid(text[m.start() : end].replace(" ", "").upper()):
                found.append(Finding("iban", m.start(), end))
                break
    return found


# --- e-mail --------------------------------------------------------------------------------

_AT_SIGN = r"(?P<sign> ?@ ?)"
_AT_WORD = r"(?: ?[(\[{<] ?(?:at|ät|a|@) ?[)\]}>] ?| (?:at|ät|miukumauku|kissanhäntä) )"
_DOT_WORD = r"(?: ?[(\[{<] ?(?:dot|piste|punkt) ?[)\]}>] ?| (?:dot|piste|punkt) )"
_EMAIL = re.compile(
    r"(?<![\w.@+-])(?P<local>[\w%+-]+(?:\.[\w%+-]+)*)"
    rf"(?:{_AT_SIGN}|{_AT_WORD})"
    rf"(?P<domain>(?:[\w-]+(?:\.|{_DOT_WORD}))+(?P<tld>[A-Za-z]{{2,24}}))(?![\w@])",
    re.IGNORECASE,
)
#: Top-level domains a spelt-out address must end with ("at home dot..." is not an address).
_KNOWN_TLDS = frozenset(
    "fi ax se no dk ee de uk eu com net org info io me co nu biz edu gov int".split()
)
#: Words that stand before " at " in ordinary English ("we met at kela.fi") rather than
#: a mailbox name.
_NOT_LOCAL = frozenset(
    """look looked looking at is are was were be been us me him her them it meet met stay
    stayed live lived lives work worked works arrive arrived here there available held
    find found see seen info apply""".split()
)


def _emails(text: str) -> list[Finding]:
    found = []
    for m in _EMAIL.finditer(text):
        local = m.group("local").lower()
        if local in _lexicon().generic_mail:
            continue
        if m.group("sign") is None:
            if m.group("tld").lower() not in _KNOWN_TLDS or local in _NOT_LOCAL:
                continue
        found.append(Finding("email", m.start(), m.end()))
    return found


# --- phone numbers -------------------------------------------------------------------------

#: Between digit groups: a space, or a dash with or without spaces ("070 - 123 45 67").
_SEP = r"(?:[ \u00a0]?[-–][ \u00a0]?|[ \u00a0])"
_PHONE_BODY = (
    rf"(?:(?P<intl>(?:\+|00)[1-9]\d{{0,2}})(?:{_SEP}?\(0\))?(?:{_SEP}?\d{{1,4}}){{2,6}}"
    rf"|\(?0\d{{1,3}}\)?(?:{_SEP}?\d{{2,4}}){{1,4}})"
    r"(?!\d|[.,]\d)"
)
_PHONE = re.compile(r"(?<![\w+/])(?<!\d[.,])" + _PHONE_BODY)
#: A number typed right after its label, without a space: "puh0445230871", "tel+4670...".
_PHONE_LABEL = re.compile(r"(?<!\w)(?:puh|tel|tfn|nro|gsm|mob|p)(?=[+0])", re.IGNORECASE)
_PHONE_AFTER_LABEL = re.compile(_PHONE_BODY)
#: Finnish (and Swedish) service and company numbers: an organisation's, not a person's.
_SERVICE_PREFIXES = ("0800", "0700", "0600", "0300", "0200", "0100", "020", "029", "010", "030")
_DATE_LIKE = re.compile(r"\d{1,2}-\d{1,2}-\d{2,4}")


def _phone_number(m: re.Match[str]) -> bool:
    """Whether a match of the phone pattern is a person's number (not a date, a service...)."""
    digits = re.sub(r"\D", "", m.group())
    if m.group("intl"):
        if m.group().startswith("00"):
            digits = digits[2:]
        return 8 <= len(digits) <= 15
    if not 8 <= len(digits) <= 11 or digits.startswith(_SERVICE_PREFIXES):
        return False
    return not _DATE_LIKE.fullmatch(m.group())


#: A public service's line named right before its number: "MIELI ry:n kriisipuhelin 09 ...",
#: "kaupungin neuvonta p. 09 ...", "the helpline is 01...", "växeln 08 ...". A stem matches
#: the word's case forms and compounds ("neuvontapuhelimeen", "Sosiaalineuvonnan").
_SERVICE_LINE = re.compile(
    r"(?:kriisipuhel|auttava|tukipuhel|neuvontapuhel|palvelupuhel|palvelunumer|neuvont|neuvonn"
    r"|asiakaspalvelu(?!j)|asiakaspalvelun|vaihde|vaihtee|päivystysnumer|helpline|hotline"
    r"|switchboard|crisis|växel|kundtjänst|kundservice|jourtelefon|stödlinje|hjälplinje"
    r"|rådgivning)\w*$",
    re.IGNORECASE,
)
#: ...or an organisation by its legal form or a municipality: "Sininauha ry:n", "X Oy",
#: "Espoon kaupunki", "Vasa stad".
_ORGANISATION_FORM = re.compile(
    r"^(?:ry|rf|oy|oyj|ab|abp|ltd|inc|kaupunki|kaupungin|kunta|kunnan|stad|stads|kommun"
    r"|kommuns|säätiö|säätiön|stiftelse|stiftelsen)(?::\w+)?$",
    re.IGNORECASE,
)
#: Words that may stand between the service's name and its number ("vaihteen numero on").
_SERVICE_FILLERS = frozenset(
    """numero numeroon numerossa numerosta nro puh puhelin p tel tfn on oli p. nummer
    nummret är number is was no phone telefon""".split()
)
_SERVICE_WORD = re.compile(r"[\w:.-]+")
#: Between a service's word and a number, these say the number is a person's: someone is
#: given, gets or calls it ("vaihteesta sain hänen numeronsa 040 ...", "soita mulle").
_PERSONAL_WORDS = frozenset(
    """mulle mun minulle minun sulle sun sinulle hänen hänelle häneltä hänet meille
    sain sai saat antoi annoin antaa soita soitin soittakaa tekstaa laita
    me my his her him mine got gave give call text ring mig mej min mitt hans hennes honom
    henne fick gav ge""".split()
)


def _service_number(text: str, start: int) -> bool:
    """Whether the number at ``start`` is named as a public service's or an organisation's:
    the service's word earlier in the same clause, at most six words before ("kriisipuhelin
    09 2525 0111", "vaihteen numero on 09 ...", "Helsingin kaupunki 09 310 1691",
    "kriisipuhelin päivystää 09 ..."); not when a punctuation mark, a capitalised word, a
    title or a word of giving, getting or calling stands between ("kriisipuhelin ei
    vastannut, soita mulle 040 ...", "vaihteesta sain Pekan numeron 040 ...")."""
    before = text[max(0, start - 100) : start]
    words = _SERVICE_WORD.findall(before)
    if not words or before.rstrip(" \t\u00a0:")[-1:] in ",;!?":
        return False
    for back, word in enumerate(reversed(words)):
        bare = word.strip(".:").lower()
        if _SERVICE_LINE.search(bare) or _ORGANISATION_FORM.match(bare):
            gap = before[before.rfind(word) + len(word) :]
            return not any(ch in ",;!?()" for ch in gap)
        if back >= 6 or word.endswith(".") and bare not in _SERVICE_FILLERS:
            return False
        if bare in _PERSONAL_WORDS or (word[:1].isupper() and back > 0) or _title_word(bare):
            return False
    return False


def _phones(text: str) -> list[Finding]:
    matches = list(_PHONE.finditer(text))
    for label in _PHONE_LABEL.finditer(text):
        glued = _PHONE_AFTER_LABEL.match(text, label.end())
        if glued:
            matches.append(glued)
    return [
        Finding("phone", m.start(), m.end())
        for m in matches
        if _phone_number(m) and not _service_number(text, m.start())
    ]


# --- street addresses and postcodes --------------------------------------------------------

_FI_STREET = (
    r"(?:tie|katu|kadu|kuja|tori|kaari|kaare|rinne|rintee|ranta|ranna|raitti|raiti|väylä"
    r"|bulevardi|esplanadi|aukio|puistikko|puistiko|kaarre|kaartee|ahde|ahtee|penger|pengere"
    r"|polku|polu)"
    r"(?:n|lla|llä|lle|lta|ltä|ssa|ssä|sta|stä)?"
)
_SV_STREET = (
    r"(?:gatan|gata|vägen|väg|gränd|gränden|stigen|torget|torg|backen|allén|allé|kajen"
    r"|stranden|esplanaden|bågen|gången|leden|plan|slingan|kroken|stråket)"
)
_STREET_PREFIX = (
    r"(?:(?:Norra|Södra|Östra|Västra|Stora|Lilla|Gamla|Nya|Pohjoinen|Eteläinen|Itäinen"
    r"|Läntinen|Iso|Pieni|Vanha|Uusi)\s)?"
)
#: A staircase alone is one letter, but not "i" (Swedish "in": "Åsvägen 3 i Borgå").
_HOUSE = (
    r"(?P<number>\d{1,3}(?:[a-zA-Z]\d{1,4}|[a-zA-Z])?(?:\s?[-–]\s?\d{1,3})?)"
    r"(?P<flat>,?\s(?:[A-Za-z]\s?\d{1,4}|[A-HJ-Za-hj-z](?![\w])"
    r"|(?:as|asunto|rappu|porras|lgh|lägenhet|bostad|bst|lh|apt|flat)\.?\s?\d{1,4}"
    r"|\d{1,2}\s?tr\.?))?"
)
#: A street word: a capitalised stem of any length ("Åsvägen", "Ågatan") with a street
#: ending, a street named by the street word alone ("Esplanaden"), or words before a street
#: word of its own ("Aleksis Kiven katu").
_STREET = re.compile(
    rf"(?<![\w-])(?:{_STREET_PREFIX}(?:[A-ZÅÄÖ][\w-]*?(?:{_FI_STREET}|{_SV_STREET})"
    r"|(?:Esplanadi|Bulevardi)\w*|Esplanaden|Bulevarden|Allén|Allé|Kajen|Torget|Stranden)"
    r"|(?:[A-ZÅÄÖ][\w'-]+\s){1,2}(?:katu|tie|kuja|linja|gata|väg))"
    rf"\s{_HOUSE}(?![\w]|[.,]\d)"
)
#: A lower-case street word counts only with a flat ("kotikatu 5 as. 3").
_STREET_LOWER = re.compile(
    rf"(?<![\w-])[a-zåäö][\w-]{{2,}}?(?:{_FI_STREET}|{_SV_STREET})\s"
    r"\d{1,3}[a-zA-Z]?,?\s(?:as|asunto|rappu|porras|lgh|lägenhet|bostad|bst)\.?\s?\d{1,4}"
    r"(?![\w]|[.,]\d)"
)
#: ...or, typed all in lower case, a street word in the nominative with a house number and
#: nothing after it but a staircase, a flat or the end of the clause ("hämeenkatu 15 b 8,");
#: not a numbered road ("valtatie 4", "kehä 3") nor a case form ("kävelykadulla 2 tuntia").
_STREET_LOWER_BARE = re.compile(
    r"(?<![\w-])(?!(?:valta|kanta|seutu|moottori|kehä|pyörä|maan|kävely|sivu|pää|ohikulku)"
    r"(?:tie|katu))[a-zåäö][\w-]{2,}?"
    r"(?:tie|katu|kuja|polku|rinne|kaari|raitti|gatan|vägen|gränd|stigen)"
    r"\s\d{1,3}(?:\s?[a-hj-zA-HJ-Z]\s?\d{1,4}(?!\w)"
    r"|(?:\s?[a-hj-zA-HJ-Z])?(?=\s*(?:[,.;!?)]|$)))"
)
_EN_STREET = re.compile(
    r"(?<![\w-])\d{1,4}[a-zA-Z]?\s(?:[A-Z][a-z]+\s){1,2}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Drive|Close|Way|Court|Place|Square|Gardens|Crescent)"
    r"\b\.?"
)
_POSTCODE = re.compile(
    r"(?<![\w-])(?:FI-|SE-)?(?:\d{5}|\d{3}\s\d{2})\s(?P<town>[A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ]?[a-zåäö]+)?"
    r"|[A-ZÅÄÖ]{3,})(?![\w-])"
)
_ADDRESS_GAP = re.compile(r",? ?")
#: Words after a five-digit number that are not towns.
_NOT_TOWNS = frozenset("euroa euro eur e henkeä hlöä asiakasta kpl kappaletta km".split())


def _addresses(text: str) -> list[Finding]:
    spans: list[tuple[int, int]] = []
    for pattern in (_STREET, _STREET_LOWER, _STREET_LOWER_BARE, _EN_STREET):
        spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    for m in _POSTCODE.finditer(text):
        if m.group("town").lower() not in _NOT_TOWNS:
            spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        # Overlapping, or "Kotikatu 5, 00100 Helsinki": one address.
        if merged and (
            start < merged[-1][1] or _ADDRESS_GAP.fullmatch(text[merged[-1][1] : start])
        ):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [Finding("address", start, end) for start, end in merged]


# --- the lexicon ---------------------------------------------------------------------------

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "privacy_lexicon.txt"


@dataclass(frozen=True)
class Lexicon:
    """The sections of ``data/privacy_lexicon.txt`` (lower-case words)."""

    first: frozenset[str]
    last: frozenset[str]
    ambiguous: frozenset[str]
    collisions: frozenset[str]
    places: frozenset[str]
    organisations: frozenset[str]
    ordinary: frozenset[str]
    not_person: frozenset[str]
    titles: frozenset[str]
    title_stems: tuple[str, ...]
    cues: frozenset[str]
    possessions: frozenset[str]
    matters: frozenset[str]
    greetings: frozenset[str]
    generic_mail: frozenset[str]
    loanwords: frozenset[str] = frozenset()

    @cached_property
    def names(self) -> frozenset[str]:
        """First names and surnames together (computed once: the screen asks per word)."""
        return self.first | self.last

    @property
    def function_words(self) -> frozenset[str]:
        """Short words of the three languages that are never names ("the", "och", "ja")."""
        return _FUNCTION_WORDS


def parse_lexicon(content: str) -> Lexicon:
    """Read the lexicon's text; ``ValueError`` on an unknown section or a word outside one."""
    sections: dict[str, set[str]] = {
        name: set()
        for name in (
            "first last ambiguous collisions places organisations ordinary not_person titles cues "
            "possessions matters greetings generic_mail loanwords"
        ).split()
    }
    current: set[str] | None = None
    for number, raw in enumerate(content.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            if line[1:-1] not in sections:
                raise ValueError(f"line {number}: unknown section {line}")
            current = sections[line[1:-1]]
            continue
        if current is None:
            raise ValueError(f"line {number}: words before the first section")
        current.update(word.lower() for word in line.split())
    titles = sections["titles"]
    return Lexicon(
        first=frozenset(sections["first"]),
        last=frozenset(sections["last"]),
        ambiguous=frozenset(sections["ambiguous"]),
        collisions=frozenset(sections["collisions"]),
        places=frozenset(sections["places"]),
        organisations=frozenset(sections["organisations"]),
        ordinary=frozenset(sections["ordinary"]),
        not_person=frozenset(sections["not_person"]),
        titles=frozenset(t for t in titles if not t.endswith("*")),
        title_stems=tuple(sorted(t[:-1] for t in titles if t.endswith("*"))),
        cues=frozenset(sections["cues"]),
        possessions=frozenset(sections["possessions"]),
        matters=frozenset(sections["matters"]),
        greetings=frozenset(sections["greetings"]),
        generic_mail=frozenset(sections["generic_mail"]),
        loanwords=frozenset(sections["loanwords"]),
    )


@lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    return parse_lexicon(LEXICON_PATH.read_text("utf-8"))


# --- Finnish case endings ------------------------------------------------------------------

_VOWELS = frozenset("aeiouyäöå")
_CLITICS = ("kaan", "kään", "kin", "han", "hän", "pa", "pä", "ko", "kö")
_ENDINGS = tuple(
    sorted(
        """n a ä ta tä na nä ksi ssa ssä sta stä lla llä lta ltä lle tta ttä
        t ille illa illä ilta iltä issa issä ista istä iksi ien ten jen ja jä ita itä
        ina inä iin in""".split(),
        key=len,
        reverse=True,
    )
)
#: Weak grade → strong grade of the consonants before a stem's last vowel ("Pekan" → Pekka,
#: "Lahden" → Lahti, "Helsingin" → Helsinki, "Turun" → Turku).
_GRADATION = {
    "k": ("kk",), "p": ("pp",), "t": ("tt",), "d": ("t",), "hd": ("ht",), "v": ("p",),
    "ng": ("nk",), "mm": ("mp",), "nn": ("nt",), "ll": ("lt",), "rr": ("rt",), "lj": ("lk",),
    "rj": ("rk",), "r": ("rk",), "l": ("lk",), "h": ("hk",), "j": ("k",),
}  # fmt: skip


def _strengthen(stem: str) -> list[str]:
    end = len(stem)
    while end > 0 and stem[end - 1] in _VOWELS:
        end -= 1
    start = end
    while start > 0 and stem[start - 1] not in _VOWELS:
        start -= 1
    if end == len(stem) or start == end or start == 0:
        return []
    cluster, before, after = stem[start:end], stem[:start], stem[end:]
    out = [before + strong + after for strong in _GRADATION.get(cluster, ())]
    if len(cluster) > 1 and cluster[-1] in "kpt":  # "Antin" → Antti, "Jarkon" → Jarkko
        out.append(before + cluster + cluster[-1] + after)
    return out


def _restore(stem: str) -> set[str]:
    out = {stem}
    if stem.endswith("se"):
        out.add(stem[:-2] + "nen")  # Virtase-n → Virtanen
    if stem.endswith("s"):
        out.add(stem[:-1] + "nen")  # Virtas-ta → Virtanen
    if stem.endswith("kse"):
        out.add(stem[:-3] + "s")  # Tuomakse-n → Tuomas
    if stem.endswith("ee"):
        out.add(stem[:-1])  # Tamperee-n → Tampere
    if stem.endswith("e"):
        out.add(stem[:-1] + "i")  # Nieme-n → Niemi
    if stem.endswith("i") and len(stem) > 3:
        out.add(stem[:-1])  # Eriki-n → Erik
    for form in list(out):
        out.update(_strengthen(form))
    return out


@lru_cache(maxsize=65536)
def finnish_bases(word: str) -> frozenset[str]:
    """Possible base forms of a lower-case word if it is an inflected name (with itself).

    Generous by design: the candidates are only ever looked up in the word lists.
    """
    stems = {word}
    for clitic in _CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= 3:
            stems.add(word[: -len(clitic)])
    for form in list(stems):
        for ending in _ENDINGS:
            if form.endswith(ending) and len(form) - len(ending) >= 2:
                stems.add(form[: -len(ending)])
        # Illative with a doubled vowel: "Pekkaan" → Pekka, "Anneen" → Anne.
        if len(form) > 4 and form[-1] == "n" and form[-2] == form[-3] and form[-2] in _VOWELS:
            stems.add(form[:-2])
    bases: set[str] = set()
    for stem in stems:
        bases |= _restore(stem)
    return frozenset(b for b in bases if len(b) >= 2)


# --- case forms of the listed names --------------------------------------------------------

_BACK_VOWELS = frozenset("aou")
#: Strong → weak grade before a name's last vowel, for the cases built on the weak stem
#: (Pekka → Pekan, Lahti → Lahden, Lampi → Lammen, Honka → Hongan, Kärki → Kärjen).
_WEAKENING = {
    "kk": ("k",), "pp": ("p",), "tt": ("t",), "ht": ("hd",), "mp": ("mm",), "nk": ("ng",),
    "lt": ("ll",), "rt": ("rr",), "nt": ("nn",), "rk": ("rj",), "lk": ("lj",),
}  # fmt: skip


def _harmony(word: str) -> tuple[str, str]:
    """The "a"/"ä" and "o"/"ö" a case ending takes after ``word`` (vowel harmony)."""
    back = any(ch in _BACK_VOWELS for ch in word)
    return ("a", "o") if back else ("ä", "ö")


def _weak_stems(stem: str, surname: bool) -> set[str]:
    """``stem`` with its last consonants in the weak grade, and itself (names often keep the
    strong grade: Aki → Akin). First names weaken only double stops (Pekka → Pekan, Antti →
    Antin); Finnish word-surnames more (Lahti → Lahden, Lampi → Lammen, Mäki → Mäen)."""
    out = {stem}
    end = len(stem)
    while end > 0 and stem[end - 1] in _VOWELS:
        end -= 1
    head, tail = stem[:end], stem[end:]
    for strong, weak in _WEAKENING.items():
        if head.endswith(strong) and (surname or strong in ("kk", "pp", "tt")):
            out.update(head[: -len(strong)] + w + tail for w in weak)
    if surname and len(head) >= 2 and head[-1] == "k" and head[-2] in _VOWELS:
        out.add(head[:-1] + tail)  # Mäki → Mäen (with "i" → "e")
    return out


def name_forms(name: str, surname: bool = False) -> set[str]:
    """The singular case forms (and the common plural ones) of a lower-case name, as Finnish
    inflects it: "virtanen" → virtasen, virtaselle, virtasta...; ``surname``: inflect a
    final "i" as Finnish words do (Niemi → Niemen), not as first names (Olli → Ollin).

    Deliberately plain: a form the rules miss is still found by Voikko where it is
    installed, and a form they invent is only ever looked up.
    """
    a, _ = _harmony(name)
    forms = {name}
    singular = ("n", "lle", "ll" + a, "lt" + a, "ss" + a, "st" + a, "ksi", "tt" + a, "n" + a)
    if name.endswith("nen") and len(name) > 4:
        stem = name[:-3]
        forms.update(stem + "se" + e for e in (*singular, "en", "t"))
        forms.update(stem + "s" + e for e in ("t" + a, "ten"))
        forms.update(stem + "si" + e for e in ("en", a, "lle", "ll" + a, "lt" + a, "in", "n" + a))
        return forms
    last = name[-1]
    if last in _VOWELS:
        forms.update(name + e for e in (a, last + "n", "n" + a))  # Pekkaa, Pekkaan, Pekkana
        weak = _weak_stems(name, surname)
        if last == "i" and surname:  # Niemi → Niemen, Niemeä, Niemeen; Mäki → Mäen
            for stem in weak | {name}:
                forms.update(stem[:-1] + "e" + e for e in (*singular[:-2], a))
            forms.update(name[:-1] + "e" + e for e in ("en", "n" + a))
        else:
            for stem in weak:
                forms.update(stem + e for e in singular[:-1])
        if last == "e":  # Anne → Annen, Anneen; Laine → Laineen, Laineelle, Lainetta
            forms.update(name + "e" + e for e in singular[:-2])
            forms.update(name + e for e in ("en", "tt" + a))
        return forms
    # A consonant at the end takes a connecting "i": Erik → Erikin, Smith → Smithille.
    forms.update(name + "i" + e for e in (*singular, a, "in"))
    if last == "s":  # Tuomas → Tuomaksen; Armas → Armaan
        stem = name[:-1] + "kse"
        forms.update(stem + e for e in (*singular[:-1], "en"))
        forms.add(name + "t" + a)
        forms.update(name[:-1] + name[-2] + e for e in ("n", "lle", "ll" + a, "lt" + a))
    return forms


@lru_cache(maxsize=1)
def _name_index() -> dict[str, frozenset[str]]:
    """Every generated case form of a listed name → the names it can be a form of."""
    lexicon = _lexicon()
    index: dict[str, set[str]] = {}
    for name in lexicon.names:
        surname = name in lexicon.last and name not in lexicon.first
        parts = name.split("-")
        if len(parts) > 1:  # Anna-Liisa: only the last part inflects
            head = "-".join(parts[:-1]) + "-"
            generated = {head + f for f in name_forms(parts[-1], surname)}
        else:
            generated = name_forms(name, surname)
        for form in generated:
            index.setdefault(form, set()).add(name)
    return {form: frozenset(names) for form, names in index.items()}


def _without_clitics(word: str) -> set[str]:
    """``word`` and, when it ends in a clitic, the word without it ("ollenkaan" → ollen)."""
    forms = {word}
    for clitic in _CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= 3:
            forms.add(word[: -len(clitic)])
    return forms


def listed_names(word: str, capitalised: bool = True) -> frozenset[str]:
    """The listed names a lower-case ``word`` can be a case form of ("pekan" → pekka),
    also with a clitic ("pekkakin") or, capitalised, a Swedish genitive ("Annas")."""
    index = _name_index()
    found: set[str] = set()
    for form in _without_clitics(word):
        found.update(index.get(form, ()))
    if capitalised and len(word) > 3 and word.endswith("s"):
        found.update(index.get(word[:-1], ()))
    return frozenset(found)


# --- classifying words ---------------------------------------------------------------------


@dataclass(frozen=True)
class WordClass:
    """What one word can be, for the name rules."""

    person: bool = False  # a first name or surname
    weak: bool = False  # ...that is also an ordinary word or a place
    first: bool = False  # can be a first name
    place: bool = False
    organisation: bool = False
    known: bool = False  # Voikko or a list knows the word at all
    listed: bool = False  # the lexicon lists it as a name (not only Voikko)
    verb: bool = False  # Voikko also reads it as a Finnish verb ("Toivon": I hope)


_NOT_A_NAME = WordClass(known=True)
_UNKNOWN = WordClass()
_PERSON_CLASSES = frozenset({"etunimi", "sukunimi"})
_PROPER_CLASSES = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})


class _Classifier:
    """Classifies lower-case words from the lexicon and, optionally, Voikko (cached)."""

    def __init__(self, engine: NameEngine) -> None:
        self.engine = engine
        self._cache: dict[tuple[str, bool, bool], WordClass] = {}
        self._analyses: dict[str, list[tuple[str, str]]] = {}

    def _analyse(self, word: str) -> list[tuple[str, str]]:
        found = self._analyses.get(word)
        if found is None:
            handle = _voikko_handle()[0]
            with VOIKKO_LOCK:
                raw: list[dict[str, str]] = handle.analyze(word)
            found = [(a.get("CLASS", ""), a.get("BASEFORM", "").lower()) for a in raw]
            if len(self._analyses) > 200_000:  # a long-running server: keep memory bounded
                self._analyses.clear()
            self._analyses[word] = found
        return found

    def classify(self, word: str, finnish: bool, capitalised: bool = True) -> WordClass:
        """The class of ``word`` (lower case); ``finnish``: the text is Finnish."""
        key = (word, finnish, capitalised)
        found = self._cache.get(key)
        if found is None:
            found = self._classify_word(word, finnish, capitalised)
            if "-" in word and not found.person and not found.organisation:
                found = self._classify_compound(word, finnish) or found
            if not found.known and not finnish and capitalised and len(word) > 4:
                found = self._classify_genitive(word) or found
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _classify_genitive(self, word: str) -> WordClass | None:
        """A capitalised word nobody knows in Swedish or English text, ending in a genitive
        "-s" after a name Voikko knows ("Kristers" → Krister); the lists' names are matched
        so already (:func:`listed_names`)."""
        if self.engine != "voikko" or not word.endswith("s") or word.endswith("ss"):
            return None
        stem = self._classify_word(word[:-1], False, True)
        if stem.person and not stem.weak and not stem.place:
            return stem
        return None

    def _classify_compound(self, word: str, finnish: bool) -> WordClass | None:
        parts = [p for p in word.split("-") if p]
        if len(parts) < 2:
            return None
        classes = [self._classify_word(p, finnish, True) for p in parts]
        if any(c.organisation for c in classes):
            return WordClass(organisation=True, known=True)
        if all(c.person for c in classes):
            return WordClass(
                person=True,
                weak=all(c.weak for c in classes),
                first=classes[0].first,
                known=True,
            )
        if classes[0].person and all(_title_word(p) or p.startswith("nimi") for p in parts[1:]):
            # "Pirkko-tätini", "Matti-setä": a name with a kinship word or title; "Sisko-
            # nimisen naisen": one named so.
            return WordClass(person=True, first=True, known=True)
        return None

    def _classify_word(self, word: str, finnish: bool, capitalised: bool) -> WordClass:
        lexicon = _lexicon()
        # Places and organisations by generous stripping of case endings; names by the
        # exact case forms of the listed names, which is stricter ("olleet" is no Olle).
        bases = finnish_bases(word)
        names = listed_names(word, capitalised)
        if word in lexicon.organisations or (len(word) > 3 and bases & lexicon.organisations):
            # A system's or brand's name that is also a first name ("Wilma"): a name only
            # after a kinship word ("tyttäreni Wilma"), see _names.
            first = bool(names & lexicon.first)
            return WordClass(organisation=True, person=first, weak=first, first=first, known=True)
        if word in lexicon.function_words and not names & lexicon.ambiguous:
            return _NOT_A_NAME  # "the", "more" (Voikko knows a More); not "Will", "Into"
        lex_first = bool(names & lexicon.first)
        lex_last = bool(names & lexicon.last)
        lex_person = lex_first or lex_last
        lex_place = bool(bases & lexicon.places)
        lex_weak = bool(names & lexicon.ambiguous)
        v_person = v_first = v_place = v_proper = v_common = v_verb = False
        readings: list[tuple[str, str]] = []
        if self.engine == "voikko":
            readings = self._analyse(word)
            classes = {cls for cls, _ in readings}
            v_person = bool(classes & _PERSON_CLASSES)
            v_first = "etunimi" in classes
            v_place = "paikannimi" in classes
            v_proper = "nimi" in classes
            # A listed name (not in [ambiguous]) that Voikko also reads only as a case form of
            # another word ("Oksana": oksa + essive) is a name: the list was checked for that
            # (bench/privacy_lexicon.py), and the lexicon engine reads it so too.
            curated = word in lexicon.names and word not in lexicon.ambiguous
            v_common = any(
                cls not in _PROPER_CLASSES
                and not _rare_adjective(cls, base, lex_last)
                and not (curated and base != word)
                for cls, base in readings
            )
            v_verb = "teonsana" in classes
        else:
            lex_weak = lex_weak or bool(_without_clitics(word) & lexicon.collisions)
        person = v_person or lex_person
        if v_proper and not person:
            return WordClass(organisation=True, known=True)
        # Voikko calls many names places too (Nieminen, Niina-Maria): only the lists'
        # places (Lahti, Salo, Kaarina) make a name ambiguous that way.
        place = lex_place or (v_place and not person)
        known = bool(readings) or lex_person or lex_place or word in lexicon.ambiguous
        if not person:
            return WordClass(place=place, known=known) if known else _UNKNOWN
        weak = lex_weak or place or (finnish and v_common)
        return WordClass(
            person=True,
            weak=weak,
            first=v_first or lex_first,
            place=place,
            known=True,
            listed=lex_person,
            verb=finnish and v_verb,
        )


def _rare_adjective(cls: str, base: str, surname: bool) -> bool:
    """Voikko's adjective reading of a surname like Mäkinen or Koskinen ("hilly", "rapid")
    is rare enough to ignore; demonyms (Karjalainen, Savolainen) are kept ambiguous."""
    return (
        surname
        and cls in ("laatusana", "nimisana_laatusana")
        and base.endswith("inen")
        and not base.endswith(("lainen", "läinen"))
    )


_CLASSIFIERS: dict[NameEngine, _Classifier] = {}


def _classifier(engine: NameEngine) -> _Classifier:
    found = _CLASSIFIERS.get(engine)
    if found is None:
        found = _CLASSIFIERS[engine] = _Classifier(engine)
    return found


# --- the text's language -------------------------------------------------------------------

_HINTS: dict[TextLanguage, frozenset[str]] = {
    "fi": frozenset(
        """ja on ei että se oli mutta kun jos ovat olla myös tai kanssa hän me he ole mitä
        kuin sen niin vielä jo siitä pitäisi voisi tämä minä mä meillä heillä oma omaa
        olisi ollut voi saa sai tarvitaan pitää mikä miten""".split()
    ),
    "sv": frozenset(
        """och är att det som inte med för på av ett till har om jag vi kan ska den var
        eller från också hon hade skulle måste vill behöver""".split()
    ),
    "en": frozenset(
        """the and is are to of that it with for was not be this have they we you she but
        my our there their would should could been has had will or one more per an as at by
        from in up out all any each which who what when where how if so than then into about
        after before over under very much many some""".split()
    ),
}


_FUNCTION_WORDS = frozenset().union(*_HINTS.values())


def _text_language(text: str, lang: str) -> TextLanguage:
    """The language the words of ``text`` look most like; the event's ``lang`` on a tie."""
    default: TextLanguage = "sv" if lang == "sv" else "en" if lang == "en" else "fi"
    counts = dict.fromkeys(_HINTS, 0)
    for word in _WORD.findall(text.lower()):
        for language, hints in _HINTS.items():
            if word in hints:
                counts[language] += 1
    best = max(counts.values())
    if best == 0 or counts[default] == best:
        return default
    return max(_HINTS, key=lambda language: counts[language])


# --- names ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: Characters after which a capitalised word begins a sentence (or a list item, a quote).
_NOT_SENTENCE_START = frozenset(",)&%€$+=")
#: Abbreviations whose full stop does not end a sentence (also "t." and "terv." before the
#: name that signs a post).
_ABBREVIATIONS = frozenset(
    """esim mm ns yms jne ym vrt ks n ca klo puh p tel s os as e.g i.e etc vs kts
    dr mr mrs ms prof st jr t terv nro""".split()
)
_SURNAME_ENDING = re.compile(
    r"[aeiouyäö](?:nen|se(?:n|lle|lla|llä|lta|ltä|ssa|ssä|sta|stä|en|na|nä|ksi))$"
)
#: Verbal nouns and adjectives with that ending ("Kuuleminen", "Taloudellinen").
_NOT_SURNAME_ENDING = re.compile(r"(?:mi|lli|isi|mai|mäi)(?:nen|se\w*)$")
#: Swedish surnames by their ending, also in the genitive ("Henrikssons pappa").
_SWEDISH_SURNAME = re.compile(r"\w{2}(?:sson|ström|qvist|kvist)s?$")
_NOT_SWEDISH_SURNAME = frozenset({"lesson", "lessons"})
#: After a title, a capitalised word in these Finnish cases ("from", "in", "at", the
#: genitive) begins an organisation's name rather than names a person ("työntekijä
#: Ohjaamosta", "asiantuntija Terveyden ja hyvinvoinnin laitokselta").
_NOT_AFTER_TITLE = ("lta", "ltä", "sta", "stä", "ssa", "ssä", "lla", "llä", "n")

# Grammar words of the context rules (see _Cues).
_COPULAS = frozenset({"on", "oli", "är", "var", "is", "was"})
_POSSESSIVES = frozenset(
    """mun minun meidän meiän sun sinun hänen sen min mitt mina vår vårt våra din ditt
    my our your his her""".split()
)
#: Before a lower-case word in Swedish or English text these make it an ordinary word
#: ("the bill said", "min vilja").
_DETERMINERS = frozenset(
    """the a an this that these those my your his her our their its some any no every
    den det de en ett min mitt mina din ditt hans hennes vår vårt våra er deras dess denna
    detta""".split()
)
#: Titles that say the next word is a name ("jag heter stig"), even an ambiguous one.
_NAMING_WORDS = frozenset({"nimeltä", "nimeltään", "heter", "named"})
#: Possessive pronouns that look like a name in the genitive ("Hans mamma": his mother).
_NOT_GENITIVE = frozenset({"hans", "hennes", "dess", "deras"})
_INITIAL = re.compile(r"[ \t\u00a0]+[A-ZÅÄÖ]\.(?!\w)")
#: "X and I", "X och jag", "X ja minä/mä/mie"; "me and X", "jag och X", "mä ja X".
_WITH_ME_AFTER = re.compile(
    r"[ \t\u00a0]+(?:and|och|ja|&)[ \t\u00a0]+(?:I|jag|minä|mä|mää|mie)(?![\w'’])"
)
_WITH_ME_BEFORE = re.compile(
    r"(?<![\w'’])(?:me|myself|I|jag|minä|mä|mää|mie)[ \t\u00a0]+(?:and|och|ja|&)[ \t\u00a0]+$",
    re.IGNORECASE,
)
#: An age after a name: "(7v)", "(45)", "(7 v.)", ", 67 år", " 12-vuotias" .
_AGE = re.compile(
    r"(?:[ \t\u00a0]*\([ \t\u00a0]*(?P<years>\d{1,3})[ \t\u00a0]*"
    r"(?:v\.?|vee|vuotta|vuotias|år|åriga?|y|y\.?o\.?|yrs?|years?(?: old)?)?[ \t\u00a0]*\)"
    r"|,?[ \t\u00a0]+(?P<years2>\d{1,3})[ \t\u00a0]?(?:v|v\.|vee|-?vuotias|år|åriga?|y\.?o\.?|yrs?)"
    r"(?![\w/]))"
)
_HERE = frozenset({"täällä", "tässä", "here", "här", "täs", "tääl"})
#: "X ja hänen lapset", "X and her kids", "X och hans fru": someone with a person's own.
_PARTNER = re.compile(
    r"[ \t\u00a0]+(?:ja|sekä|and|och|&)[ \t\u00a0]+(?:hänen|hänel\w*|her|his|hans|hennes)(?!\w)",
    re.IGNORECASE,
)
#: A title in brackets after a name, a few words long: "Hope (our peer worker)".
_BRACKET = re.compile(r"[ \t\u00a0]*\(([^()]{1,48})\)")
#: Words that begin a sentence as its subject and are not names, for a word no list knows
#: before a verb of speech ("Everyone said", "Joku sanoi", "Alla sa").
_SUBJECT_WORDS = frozenset(
    """everyone everybody someone somebody nobody anyone anybody people staff parents kids
    children others many most some both all few several he she they we you it i this that
    who which one none each either neither nurses doctors workers members participants
    hän se joku kukaan moni monet kaikki jokainen yksi toinen eräs he me te sinä minä mä sä
    ne osa molemmat kumpikin ihmiset asiakas asiakkaat henkilökunta ryhmä muut muutama
    useampi jäsenet osallistujat hon han de vi ni man någon ingen alla många några båda
    flera andra folk personalen föräldrarna barnen colleagues friends team folks guys ladies
    gentlemen members everybody's kaikille ystävät""".split()
)
#: The Finnish inessive, elative and illative ("in", "from", "into"): a place's or a
#: brand's cases rather than a person's ("Spotifysta", "Lidlissä", "Ideaparkkiin").
_PLACE_CASE = re.compile(r"(?:ss[aä]|st[aä]|(?P<v>[aeiouyäö])(?P=v)n|seen|hin|hen|hun)$")
#: Verbs of speech in the present tense ("Research says").
_PRESENT_SPEECH = frozenset({"says", "säger", "tells", "thinks", "knows", "wants", "works"})
#: Kinship words: after them a system's name that is also a first name is the person's
#: ("tyttäreni Wilma", "min dotter Wilma").
_KINSHIP = re.compile(
    r"(?:tyttär|tytär|poika|poja|äiti|äidi|isä|sisko|sisar|veli|velje|vaimo|puoliso|serkku"
    r"|mummo|mummi|vaari|täti|tädi|setä|sedä|lapsi|lapse|lapsenlap|dotter|son|sonen|mamma"
    r"|pappa|syster|bror|sambo|barnbarn|daughter|mother|mum|mom|dad|father|sister|brother"
    r"|wife|husband|cousin|aunt|uncle|niece|nephew|grandson|granddaughter)\w*"
)
#: "at the", "from the", "på", "från": an affiliation after a name.
_AFFILIATION = re.compile(
    r"[ \t\u00a0]+(?:(?:at|from|of|with)[ \t\u00a0]+(?:the|our|my)|på|från|vid|hos)[ \t\u00a0]+",
    re.IGNORECASE,
)
#: The head noun of a service, office or group an affiliated person works at or belongs to.
_SERVICE_NOUN = re.compile(
    r"(?:office|offices|group|team|centre|center|council|clinic|unit|service|services|agency"
    r"|project|shelter|department|ngo|charity|association|library|school|hospital|ward"
    r"|kontoret|gruppen|föreningen|kommunen|byrån|mottagningen|enheten|centret|centralen"
    r"|projektet|teamet|\w+byrån|\w+kontoret|\w+gruppen|\w+föreningen)"
)
#: Finnish verbs in the first person that look like a name's genitive ("Toivon", "Uskon"):
#: the lists alone cannot tell them apart, Voikko can (``WordClass.verb``).
_VERB_GENITIVES = frozenset({"toivon", "uskon", "luulen", "sanon", "kerron", "annan"})
_GREETING_GAP = re.compile(r"\.?[ \t\u00a0]{1,3}")
#: Between a name and the phone number or e-mail address that follows it.
_CONTACT_GAP = re.compile(
    r"[\s,:;(–-]*(?:(?:puh|p|tel|tfn|nro|numero|gsm|mob|mobile|phone|email|e-mail|meili"
    r"|sähköposti|s-posti|sposti|mail|mejl|e-post|on|at|på|numerossa)\.?:?\s*)?",
    re.IGNORECASE,
)


@dataclass
class _Token:
    start: int
    end: int
    lower: str
    capitalised: bool
    all_caps: bool
    initial: bool
    possessive: bool  # an English "'s" followed (it is not part of the token)
    cls: WordClass


def _tokens(
    text: str, finnish: bool, classifier: _Classifier, taken: list[tuple[int, int]]
) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _WORD.finditer(text):
        start, end = m.start(), m.end()
        if any(start < stop and begin < end for begin, stop in taken):
            continue
        word = m.group()
        possessive = False
        if word[-2:] in ("'s", "’s") and len(word) > 3:  # English possessive: "Smith's"
            end -= 2
            word = word[:-2]
            possessive = True
        if len(word) < 2:
            continue
        if len(word) <= 4 and not word.isupper() and any(ch.isupper() for ch in word[1:]):
            continue  # a statute's or body's abbreviation ("SoL", "LsL"), never a name
        lower = word.lower()
        capitalised = word[0].isupper()
        all_caps = word.isupper()
        cls = classifier.classify(lower, finnish, capitalised)
        initial = _sentence_start(text, start)
        tokens.append(_Token(start, end, lower, capitalised, all_caps, initial, possessive, cls))
    return tokens


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\u00a0":
        i -= 1
    if i < 0:
        return True
    ch = text[i]
    if ch.isalnum() or ch in _NOT_SENTENCE_START:
        return False
    if ch == ".":
        j = i
        while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
            j -= 1
        if text[j:i].lower() in _ABBREVIATIONS:
            return False
    return True


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end : right.start]
    return 0 < len(gap) <= 3 and gap.strip(" \t\u00a0") == ""


@lru_cache(maxsize=1)
def _title_stems() -> re.Pattern[str]:
    """The titles' stems as one pattern ("ohjaaj*" matches inside "palveluohjaajalle")."""
    stems = _lexicon().title_stems
    return re.compile("|".join(map(re.escape, stems)) if stems else "(?!)")


def _title_word(lower: str) -> bool:
    return lower in _lexicon().titles or _title_stems().search(lower) is not None


def _is_title(token: _Token) -> bool:
    return _title_word(token.lower)


class _Cues:
    """The context that makes a word that may be a name one: a weak name ("Helmi", "Lotan")
    at the start of a sentence or in lower case, or a listed name in lower case in Swedish or
    English text ("mats sa"), counts only with one of these cues."""

    def __init__(
        self, text: str, tokens: list[_Token], found: list[Finding], language: TextLanguage
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.language = language
        self.lexicon = _lexicon()
        self.contacts = [f for f in found if f.kind in ("phone", "email")]
        # The words of the e-mail addresses' mailbox names ("grace.o at yahoo.com").
        self.mail_words: set[str] = set()
        for f in found:
            m = _EMAIL.fullmatch(text, f.start, f.end) if f.kind == "email" else None
            if m:
                self.mail_words.update(
                    w.lower() for w in _WORD.findall(m.group("local")) if len(w) >= 3
                )

    def after(self, i: int) -> int | None:
        """The index of the word right after word ``i`` (a few spaces between), if any."""
        if i + 1 >= len(self.tokens):
            return None
        left, right = self.tokens[i], self.tokens[i + 1]
        gap = self.text[left.end + (2 if left.possessive else 0) : right.start]
        return i + 1 if 0 < len(gap) <= 3 and gap.strip(" \t\u00a0") == "" else None

    def any(self, i: int) -> bool:
        """Whether a cue makes word ``i`` a name. Never for a kinship word ("Sisko soitti");
        an ambiguous word in lower case only by what is said of it, its e-mail address or an
        English "'s", not by a bare genitive or a greeting ("onnen numero", "thanks will do")."""
        token = self.tokens[i]
        if _is_title(token):
            return False
        if (
            self.speech(i)
            or self.copula(i)
            or self.apposition(i)
            or self.initial_after(i)
            or self.mailbox(i)
            or self.signature(i)
            or self.mention(i)
            or self.with_me(i)
            or self.age(i)
            or self.introduction(i)
            or self.partner(i)
        ):
            return True
        if token.capitalised or not token.cls.weak:
            return (
                self.possession(i)
                or self.matter(i)
                or self.contact(i)
                or self.greeting(i)
                or self.affiliation(i)
            )
        if token.possessive:
            return self.possession(i)  # "robin's number"
        # "thanks anna!", "tack karin för kaffet"; not "thanks will do".
        return self.greeting(i) and self._ends_phrase(i)

    def apposition(self, i: int) -> bool:
        """A title in brackets or between commas right after it: "Rauha (kokemusasiantuntija)
        kertoi", "Usko, ohjaaja, lupasi", also a few words in brackets ending in a title
        ("Hope (our peer worker)")."""
        token = self.tokens[i]
        bracket = _BRACKET.match(self.text, token.end)
        if bracket:
            words = [w.lower() for w in _WORD.findall(bracket.group(1))]
            if 1 < len(words) <= 4 and _title_word(words[-1]) and not words[-1].endswith("n"):
                return True
        if i + 1 >= len(self.tokens):
            return False
        title = self.tokens[i + 1]
        opening = self.text[token.end : title.start].strip(" \t\u00a0")
        closing = self.text[title.end : title.end + 2].lstrip(" \t\u00a0")[:1]
        return (
            (opening, closing) in (("(", ")"), (",", ","))
            and _is_title(title)
            and not (self.language == "fi" and title.lower.endswith("n"))
        )

    def initial_after(self, i: int) -> bool:
        """A surname's initial right after it: "Helmi K. kertoi", "Toivo L."."""
        return _INITIAL.match(self.text, self.tokens[i].end) is not None

    def _ends_phrase(self, i: int) -> bool:
        j = i + 1
        if j >= len(self.tokens):
            return True
        gap = self.text[self.tokens[i].end : self.tokens[j].start]
        return gap.strip(" \t\u00a0") != "" or self.tokens[j].lower in ("for", "för", "från")

    def speech(self, i: int) -> bool:
        """A verb of saying or of coming after it: "Armas sanoi", "mats sa", "will couldnt
        come" (a two-word cue is listed with "_")."""
        j = self.after(i)
        if j is None:
            return False
        word = self.tokens[j].lower
        if word in self.lexicon.cues:
            return True
        k = self.after(j)
        return k is not None and f"{word}_{self.tokens[k].lower}" in self.lexicon.cues

    def copula(self, i: int) -> bool:
        """Being someone's relative or worker: "Helmi on mun kummitäti", "Grace is my
        neighbour", "Helmi on kummitätini"."""
        j = self.after(i)
        if j is None or self.tokens[j].lower not in _COPULAS:
            return False
        k = self.after(j)
        if k is None:
            return False
        if self.tokens[k].lower in _POSSESSIVES:
            # The title right after the possessive or after one word more ("Meri on meidän
            # uus kokemusasiantuntija"); not a genitive ("Toivo on meidän työntekijöiden
            # voimavara").
            m = self.after(k)
            for _ in range(2):
                if m is None:
                    return False
                word = self.tokens[m]
                if _is_title(word):
                    return not (self.language == "fi" and word.lower.endswith("n"))
                m = self.after(m)
            return False
        word = self.tokens[k]
        return _is_title(word) and word.lower.endswith(("ni", "mme"))

    def possession(self, i: int) -> bool:
        """A genitive before what only a person has: "Lotan numero", "Annan poika", "Harjun
        perheellä", "Henrikssons pappa", "robin's number"."""
        token = self.tokens[i]
        if token.cls.place or token.lower in _NOT_GENITIVE:
            return False
        if self.language == "fi":
            # Not "-nen": "virolainen kaveri" is a nominative.
            genitive = token.lower.endswith("n") and not token.lower.endswith("nen")
        elif self.language == "sv":
            genitive = token.lower.endswith("s")
        else:
            genitive = token.possessive
        if not genitive:
            return False
        j = self.after(i)
        if j is None:
            return False
        word = self.tokens[j].lower
        possessions = self.lexicon.possessions
        if word in possessions:
            return True
        # A case form of the possession ("Harjun perheellä") only after a word that is not
        # also a verb: "Toivon perheille lisää tukea" is "I wish families more support".
        return not token.cls.verb and len(word) > 4 and bool(finnish_bases(word) & possessions)

    def matter(self, i: int) -> bool:
        """A Finnish genitive before what only a person goes through or gets: "Armaksen
        kuntoutus", "Onnin hoito", "Rauhan päätös" (the base form only); never a verb form
        that looks like a genitive ("Toivon päätös tulee pian": I hope the decision comes).
        """
        token = self.tokens[i]
        if self.language != "fi" or not token.cls.first or token.cls.place:
            return False  # a first name: "Järven hoito" is the lake's
        if not token.lower.endswith("n"):
            return False
        if token.cls.verb or token.lower.endswith("nen") or token.lower in _VERB_GENITIVES:
            return False
        j = self.after(i)
        return j is not None and self.tokens[j].lower in self.lexicon.matters

    def swedish_genitive(self, i: int) -> bool:
        """A capitalised word inside a sentence with a genitive "-s" before what only a
        person has: "ring Kristers nummer", "Zlatans mamma"; not an organisation's or a
        place's ("Folkhälsans nummer", "Vasas"), nor the last word of a longer proper
        name ("Röda Korsets nummer")."""
        token = self.tokens[i]
        if token.initial or len(token.lower) < 4 or not token.lower.endswith("s"):
            return False
        if i > 0 and self.tokens[i - 1].capitalised and self.after(i - 1) == i:
            return False
        j = self.after(i)
        if j is None or self.tokens[j].lower not in self.lexicon.possessions:
            return False
        stem = self.tokens[i].lower[:-1]
        lexicon = self.lexicon
        return not (
            stem in lexicon.organisations
            or stem in lexicon.places
            or finnish_bases(stem) & (lexicon.organisations | lexicon.places)
        )

    def with_me(self, i: int) -> bool:
        """Coordinated with "I": "May and I translated", "Stig och jag leder", "Onni ja mä",
        "me and will"."""
        token = self.tokens[i]
        if _WITH_ME_AFTER.match(self.text, token.end + (2 if token.possessive else 0)):
            return True
        return _WITH_ME_BEFORE.search(self.text, 0, token.start) is not None

    def age(self, i: int) -> bool:
        """An age right after it: "Onni (7v)", "Helmi (45)", "Stig, 67 år,", "Lempi 7v"."""
        m = _AGE.match(self.text, self.tokens[i].end)
        return m is not None and 0 < int(m.group("years") or m.group("years2")) <= 110

    def introduction(self, i: int) -> bool:
        """Introducing oneself at the start of a post: "sari täällä, mulla on...", "Will
        here!", "Stig här." (not "Rauha täällä on ihana": the peace here is lovely)."""
        if not (i == 0 or (i == 1 and self.tokens[0].lower in self.lexicon.greetings)):
            return False
        j = self.after(i)
        if j is None or self.tokens[j].lower not in _HERE:
            return False
        rest = self.text[self.tokens[j].end :].lstrip(" \t\u00a0")
        if not rest or rest[0] in ",.!:;-–—":
            return True
        k = self.after(j)
        return k is not None and self.tokens[k].lower in self.lexicon.greetings

    def partner(self, i: int) -> bool:
        """Someone with a person's own after it: "X ja hänen lapset", "X and her kids"."""
        return _PARTNER.match(self.text, self.tokens[i].end) is not None

    def affiliation(self, i: int) -> bool:
        """Someone "at the" or "from the" office, group or service: "Grace at the housing
        office was...", "Frank Osei from the peer group" (the service's word within three
        words), "Stig från föreningen"; not "Grace at the end of the day"."""
        if self.language == "fi":
            return False
        m = _AFFILIATION.match(self.text, self.tokens[i].end)
        if m is None:
            return False
        k = next(
            (n for n in range(i + 1, len(self.tokens)) if self.tokens[n].start == m.end()), None
        )
        for _ in range(3):
            if k is None:
                return False
            word = self.tokens[k]
            if word.cls.organisation or _SERVICE_NOUN.fullmatch(word.lower):
                return True
            if m.group().strip().lower().startswith(("from", "från")) and word.lower in (
                "table",
                "bord",
                "bordet",
            ):
                return True  # "Will from our table said", "Bo från vårt bord"
            k = self.after(k)
        return False

    def mailbox(self, i: int) -> bool:
        """The word names an e-mail address in the same post: "Grace ... grace.o at yahoo.com"."""
        if not self.mail_words:
            return False
        lower = self.tokens[i].lower
        return lower in self.mail_words or bool(finnish_bases(lower) & self.mail_words)

    def contact(self, i: int) -> bool:
        """A capitalised word right before a phone number or e-mail address: "Helmi 040 123
        4567", "Satu, puh. 040..."."""
        token = self.tokens[i]
        if not token.capitalised:
            return False
        return any(
            c.start >= token.end and _CONTACT_GAP.fullmatch(self.text, token.end, c.start)
            for c in self.contacts
        )

    def greeting(self, i: int) -> bool:
        """A greeting, thanks or request right before it, with no comma: "thanks ahmed", "ask
        fatima", "hej kristoffer" (not "thanks, will do")."""
        if i == 0:
            return False
        before = self.tokens[i - 1]
        gap = self.text[before.end : self.tokens[i].start]
        return before.lower in self.lexicon.greetings and _GREETING_GAP.fullmatch(gap) is not None

    def signature(self, i: int) -> bool:
        """A dash before the last word of the post: "kiitos kaikille! -Satu"; or, for a
        capitalised listed name in its base form, an emoji or the end of a sentence before
        it ("...ollu samassa tilanteessa 🙏 Kari")."""
        token = self.tokens[i]
        if any(ch.isalnum() for ch in self.text[token.end :]):
            return False
        before = self.text[: token.start].rstrip(" \t\u00a0")
        if before.endswith(("-", "–", "—", "/")) and (len(before) == 1 or not before[-2].isalnum()):
            return True
        if not token.capitalised or token.lower not in self.lexicon.names:
            return False
        return bool(before) and (_emoji(before[-1]) or before[-1] in ".!?")

    def mention(self, i: int) -> bool:
        """A chat mention: "@helmi"."""
        start = self.tokens[i].start
        return start > 0 and self.text[start - 1] == "@"

    def determiner_before(self, i: int) -> bool:
        """An article or possessive right before it: "the bill", "min vilja"."""
        return i > 0 and self.tokens[i - 1].lower in _DETERMINERS and self.after(i - 1) == i

    def coordinated_listed(self, i: int) -> bool:
        """Two listed names in lower case joined by "and", at least one of them unambiguous:
        "eva och kristoffer"."""
        token = self.tokens[i]
        for j in (i - 2, i - 1, i + 1, i + 2):
            if not 0 <= j < len(self.tokens):
                continue
            other = self.tokens[j]
            if (
                other.cls.listed
                and not other.capitalised
                and not (token.cls.weak and other.cls.weak)
                and not self.determiner_before(j)
                and _coordinated(self.text, token, other)
            ):
                return True
        return False


def _emoji(ch: str) -> bool:
    """An emoji or a pictograph (a symbol far beyond the punctuation marks)."""
    return ord(ch) >= 0x2190 and not ch.isalnum()


def _names(
    text: str,
    language: TextLanguage,
    classifier: _Classifier,
    found: list[Finding],
) -> list[Finding]:
    finnish = language == "fi"
    tokens = _tokens(text, finnish, classifier, [(f.start, f.end) for f in found])
    if not tokens:
        return []
    lexicon = _lexicon()
    cues = _Cues(text, tokens, found, language)

    def title_before(i: int) -> bool:
        if i == 0 or not _is_title(tokens[i - 1]) or tokens[i - 1].cls.organisation:
            return False  # not "Diakonissalaitoksen Vamos" (diakon*)
        gap = text[tokens[i - 1].end : tokens[i].start]
        return gap.strip(" \t\u00a0.") == "" and 0 < len(gap) <= 3

    def blocked(i: int) -> bool:
        cls = tokens[i].cls
        if cls.organisation and cls.person and tokens[i].capitalised and kin_before(i):
            return False  # "tyttäreni Wilma": the daughter, not the school system
        if cls.organisation or (cls.place and not cls.person):
            return True
        # A month is a name only beside "I": "May and I translated".
        return (
            language == "en"
            and tokens[i].lower in lexicon.not_person
            and not (cls.person and cues.with_me(i))
        )

    def kin_before(i: int) -> bool:
        return title_before(i) and _KINSHIP.fullmatch(tokens[i - 1].lower) is not None

    def loan_position(i: int) -> bool:
        """Where a capitalised word no list knows is an English loan or part of a name of an
        event or a service: after an English function word or a number ("in Leeds", "24
        January"), next to a loanword ("Cafe Social")."""
        before = text[: tokens[i].start].rstrip(" \t\u00a0")
        if before[-1:].isdigit():
            return True
        for j in (i - 1, i + 1):
            if not 0 <= j < len(tokens):
                continue
            left, right = (tokens[j], tokens[i]) if j < i else (tokens[i], tokens[j])
            if not _adjacent(text, left, right):
                continue
            other = tokens[j]
            if other.capitalised and other.lower in lexicon.loanwords:
                return True
            if j < i and other.capitalised and other.cls.place and other.lower.endswith("n"):
                return True  # "Helsingin Sanomat", "Turun Kaupunginteatteri": a body
            if j < i and other.lower in _HINTS["en"]:
                return True
        return False

    def unknown_name(i: int) -> bool:
        """A capitalised word neither the lists nor Voikko know: a name with a strong cue
        ("Chidi said", "Esther and I", "Oksana ja hänen lapset", "text Chidi on +44...", a
        signature after an emoji), and, with Voikko in Finnish text, inside a sentence by
        itself: Voikko knows the Finnish words, so what it cannot read at all, capitalised
        mid-sentence, is a name ("kysyin Oksanalta"), unless an abbreviation, a compound
        with a hyphen, a loanword ("Cafe Social") or after an English word ("in Leeds")."""
        token = tokens[i]
        lower = token.lower
        if (
            len(lower) < 3
            or "-" in lower
            or "'" in lower
            or "’" in lower
            or title_case
            or lower in lexicon.loanwords
            or lower in _FUNCTION_WORDS
            or lower in _SUBJECT_WORDS
            or _is_title(token)
            or text[token.end : token.end + 1] == "-"  # "Sosiaali- ja terveys..."
            or loan_position(i)
            or cues.determiner_before(i)
        ):
            return False
        if language == "sv" and lower.endswith(("en", "et", "na")):
            return False  # a definite noun: "Arbetsförmedlingen ville", "Kommunen sa"
        voikko = classifier.engine == "voikko"
        if (
            cues.with_me(i)
            or cues.partner(i)
            or cues.apposition(i)
            or cues.initial_after(i)
            or cues.contact(i)
            or unknown_signature(i)
        ):
            return True
        if cues.speech(i) and (voikko or not finnish or not token.initial):
            if token.initial and not finnish:
                # "Research says", "Skolan sa": what begins an English or Swedish sentence
                # before a verb in the present, or a Swedish definite noun, is seldom a name.
                j = cues.after(i)
                verb = tokens[j].lower if j is not None else ""
                if verb in _PRESENT_SPEECH or (language == "sv" and lower.endswith("an")):
                    return False
            return True
        if cues.greeting(i) and cues._ends_phrase(i) and (voikko or not finnish):
            return True  # "thanks Chidi!", "kiitos Oksana"; not "ring Folkhälsans nummer"
        # Inside a Finnish sentence by itself; not in the cases of being in, from or into a
        # place ("Spotifysta", "Lidlissä", "Ideaparkkiin"), which brands and places take
        # far more often than people.
        return finnish and voikko and not token.initial and not _PLACE_CASE.search(lower)

    def unknown_signature(i: int) -> bool:
        """The post's last word after an emoji: "...tilanteessa 🙏 Chidi" (in Finnish text
        only where Voikko tells the Finnish words: "Kiitos kaikille 😊 Onnea")."""
        token = tokens[i]
        if finnish and classifier.engine != "voikko":
            return False
        if token.lower in lexicon.greetings:
            return False
        if i != len(tokens) - 1 or any(ch.isalnum() for ch in text[token.end :]):
            return False
        before = text[: token.start].rstrip(" \t\u00a0")
        return bool(before) and _emoji(before[-1])

    def post_start(i: int) -> bool:
        """A listed name that is no word, in lower case at the very start of a Swedish or
        English post, before a word: "mohammed fick vänta"."""
        token = tokens[i]
        return (
            i == 0
            and not text[: token.start].strip()
            and not token.cls.weak
            and len(token.lower) >= 4
            and cues.after(i) is not None
        )

    def surname_cue(i: int) -> bool:
        """A first name that is also a word, then a surname no list knows, with a cue after
        the surname: "Frank Osei from the peer group", "Bill Nkemelu said"."""
        j = cues.after(i)
        if j is None or not tokens[i].cls.first:
            return False
        surname = tokens[j]
        return (
            surname.capitalised
            and not surname.all_caps
            and not surname.cls.known
            and len(surname.lower) >= 3
            and (cues.speech(j) or cues.affiliation(j) or cues.with_me(j) or cues.age(j))
        )

    # In a title-case line ("I Will Survive", "Ideas From Table Four") capitals say nothing.
    long_words = [t for t in tokens if len(t.lower) >= 4 and not t.all_caps]
    title_case = len(long_words) >= 3 and sum(t.capitalised for t in long_words) >= 0.7 * len(
        long_words
    )
    seeds = [False] * len(tokens)
    for i, token in enumerate(tokens):
        cls = token.cls
        if blocked(i):
            continue
        if cls.person:
            if token.capitalised and not token.all_caps:
                inside = not token.initial and not (title_case and cls.weak)
                if inside and not (cls.place and not cls.first):
                    seeds[i] = True
                elif not cls.weak:
                    seeds[i] = True
                else:
                    # "Helmi on mun kummitäti", "Frank Osei from the peer group"
                    seeds[i] = title_before(i) or cues.any(i) or surname_cue(i)
            elif finnish and not cls.weak and len(token.lower) >= 3:
                seeds[i] = True  # "pekka sanoi", "PEKKA"
            elif finnish:
                seeds[i] = title_before(i) or cues.any(i)  # "sirkku soitti"
            else:
                # Swedish and English: a listed name in lower case only with a cue ("mats sa",
                # "thanks ahmed"), never after an article ("the bill said").
                named = title_before(i) and tokens[i - 1].lower in _NAMING_WORDS
                seeds[i] = (title_before(i) and (named or not cls.weak)) or (
                    cls.listed
                    and not cues.determiner_before(i)
                    and (cues.any(i) or cues.coordinated_listed(i) or post_start(i))
                )
        elif token.capitalised and not token.all_caps:
            after_title = title_before(i) and not (
                finnish and token.lower.endswith(_NOT_AFTER_TITLE)
            )
            if not cls.known and after_title:
                seeds[i] = True  # "Dr Kowalczyk"
            elif (
                not cls.known
                and finnish
                and (not token.initial or cues.speech(i))
                and _SURNAME_ENDING.search(token.lower)
                and not _NOT_SURNAME_ENDING.search(token.lower)
                and not finnish_bases(token.lower) & lexicon.ordinary
            ):
                seeds[i] = True  # "Pöllänen", a surname the lists do not know
            elif not cls.known and unknown_name(i):
                # A word no list and not Voikko knows: "Kristjan sanoi", "Chidi said".
                seeds[i] = True
            elif cls.known and not token.initial and after_title:
                seeds[i] = token.lower not in _FUNCTION_WORDS  # "omaohjaaja Kivi"
            elif _SWEDISH_SURNAME.search(token.lower):
                seeds[i] = token.lower not in _NOT_SWEDISH_SURNAME  # "Henrikssons pappa"
            elif not cls.known and language == "sv" and cues.swedish_genitive(i):
                seeds[i] = True  # "ring Kristers nummer", a name no list knows

    names = seeds[:]
    changed = True
    while changed:
        changed = False
        for i in range(len(tokens)):
            if names[i]:
                continue
            token = tokens[i]
            if blocked(i) or token.all_caps:
                continue
            if _is_title(token) and not (token.cls.person and token.capitalised):
                continue  # "Ms Korhonen": the title stays outside the name (not "Veli Virtanen")
            if not finnish and not token.capitalised and token.cls.weak:
                continue  # "will said": an ambiguous word in lower case joins nothing
            for j, to_the_right in ((i - 1, True), (i + 1, False)):
                if not 0 <= j < len(tokens) or not names[j]:
                    continue
                left, right = (tokens[j], token) if to_the_right else (token, tokens[j])
                if not _adjacent(text, left, right):
                    continue
                if _joins(token, tokens[j], to_the_right):
                    names[i] = changed = True
                    break
            if (
                not names[i]
                and token.cls.person
                and (token.capitalised or finnish or token.cls.listed)
            ):
                # "Elin och Oskar", "Satu ja Pekka": a name coordinated with a name.
                for j in (i - 2, i - 1, i + 1, i + 2):
                    if 0 <= j < len(tokens) and names[j] and _coordinated(text, token, tokens[j]):
                        if token.capitalised == tokens[j].capitalised:
                            names[i] = changed = True
                            break

    spans: list[Finding] = []
    i = 0
    while i < len(tokens):
        if not names[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and names[j + 1] and _adjacent(text, tokens[j], tokens[j + 1]):
            j += 1
        spans.append(Finding("name", tokens[i].start, tokens[j].end))
        i = j + 1
    return spans


_COORDINATION = re.compile(r"\s*,?\s*(?:ja|och|and|sekä|tai|eller|or|&)\s+", re.IGNORECASE)
#: In a list of capitalised names a comma joins too ("Helmi, Pekka ja Jari tulivat").
_LISTING = re.compile(r"\s*(?:,|,?\s*(?:ja|och|and|sekä|tai|eller|or|&))\s+", re.IGNORECASE)


def _coordinated(text: str, a: _Token, b: _Token) -> bool:
    left, right = (a, b) if a.start < b.start else (b, a)
    pattern = _LISTING if a.capitalised and b.capitalised else _COORDINATION
    return pattern.fullmatch(text, left.end, right.start) is not None


def _joins(token: _Token, neighbour: _Token, to_the_right: bool) -> bool:
    """Whether ``token`` belongs to the name ``neighbour`` is part of, next to it."""
    cls = token.cls
    if cls.person:
        # A capitalised name joins any name; a lower-case one only a lower-case name
        # ("anna virtanen"), not a capitalised one ("Pekka anna se").
        return token.capitalised or not neighbour.capitalised
    if not token.capitalised:
        return False
    if cls.known:
        # A capitalised ordinary word after a first name, inside a sentence, is a surname
        # ("Iina Suvanto", "Matti Kivi").
        return to_the_right and not token.initial and neighbour.cls.first
    # An unknown capitalised word: a surname after a name ("Ahmed Nuur"), or a name part
    # before one unless it merely begins the sentence.
    return to_the_right or not token.initial


# --- the allow list ------------------------------------------------------------------------


def _normalised(text: str, kind: Kind) -> str:
    folded = " ".join(text.casefold().split())
    if kind in ("phone", "iban", "hetu"):
        folded = re.sub(r"[\s()\-]", "", folded)
    return folded


def _word_bases(word: str) -> frozenset[str]:
    bases = set(finnish_bases(word))
    if len(word) > 3 and word.endswith("s"):
        bases.add(word[:-1])
    return frozenset(bases)


def _drop_allowed(text: str, findings: list[Finding], allow: tuple[str, ...]) -> list[Finding]:
    words: set[str] = set()
    for entry in allow:
        words.update(w.casefold() for w in _WORD.findall(entry))
    names = _lexicon().names

    def word_allowed(word: str) -> bool:
        if word in words:
            return True
        bases = _word_bases(word)
        if bases & words:
            return True
        return any(word in _word_bases(a) or bases & _word_bases(a) & names for a in words)

    kept = []
    for finding in findings:
        piece = text[finding.start : finding.end]
        norm = _normalised(piece, finding.kind)
        if any(norm == _normalised(a, finding.kind) for a in allow):
            continue
        if finding.kind == "name":
            parts = [w.casefold() for w in _WORD.findall(piece)]
            if parts and all(word_allowed(p) for p in parts):
                continue
        kept.append(finding)
    return kept
