"""The second line's English (and pinyin) patterns: protected grounds, others' conduct,
preference profiling, and the lawful spans blanked before scanning.

Kept apart from the scanner (``keywords.py``) so the word lists can grow without the
logic around them; ``keywords_zh.py`` holds the Chinese ones.
"""

from __future__ import annotations

import re


def _rx(*alternatives: str) -> re.Pattern[str]:
    """Whole-word alternatives; the end is "no word character follows" so that
    possessives ending in an apostrophe ("friends'") still match."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")(?!\w)")


def normalise(text: str) -> str:
    """Lowercase, typographic apostrophes to ``'``, and ``-``/``_`` to spaces, so that a
    code such as ``attends-church`` reads like the title "Attends church"."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"[\s_\-]+", " ", text).strip()


# A subject's own care for the people around them is their own conduct, and village
# schemes reward it (SYSTEM.md §2): "caring for elderly parents", "helping neighbours",
# "caring for disabled relatives". These spans are blanked out before the others-conduct
# and protected-ground patterns run, so "parents" or "disabled" inside them never count,
# while anything else in the same text is still scanned.
OWN_CARE = re.compile(
    r"\b(?:help\w*|car(?:e|es|ed|ing) for|look\w* after|support\w*|assist\w*|visit\w*|"
    r"treat\w*|respect\w*|provid\w* for|rais\w*|nurs\w*|tend\w* to|protect\w*|feed\w*|"
    r"housing|shelter\w*|abandon\w*|neglect\w*|mistreat\w*|abus\w*)"
    r"(?: (?:one's|ones|his|her|their|your|own|the|a|an|elderly|aged|ageing|aging|old|older|"
    r"sick|ill|disabled|infirm|young|needy|poor|vulnerable|other|fellow|and|or))*"
    r" (?:parents?|neighbou?rs?|friends?|relatives?|family|families|family members?|"
    r"children|child|kids?|spouses?|husbands?|wives|wife|elders?|grandparents?|"
    r"grandchildren|in laws?|siblings?|orphans?|villagers?)(?![\w'])"
)

