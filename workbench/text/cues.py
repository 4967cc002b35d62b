"""Cue words shared by the splitter and the suggester (pure data, standard library only).

``SPEECH_VERBS`` is the alternation the splitter uses after a closing quote
("... power,” Baqeri told his guest"); the other sets describe reported speech,
titles, pronouns and the words that mark organisations and outlets.
``trie_pattern`` turns a word list into a regex that scans in C.
"""

from __future__ import annotations

import re

SPEECH_VERBS = (
    "said|says|told|added|asked|stated|noted|explained|wrote|continued|replied|insisted|"
    "stressed|warned|declared|argued|emphasized|emphasised|underlined|maintained|claimed|"
    "announced|recalled|concluded|tweeted|remarked|observed|pointed|urged|cautioned|"
    "acknowledged|admitted|affirmed|answered|commented|confirmed|responded|reiterated"
)

# Reporting verbs by lemma: every inflected form introduces reported speech when a
# subject stands before it ("Hatami said", "the report predicts") or, for the "say"
# family, after it ('"...," said Hatami').  Multi-word cues ("called for") are listed
# with their particle.
_LEMMAS = {
    "say": "say says said saying",
    "tell": "tell tells told telling",
    "add": "add adds added adding",
    "state": "state states stated stating",
    "note": "note notes noted noting",
    "highlight": "highlight highlights highlighted highlighting",
    "stress": "stress stresses stressed stressing",
    "maintain": "maintain maintains maintained maintaining",
    "call for": "call_for calls_for called_for calling_for",
    "point to": "point_to points_to pointed_to pointing_to point_out points_out pointed_out "
    "pointing_out",
    "express": "express expresses expressed expressing",
    "urge": "urge urges urged urging",
    "warn": "warn warns warned warning",
    "accuse": "accuse accuses accused accusing",
    "ask": "ask asks asked asking",
    "announce": "announce announces announced announcing",
    "explain": "explain explains explained explaining",
    "argue": "argue argues argued arguing",
    "insist": "insist insists insisted insisting",
    "claim": "claim claims claimed claiming",
    "declare": "declare declares declared declaring",
    "emphasize": "emphasize emphasizes emphasized emphasizing emphasise emphasises "
    "emphasised emphasising",
    "underline": "underline underlines underlined underlining",
    "reiterate": "reiterate reiterates reiterated reiterating",
    "confirm": "confirm confirms confirmed confirming",
    "deny": "deny denies denied denying",
    "acknowledge": "acknowledge acknowledges acknowledged acknowledging",
    "admit": "admit admits admitted admitting",
    "recall": "recall recalls recalled recalling",
    "conclude": "conclude concludes concluded concluding",
    "continue": "continued",
    "reply": "reply replies replied replying",
    "answer": "answered",
    "comment": "comment comments commented commenting",
    "remark": "remark remarks remarked remarking",
    "observe": "observes observed",
    "write": "write writes wrote writing",
    "tweet": "tweet tweets tweeted tweeting",
    "report": "report reports reported reporting",
    "predict": "predict predicts predicted predicting",
    "forecast": "forecast forecasts forecasted forecasting",
    "estimate": "estimate estimates estimated estimating",
    "find": "find finds found",
    "show": "show shows showed",
    "suggest": "suggest suggests suggested suggesting",
    "believe": "believe believes believed",
    "vow": "vow vows vowed vowing",
    "pledge": "pledge pledges pledged pledging",
    "promise": "promise promises promised promising",
    "threaten": "threaten threatens threatened threatening",
    "demand": "demand demands demanded demanding",
    "propose": "propose proposes proposed proposing",
    "caution": "caution cautions cautioned cautioning",
    "affirm": "affirm affirms affirmed affirming",
    "assert": "assert asserts asserted asserting",
    "contend": "contend contends contended contending",
    "describe": "describe describes described describing",
    "praise": "praise praises praised praising",
    "condemn": "condemn condemns condemned condemning",
    "criticize": "criticize criticizes criticized criticizing criticise criticises "
    "criticised criticising",
    "voice": "voice voices voiced voicing",
    "reveal": "reveal reveals revealed revealing",
    "indicate": "indicate indicates indicated indicating",
    "quote": "quote quotes quoted quoting",
    "cite": "cite cites cited citing",
    "testify": "testify testifies testified testifying",
    "allege": "allege alleges alleged alleging",
    "underscore": "underscore underscores underscored underscoring",
    "lash out": "lash_out lashes_out lashed_out lashing_out hit_out hits_out",
    "call on": "call_on calls_on called_on calling_on call_upon calls_upon called_upon "
    "calling_upon",
    "call": "called calls",
    "advise": "advise advises advised advising",
    "recommend": "recommend recommends recommended recommending",
    "slam": "slam slams slammed slamming",
    "reject": "reject rejects rejected rejecting",
    "dismiss": "dismisses dismissed",
    "hope": "hopes hoped",
    "think": "thinks",
    "question": "questioned questions questioning",
}
# form -> lemma ("called for" -> "call for")
CUE_FORMS: dict[str, str] = {
    form.replace("_", " "): lemma for lemma, forms in _LEMMAS.items() for form in forms.split()
}
# Verbs that put the subject after them in '"...," said Hatami'.
INVERTING = frozenset(
    "said says added asked continued explained wrote replied answered insisted "
    "stressed warned noted recalled concluded declared argued".split()
)
# Forms that are nouns or adjectives too often to count without a subject before them
# ("the warning", "a report", "the reported deal", "his statement"): they count only
# with a subject (never inverted, never bare).
WEAK_FORMS = frozenset(
    "report reports reported reporting estimate estimated estimates finds found shows showed "
    "suggests suggested suggesting promise promises state states note notes claim claims "
    "demand demands comment comments answer remark remarks quote quotes voice voices "
    "believe believed indicate indicates indicated describe describes described "
    "recall express call_for called calls hopes hoped thinks "
    "rejected rejects dismissed dismisses advise advises advised recommend recommends "
    "recommended testify find show suggest questioned questions "
    "propose proposes proposed proposing".replace("_", " ").split()
)
# Personal pronouns as subjects: gender ("m", "f", "" unknown) and number.
PRONOUNS = {
    "he": ("m", "sg"),
    "she": ("f", "sg"),
    "they": ("", "pl"),
    "we": ("", "pl"),
    "i": ("", "sg1"),
    "it": ("n", "sg"),
}
RELATIVES = frozenset(("who", "which"))

