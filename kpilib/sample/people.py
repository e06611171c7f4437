"""Fictional people's strings: Chinese names, mobile numbers and resident ID numbers."""

from __future__ import annotations

import numpy as np

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万"
    "钱严武戴莫孔向汤"
)
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国"
    "志文博晨昊然轩峰亮成东海毅晓立新振"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕红婷雪琳颖倩欣佳慧婕晶洁莉萍丹蕾薇岚怡梅琴璐瑶悦彤涵思雨月"
_MOBILE_PREFIXES = np.array(
    [134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 178, 182, 183, 184, 187, 188]
)
# GB 11643 check digit: weights of the 17 digits, and the digit for each remainder mod 11.
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def people_strings(
    rng: np.random.Generator, hire: np.ndarray, *, p_new: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    """Return names, mobile numbers and resident ID numbers of everyone.

    ``hire`` holds each person's hire date (``datetime64[D]``); ``p_new`` marks those
    hired within the generated months, who are younger.
    """
    n = len(hire)
    rank = np.arange(len(_SURNAMES))
    weight = 1.0 / (rank + 4.0)
    surname = rng.choice(len(_SURNAMES), size=n, p=weight / weight.sum())
    male = rng.random(n) < 0.5
    two = rng.random(n) < 0.65
    pool = np.where(male, 0, 1)
    chars = (_MALE_CHARS, _FEMALE_CHARS)
    g1 = rng.random(n)
    g2 = rng.random(n)
    names = []
    for i in range(n):
        c = chars[pool[i]]
        given = c[int(g1[i] * len(c))] + (c[int(g2[i] * len(c))] if two[i] else "")
        names.append(_SURNAMES[surname[i]] + given)
    prefix = rng.choice(_MOBILE_PREFIXES, size=n)
    tail = rng.integers(0, 100_000_000, size=n)
    phones = [f"{p}{t:08d}" for p, t in zip(prefix, tail, strict=True)]
    # Resident ID: area code, birth date, sequence (odd for men), check digit.
    age_days = np.where(p_new, rng.uniform(21, 35, n), rng.uniform(21, 40, n)) * 365.25
    birth = hire - age_days.astype(np.int64)
    area = rng.integers(11, 66, n) * 10_000 + rng.integers(1, 20, n) * 100 + rng.integers(1, 30, n)
    seq = rng.integers(0, 500, n) * 2 + male
    body = [
        f"{a:06d}{str(b).replace('-', '')}{s:03d}"
        for a, b, s in zip(area, birth.astype(str), seq, strict=True)
    ]
    digits = np.array([[ord(ch) - 48 for ch in text] for text in body], dtype=np.int64)
    check = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11] if n else np.zeros(0, dtype=str)
    ids = [b + c for b, c in zip(body, check, strict=True)]
    return names, phones, ids