# Word-boundary patterns per protected ground (SYSTEM.md §6). Legal bases and excusing
# circumstances are not scanned: citing a law or being in hospital is not scoring anyone
# for it. Lookarounds keep out lawful wording that shares a word with a ground: food
# safety and "health certificates", "bad faith", "audit opinions", "minority
# shareholders", "sexual harassment", a protested bill of exchange.
PROTECTED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "religion",
        _rx(
            r"religio\w*",
            r"worship\w*",
            r"church\w*",
            r"mosques?",
            r"temples?",
            r"(?<!good )(?<!bad )faiths?",
            r"falun\w*",
            r"prayers?",
            r"praying",
            r"clergy",
            r"monks?",
            r"imams?",
            r"priests?",
            r"sects?",
            r"cults?",
            r"buddhis\w*",
            r"christian\w*",
            r"muslims?",
            r"islam\w*",
            r"ramadan",
            r"fasting",
            r"koran|quran",
            r"bibles?",
            r"congregation\w*",
            r"spiritual\w*",
            r"pilgrim\w*",
            r"baptis\w*",
        ),
    ),
    (
        "belief",
        _rx(
            r"beliefs?",
            r"believers?",
            r"ideolog\w*",
            r"conscience",
            r"superstitio\w*",
            r"atheis\w*",
        ),
    ),
    (
        "political opinion",
        _rx(
            r"politic\w*",
            r"party members?(?:hip)?",
            r"(?:communist|opposition|ruling) part(?:y|ies)",
            r"dissent\w*",
            r"dissident\w*",
            r"(?<!audit )(?<!auditor's )(?<!legal )(?<!expert )(?<!court's )opinions?",
            r"activis\w*",
            r"loyalty to the (?:party|state|government)",
            r"patriotis\w*",
            r"opposition(?! proceedings?| to (?:a |the )?(?:trade ?marks?|patents?))",
            r"vot(?:e|es|ed|ing) (?:for|against)",
        ),
    ),
    (
        "ethnicity",
        _rx(
            r"ethnic\w*",
            r"races?",
            r"racial\w*",
            r"minorit(?:y|ies)(?! shareholders?| stakes?| interests?| investors?)",
            r"nationalit(?:y|ies)",
            r"uyghurs?",
            r"uighurs?",
            r"tibetans?",
            r"kazakhs?",
            r"hukou origin",
        ),
    ),
    (
        "health",
        _rx(
            r"(?<!public )health(?! and safety| code| inspections?| regulations?| standards?"
            r"| permits?| certificates?| licen[cs]es?| insurance)",
            r"illness\w*",
            r"diseases?",
            r"medical(?! insurance| fraud| staff| personnel| workers?| institutions?"
            r"| devices?| waste| supplies| malpractice| negligence)",
            r"disabilit(?:y|ies)",
            r"disabled",
            r"hiv",
            r"mental\w*",
            r"psychiatr\w*",
            r"pregnan\w*",
            r"diagnos\w*",
            r"infertil\w*",
        ),
    ),
    (
        "sexuality",
        _rx(
            r"sexual(?:ity|ities)?(?! harassment| assault| abuse| violence| exploitation"
            r"| offen[cs]es?| crimes?)",
            r"sexual orientation",
            r"gays?",
            r"lesbians?",
            r"lgbt\w*",
            r"homosexual\w*",
            r"bisexual\w*",
            r"transgender\w*",
            r"queer",
            r"same sex(?! toilets?| changing rooms?)",
        ),
    ),
    (
        "speech",
        _rx(
            r"speech\w*",
            r"online posts?",
            r"internet posts?",
            r"posts? online",
            r"posting",
            r"comment(?:s|ing|ed)?",
            r"social media",
            r"expression(?! of interest)",
            r"expressing",
            r"weibo",
            r"wechat",
            r"microblog\w*",
            r"blog\w*",
            r"criticis\w*",
            r"criticiz\w*",
            r"rumou?rs?",
            r"journalis\w*",
            r"publish\w* (?:views|articles|opinions)",
            r"open letters?",
            r"sign\w* (?:an? |the )?(?:joint |collective )?letters?",
        ),
    ),
    (
        "petitions to authorities",
        _rx(
            r"(?<!bankruptcy )(?<!winding up )petition\w*",
            r"xinfang",
            r"shangfang",
            r"letters and visits",
            r"complain\w* to (?:the )?(?:higher |upper |central |provincial |national |"
            r"county |city |municipal |party )?(?:level )?"
            r"(?:authorities|government|officials|offices?|leaders(?:hip)?|committees?)",
            r"collective (?:complaints?|letters?|visits?|appeals?)",
            r"appeal\w* to (?:the )?(?:higher|upper|central)(?: level)?"
            r"(?: authorities| officials| government)?",
        ),
    ),
    (
        "association or assembly",
        _rx(
            r"(?<!by )(?<!industry )(?<!trade )(?<!consumers )(?<!consumer )associations?",
            r"freedom of association",
            r"assembl(?:y|ies)(?! lines?)",
            r"(?<!bill )(?<!bills )(?<!note )(?<!cheque )protest\w*"
            r"(?! of (?:a |the )?(?:bills?|notes?|cheques?|checks?))",
            r"demonstrations?",
            r"demonstrators?",
            r"gatherings?",
            r"union organi[sz]\w*",
            r"unioni[sz]\w*",
            r"independent unions?",
            r"(?:independent|unofficial|unregistered|autonomous|free) (?:trade |labou?r )?unions?",
            r"trade union (?:membership|members?|activit\w*)",
            r"unregistered (?:groups?|organi[sz]ations?|associations?)",
            r"(?:labou?r|workers'?|general|hunger) strikes?",
            r"strike action",
            r"(?:go|goes|going|went) on strike",
            r"rall(?:y|ies)",
            r"sit ins?",
            r"marches",
        ),
    ),
    (
        "dress and appearance",
        _rx(
            r"veil(?:s|ed|ing)?",
            r"headscar(?:f|ves)",
            r"hijabs?",
            r"burqas?",
            r"niqabs?",
            r"beards?",
            r"bearded",
            r"religious (?:dress|clothing|attire|symbols?)",
            r"(?:abnormal|strange|outlandish) (?:dress|clothing|attire)",
        ),
    ),
    (
        "reading and information",
        _rx(
            r"(?:banned|forbidden|prohibited|illegal|foreign|religious|political|reactionary)"
            r" (?:books?|publications?|literature|websites?|news|media|reading)",
            r"read\w* (?:the )?(?:banned|forbidden|prohibited|foreign|religious|political) \w+",
            r"vpns?",
            r"(?:climb\w*|scal\w*|jump\w*) (?:over )?the (?:great )?(?:fire)?wall",
        ),
    ),
    (
        "loyalty and political attitude",
        _rx(
            r"loyal\w*(?! (?:programmes?|programs?|points|cards?|schemes?|customers?))",
            r"positive energy",
            r"(?:praise|praising|praised|prais\w*|support\w*|love for|gratitude to|thank\w*)"
            r" (?:for |of |to )?(?:the )?(?:government|party|leadership|state|leaders?|socialism)",
            r"(?:attitude|stance|sentiment|feelings?) (?:towards?|about|on) (?:the )?"
            r"(?:government|party|state|leadership|policies)",
            r"(?:study|studying|studied|learn\w*) (?:xi jinping )?thought",
            r"xuexi qiangguo",
            r"thought reform",
            r"(?:political|ideological) (?:education|attitude|reliability|performance)",
        ),
    ),
)