# Words that end the title part of a name ("Iranian Defense Minister Amir Hatami").
TITLE_HEADS = frozenset(
    """
    Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady Madam Mister
    General Gen Lieutenant Lt Major Maj Colonel Col Captain Capt Commander Cmdr Cdr
    Admiral Adm Brigadier Brig Sergeant Sgt Corporal Cpl Private Pvt Marshal Commodore
    Ensign Officer Commandant
    President Premier Minister Secretary Senator Sen Representative Rep Congressman
    Congresswoman Governor Gov Mayor Ambassador Envoy Chancellor Consul
    King Queen Prince Princess Emperor Empress Sheikh Sheik Emir Sultan Ayatollah
    Hojatoleslam Imam Mullah Pope Cardinal Bishop Archbishop Rabbi Father Reverend Rev
    Pastor Judge Justice Chief Director Chairman Chairwoman Chairperson Chair
    Spokesman Spokeswoman Spokesperson Deputy Head Commissioner Inspector Superintendent
    Detective Constable Coach Administrator Attorney Counsel Dean Provost Leader
    Speaker Chef CEO Founder Editor Correspondent Analyst Professor Researcher
    Scientist Engineer Astronaut Manager Lawmaker MP Councillor Councilor Sheriff
    Prosecutor Premier Viceroy Vice Rear Field
    """.split()
)
# Heads that say nothing about the office (description "the Iraqi official").
GENERIC_HEADS = frozenset(
    "official officer leader head chief figure man woman person politician diplomat "
    "envoy representative spokesman spokeswoman spokesperson general".split()
)
# Titles that tell the person's gender.
MALE_TITLES = frozenset(
    "mr sir lord king prince emperor sheikh sheik emir sultan father brother "
    "chairman congressman spokesman ayatollah pope cardinal rabbi imam mister".split()
)
FEMALE_TITLES = frozenset(
    "mrs ms miss madam dame lady queen princess empress sister chairwoman "
    "congresswoman spokeswoman".split()
)

