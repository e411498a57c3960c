"""The second line in Chinese: the same grounds as ``keywords.py`` for documents written in
Chinese characters, which have no spaces and so no word boundaries to anchor on.

Own care ("赡养父母") and property offences against a place of worship ("损坏寺庙财物")
are blanked first, as in English.
"""

from __future__ import annotations

import re

OTHERS_GROUND = "someone else's conduct"

_BLANK = re.compile(
    r"(?:赡养|照顾|照料|孝敬|帮助|扶养|抚养|关爱|看望)(?:年迈的?|老)?"
    r"(?:父母|老人|长辈|邻居|子女|孩子|家人)"
    r"|(?:损坏|毁坏|破坏|盗窃|偷窃|焚烧|纵火)[^，。；,;]{0,4}?(?:寺庙|教堂|清真寺|寺院|宗教场所)"
    r"(?:的)?(?:财物|财产|设施|建筑)?"
)

ZH: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "religion",
        re.compile(
            r"宗教|信教|礼拜|清真寺|教堂|寺庙|寺院|念经|祈祷|斋月|封斋|法轮|朝觐|佛教|基督|"
            r"伊斯兰|穆斯林|古兰经|圣经|宗教场所"
        ),
    ),
    ("belief", re.compile(r"信仰|意识形态|迷信|思想动态")),
    (
        "loyalty and political attitude",
        re.compile(r"政治|忠诚|忠于|听党话|跟党走|正能量|爱党|党员|异见|反对党|政见|感恩|表态"),
    ),
    ("speech", re.compile(r"言论|评论|网评|发帖|网上发表|微博|微信|转发|朋友圈|舆论")),
    ("petitions to authorities", re.compile(r"上访|信访|越级|集体访|进京")),
    ("reading and information", re.compile(r"禁书|反动书|境外网站|翻墙|非法宗教")),
    ("association or assembly", re.compile(r"集会|游行|示威|结社|串联|聚集|罢工")),
    ("dress and appearance", re.compile(r"面纱|面罩|头巾|蒙面|罩袍|胡须|大胡子|奇装异服")),
    ("ethnicity", re.compile(r"民族|种族|维吾尔|藏族|少数民族")),
    ("health", re.compile(r"疾病|残疾|精神病|艾滋|怀孕")),
    ("sexuality", re.compile(r"同性恋|性取向")),
    (
        OTHERS_GROUND,
        re.compile(r"子女|配偶|亲属|家属|亲友|邻居|邻里|网格|父母|家人|同事|连坐|株连|关系人"),
    ),
    ("preference", re.compile(r"消费习惯|购物|游戏|偏好|爱好")),
)


def zh_hits(text: str) -> list[tuple[str, str]]:
    """(ground, matched words) for every ground the Chinese text touches."""
    if not any("\u3400" <= ch <= "\u9fff" for ch in text):
        return []
    cleaned = _BLANK.sub("□", text)
    out = []
    for ground, rx in ZH:
        m = rx.search(cleaned)
        if m:
            out.append((ground, m.group(0)))
    return out