# Scoring someone for what other people did: a possessive or "of" construction naming
# a relationship, or a relationship itself used as a source of points.
OTHERS = _rx(
    r"(?:relative|family member|household member|spouse|husband|wife|parent|father|"
    r"mother|child|son|daughter|sibling|brother|sister|friend|acquaintance|contact)'s",
    r"(?:relatives|family members|household members|spouses|parents|siblings|friends|"
    r"acquaintances|contacts)'",
    r"children's (?:conduct|behaviou?r|offen[cs]es?|debts?|records?|scores?|grades|truancy)",
    r"(?:relatives?|family members?|household members?|spouses?|friends?|acquaintances?)"
    r" of",
    r"relatives",
    r"family members?",
    r"household members?",
    r"friends?",
    r"friend lists?",
    r"acquaintances?",
    r"contacts",
    r"contact lists?",
    r"followers",
    r"associates",
    r"associat\w* with",
    r"guilt by association",
    r"social graphs?",
    r"social networks?",
    r"social networking",
    r"social circles?",
    r"(?:interpersonal|personal|social|family) (?:relationships?|relations|ties)",
    r"(?<!labour )(?<!labor )(?<!employment )(?<!contractual )(?<!contract )"
    r"(?<!business )(?<!customer )(?<!client )relationships?",
    r"(?:interpersonal|personal|social|family|network) connections?",
    r"(?<!illegal )(?<!unauthorised )(?<!unauthorized )(?<!electrical )(?<!electricity )"
    r"(?<!water )(?<!gas )(?<!grid )(?<!power )(?<!pipe )connections",
    r"(?:people|persons|someone|anyone) (?:you|they|he|she|the subject|the person) knows?",
    # "a defaulter's child", "the debtor's spouse", "children of defaulters", "a grid
    # neighbour": a penalty that reaches past the subject to the people around them.
    r"\w+'s (?:child|children|kids?|spouses?|wife|husband|sons?|daughters?|parents?|relatives?|"
    r"neighbou?rs?|household|family|colleagues?|classmates?|roommates?)",
    r"(?:children|child|kids|spouses?|wives|husbands?|parents|relatives|neighbou?rs|"
    r"colleagues|household members) of (?:a |an |the )?(?:listed|blacklisted|dishonest|"
    r"untrustworthy|defaulting|debtor|defaulter|offender|person|people|subject)\w*",
    r"(?<!own )(?:children|child|spouses?|neighbou?rs?|colleagues?|co workers?|classmates?|"
    r"roommates?|grid members?|households? in the grid)"
    r"(?! support| maintenance| labou?r| custody| care facilit\w*| abuse)",
    r"(?:contacts?|dealings|ties|links|contact) with (?:listed|blacklisted|dishonest|"
    r"untrustworthy|sanctioned|defaulting) (?:persons?|people|subjects|individuals|parties)",
    r"joint (?:liability|responsibility) of (?:relatives|family|neighbou?rs|households?)",
    # Indirect kinship and shared homes (an attack in tests/attacks/test_gate_phrasing.py
    # slipped each of these past the words above).
    r"(?:same|shared|one|a common) household",
    r"households? registration",
    r"household of",
    r"members of (?:the |a |an |their |his |her )?(?:same )?(?:household|family|home)",
    r"shar\w* (?:a |the |one )?(?:household|hukou|residence|home|flat|apartment|dwelling)",
    r"co ?residents?",
    r"cohabit\w*",
    r"next of kin",
    r"kin(?:ship|sm[ae]n|sfolk)?",
    r"in laws?",
    r"(?:parents?|sons?|daughters?|siblings?|brothers?|sisters?|grandchildren|grandparents?|"
    r"cousins?|nephews?|nieces?|uncles?|aunts?|heirs?|dependants?|dependents?) of",
    r"marri\w* (?:to|with|into)",
    r"marriage (?:to|with)",
)

# Judging what a person buys, plays or prefers as a sign of their character (SYSTEM.md
# §3 lists "behaviour and preference" among Sesame's secret factors; §6 refuses it).
PREFERENCE = _rx(
    r"behaviou?rs? and preferences?",
    r"behaviou?r preferences?",
    r"preferences?",
    r"shopping(?! malls?| centres?| centers?)",
    r"shopping habits?",
    r"consumption habits?",
    r"consumption patterns?",
    r"consumer behaviou?r",
    r"spending habits?",
    r"spending patterns?",
    r"purchases",
    r"purchasing habits?",
    r"purchase history",
    r"buys",
    r"buying habits?",
    r"video games?",
    r"online games?",
    r"computer games?",
    r"lifestyles?",
    r"hobb(?:y|ies)",
)


# Lawful conduct that shares a word with a protected ground: damaging, stealing from or
# setting fire to a temple, church or mosque is damage to property whoever owns it. The
# span is blanked before the grounds are scanned, like the subject's own care above.
LAWFUL = re.compile(
    r"\b(?:damag\w*|vandali[sz]\w*|destr(?:oy|uction|oying|oyed)\w*|steal\w*|stole|theft|"
    r"arson|burglar\w*|defac\w*|break\w* into|broke into|set\w* fire to|trespass\w*)"
    r"(?: (?:to|from|at|in|of|on|a|an|the|property|propert(?:y|ies) of|belonging to))*"
    r" (?:temples?|churche?s?|mosques?|monaster(?:y|ies)|shrines?|pagodas?)(?:'s?)?"
    r"(?: (?:property|propert(?:y|ies)|buildings?|statues?|windows?|doors?|walls?|"
    r"donation boxes?|relics?))?(?![\w'])"
)