# Words that make a capitalised phrase an organisation.
ORG_WORDS = frozenset(
    """
    Agency Ministry Corps Army Force Forces Navy Council Committee Party Union
    Organization Organisation Association Institute University College School Company
    Corporation Corp Inc Ltd LLC Group Bank Fund Office Department Court Parliament
    Assembly Commission Government Police Service Services Authority Administration
    Board Bureau Centre Center Foundation Federation League Coalition Alliance Front
    Movement Church Hospital Agency Airlines Airways Ministry Staff Guards Guard Senate
    Congress Cabinet Embassy Consulate Secretariat Unit Brigade Division Battalion
    Regiment Command Headquarters Society Trust Network Channel Program Programme
    Laboratory Observatory Station Club Team Mission Media Times Post Journal Herald
    Gazette Tribune Telegraph Guardian News Press Television Radio Daily Magazine
    Reuters Kremlin Pentagon Majlis NASA UN NATO EU
    """.split()
)
# Outlets seen often enough to be recognised by name alone.
OUTLETS = frozenset(
    """
    Reuters AP AFP Xinhua TASS Interfax Yonhap Kyodo Bloomberg BBC CNN NPR PBS
    Tasnim IRNA ISNA Mehr Fars KCNA SANA WAFA MENA Anadolu Bernama Antara ANSA EFE DPA
    Sputnik RIA Wikinews Haaretz Politico Axios Guardian
    """.split()
)
OUTLET_WORDS = frozenset(
    "Agency News Times Post Journal Herald Gazette Tribune Telegraph Guardian Press "
    "Television TV Radio Daily Magazine Network Channel Broadcasting Wire Observer "
    "Chronicle Monitor Express Independent Mirror Star Sun".split()
)
# Groups that speak without a name ("officials said"), with the speaker type of each.
GROUP_HEADS = {
    **dict.fromkeys(
        "officials authorities police government ministry administration military".split(),
        "organization",
    ),
    **dict.fromkeys("media press outlets newspapers".split(), "outlet"),
    **dict.fromkeys("residents witnesses sources source reports observers".split(), "unknown"),
    **dict.fromkeys(
        "defendants analysts experts researchers scientists doctors lawyers activists "
        "protesters critics supporters opponents participants members lawmakers officers "
        "leaders diplomats people students workers family relatives investigators "
        "prosecutors rescuers survivors victims".split(),
        "person",
    ),
}
# Editorial labels before a colon ("Note: this article was updated", "Background:
# Iran and Iraq fought ..."): the article's own notes, never a speaker's name.
LABELS = frozenset(
    """
    Note Notes Background Update Updated Correction Clarification Disclaimer Context
    Summary Source Sources Related Analysis Editorial Opinion Warning Photo Photos
    Video Caption Contact Credit Credits Read See Also Timeline Fact Facts Factbox
    Explainer Breaking Watch Listen Advertisement Sponsored Translation Transcript
    """.split()
)
# Single bodies that speak without a name ("the newspaper reported", "state television
# reported", "the company said"), with the speaker type of each.
BODY_HEADS = {
    **dict.fromkeys(
        "newspaper broadcaster channel television tv radio station network agency wire "
        "outlet magazine daily tabloid".split(),
        "outlet",
    ),
    **dict.fromkeys(
        "company firm corporation bank group ministry office department council committee "
        "court parliament embassy army navy regime party union commission".split(),
        "organization",
    ),
}
# Words naming a document that can be a claim's source ("the report says").
DOCUMENTS = frozenset(
    "report reports statement statements study studies survey document documents letter "
    "website site database tweet post page account blog records figures statistics "
    "memo communique communiqué declaration resolution ruling verdict analysis paper "
    "assessment review findings filing complaint indictment lawsuit release announcement "
    "agreement treaty deal bill law order decree plan proposal text poll data".split()
)


def trie_pattern(words) -> str:
    """Return a regex alternation of ``words`` as a trie ("sa(?:id|ys)"): Python's re
    tries the branches of a flat alternation one by one at every position, a trie
    fails after one character where no word starts."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            body = "(?:" + body + ")?"
        return body

    return walk(trie)
